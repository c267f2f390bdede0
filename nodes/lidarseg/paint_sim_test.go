package lidarsegnode

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/testfix/drive"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// onLabelled calls fn when the node publishes a labelled cloud.
type onLabelled struct{ fn func() }

func (p onLabelled) Publish(topic string, _ cdr.Message) error {
	if topic == "~/labelled" {
		p.fn()
	}
	return nil
}

// TestNodePaintsAsTrainingData drives the node through a simulated drive
// and checks that the painted channels it feeds its model equal, bit for
// bit, those `simulate --dataset lidarseg --paint` writes for training
// from the same seed: the model sees at run time what it learnt from.
func TestNodePaintsAsTrainingData(t *testing.T) {
	needORT(t)
	cams := []string{"cam_front", "cam_front_left", "cam_front_right"}
	sc := simdrive.Config{Seed: 5, Duration: 0.4, Cameras: "four", Width: 176, Height: 64}
	pc, _ := lidarseg.PresetConfig("hdl64e")
	dir := t.TempDir()
	n, err := simdrive.WriteLidarDataset(context.Background(), simdrive.DatasetConfig{Config: sc, Projection: pc,
		LabelMap: lidarseg.SemanticKITTI(), Paint: cams}, dir, nil)
	if err != nil || n != 4 {
		t.Fatalf("dataset: %d scans, %v", n, err)
	}
	f, err := os.Open(filepath.Join(dir, "paint.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := npy.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	rec := drive.Record(t, sc)
	// The tiny painted model's card has the five geometric normalisation
	// entries only, so its painted channels are the raw values.
	model := tinyPaintedNet(t, 64, 2048)
	card, _ := os.ReadFile(infer.CardPathFor(model))
	card = []byte(strings.Replace(string(card), "[cam_front]", "[cam_front, cam_front_left, cam_front_right]", 1))
	if err := os.WriteFile(infer.CardPathFor(model), card, 0o644); err != nil {
		t.Fatal(err)
	}
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nd, err := New(node.Env{Name: "lidarseg", Params: param.New("lidarseg", map[string]any{"model.path": model}), Stats: node.NewStats(), TF: buf})
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	plane := 64 * 2048
	scans := 0
	pub := onLabelled{func() {
		got := nd.model.input()[lidarseg.Channels*plane:]
		row := want.Data[scans*4*plane*4:]
		valid := 0
		for _, v := range got[3*plane:] {
			valid += int(v)
		}
		if valid < 10000 {
			t.Errorf("scan %d: %d points painted, want a quarter of the sweep", scans, valid)
		}
		for i, v := range got {
			w := math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:]))
			if v != w {
				t.Fatalf("scan %d: channel %d pixel %d: node %g, training data %g", scans, i/plane, i%plane, v, w)
			}
		}
		scans++
	}}
	rec.Feed(t, nd, buf, pub, nil)
	if scans != 4 {
		t.Fatalf("%d clouds compared, want 4", scans)
	}
	if f := nd.stats.Snapshot().Facts; f[FactPaintFrames] != "4" {
		t.Errorf("facts %v: want every cloud painted by all three cameras", f)
	}
}
