package bevfusionnode

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/testfix/drive"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// onDetections calls fn when the node publishes its detections.
type onDetections struct{ fn func() }

func (p onDetections) Publish(topic string, _ cdr.Message) error {
	if topic == TopicDetections {
		p.fn()
	}
	return nil
}

// float32s reads a float32 .npy file.
func float32s(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMLPInputMatchesTrainingSet runs the camera-aware bev-depth-small
// through the node on a simulated drive (cameras at the lidar's rate) and
// checks that the 27 values it feeds each camera's mlp_input, built from
// CameraInfo and TF, are the ones tools/train/camaware.py builds from the
// training set `simulate --dataset bev` writes for the same seed: K's fx,
// fy, cx, cy from intrinsics.npy, the identity image and BEV augmentation,
// and the top three rows of extrinsics.npy (base_link ← optical).
func TestMLPInputMatchesTrainingSet(t *testing.T) {
	needORT(t)
	sc := simdrive.Config{Seed: 11, Duration: 0.25, Cameras: "six", Width: 704, Height: 256, CameraHz: 10}
	dir := t.TempDir()
	if n, err := simdrive.WriteBEVDataset(context.Background(), simdrive.BEVDatasetConfig{Config: sc, LabelMap: lidarseg.SemanticKITTI()}, dir, nil); err != nil || n == 0 {
		t.Fatalf("dataset: %d samples, %v", n, err)
	}
	intr := float32s(t, filepath.Join(dir, "intrinsics.npy"))
	extr := float32s(t, filepath.Join(dir, "extrinsics.npy"))
	const ncam = 6
	want := make([]float32, 0, ncam*27)
	for c := range ncam { // sample 0: the rig is fixed
		k, e := intr[9*c:9*c+9], extr[16*c:16*c+16]
		want = append(want, k[0], k[4], k[2], k[5], 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1)
		want = append(want, e[:12]...)
	}

	rec := drive.Record(t, sc)
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	cams := []any{"cameras/cam_front", "cameras/cam_front_left", "cameras/cam_front_right", "cameras/cam_back", "cameras/cam_back_left", "cameras/cam_back_right"}
	nd, err := New(node.Env{Name: "bevfusion", Root: root, TF: buf, Stats: node.NewStats(), Log: slog.New(slog.DiscardHandler),
		Params: param.New("bevfusion", map[string]any{"cameras": cams, "cloud_topic": "lidar/points",
			"encoder_model": "models/bev-depth-small-camera.onnx", "fuser_model": "models/bev-depth-small-fuser.onnx"})})
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	n := nd.(*Node)
	if n.enc.mlpIn == "" {
		t.Fatal("bev-depth-small's encoder takes no mlp_input")
	}
	frames := 0
	pub := onDetections{func() {
		got := n.enc.m.Input(n.enc.mlpIn)
		if len(got) != len(want) {
			t.Fatalf("mlp_input holds %d values, want %d", len(got), len(want))
		}
		for i, v := range got {
			// float32 both ways; TF composes in float64, the training set
			// stores float32: a few ulps of the larger values.
			if math.Abs(float64(v-want[i])) > 1e-5*max(1, math.Abs(float64(want[i]))) {
				t.Fatalf("frame %d camera %d value %d (%s): node %g, training set %g", frames, i/27, i%27, mlpName(i%27), v, want[i])
			}
		}
		frames++
	}}
	rec.Feed(t, nd, buf, pub, func(err error) bool { return node.DropReason(err) == DropStale })
	if frames == 0 {
		t.Fatal("no frame fused")
	}
}

// mlpName names value i of BEVDepth's 27, for messages.
func mlpName(i int) string {
	names := []string{"fx", "fy", "cx", "cy", "ida00", "ida01", "ida03", "ida10", "ida11", "ida13", "bda00", "bda01", "bda10", "bda11", "bda22"}
	if i < len(names) {
		return names[i]
	}
	return "e" + string(rune('0'+(i-15)/4)) + string(rune('0'+(i-15)%4))
}
