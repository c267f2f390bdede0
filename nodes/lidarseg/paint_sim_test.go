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
	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// memBag keeps a simulated drive's messages in log order.
type memBag struct {
	topics []string
	msgs   []memMsg
}

type memMsg struct {
	topic string
	data  []byte
}

func (b *memBag) AddTopic(t bag.Topic) (uint16, error) {
	b.topics = append(b.topics, t.Name)
	return uint16(len(b.topics) - 1), nil
}

func (b *memBag) Write(id uint16, _, _ int64, data []byte) error {
	b.msgs = append(b.msgs, memMsg{b.topics[id], append([]byte(nil), data...)})
	return nil
}

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

	var drive memBag
	if _, err := simdrive.Run(context.Background(), sc, &drive); err != nil {
		t.Fatal(err)
	}
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
	subscribed := map[string]bool{}
	for _, tp := range nd.Inputs() {
		subscribed[tp.Name] = true
	}
	feeder := node.TFFeeder{Buffer: buf}
	for _, m := range drive.msgs {
		if isTF, static := node.IsTFTopic(m.topic); isTF {
			if _, err := feeder.Feed(m.data, static); err != nil {
				t.Fatal(err)
			}
			continue
		}
		name := strings.TrimPrefix(m.topic, "/")
		if !subscribed[name] {
			continue
		}
		if err := nd.Handle(&node.Msg{Topic: name, Data: m.data}, pub); err != nil {
			t.Fatalf("%s: %v", m.topic, err)
		}
	}
	if scans != 4 {
		t.Fatalf("%d clouds compared, want 4", scans)
	}
	if f := nd.stats.Snapshot().Facts; f[FactPaintFrames] != "4" {
		t.Errorf("facts %v: want every cloud painted by all three cameras", f)
	}
}
