package lidarsegnode

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// needORT fails the test when ONNX Runtime cannot be loaded: model tests
// run on the real library and are never skipped.
func needORT(tb testing.TB) {
	tb.Helper()
	if err := infer.Init(); err != nil {
		tb.Fatalf("ONNX Runtime is not available: %v\nrun scripts/fetch-ort.sh (make ort) before go test, or set %s", err, infer.EnvLibrary)
	}
}

// tinyRangeNet writes a model in the RangeNet++ contract: a 1×1 Conv from
// the 5 channels to 20 logits where road (class 9) scores 1 everywhere and
// building (class 13) scores the normalised range, so that points beyond
// 12.12 + 12.32 = 24.44 m are buildings and nearer ones road.
func tinyRangeNet(t testing.TB, h, w any, card string) string {
	t.Helper()
	weights := make([]float32, 20*5)
	bias := make([]float32, 20)
	bias[9] = 1
	weights[13*5+0] = 1
	g := onnxbuild.NewGraph("tiny-rangenet").
		Input("range_image", onnxbuild.Float, 1, 5, h, w).
		Initializer("w", onnxbuild.Float, []int64{20, 5, 1, 1}, weights).
		Initializer("b", onnxbuild.Float, []int64{20}, bias).
		Node("Conv", []string{"range_image", "w", "b"}, []string{"logits"}, onnxbuild.AttrInts("kernel_shape", 1, 1)).
		Output("logits", onnxbuild.Float, 1, 20, h, w)
	dir := t.TempDir()
	p := filepath.Join(dir, "tiny.onnx")
	if err := onnxbuild.NewModel(g).WriteFile(p); err != nil {
		t.Fatal(err)
	}
	if card == "" {
		card = fmt.Sprintf(`name: tiny-rangenet
version: 0.1.0
task: lidar-segmentation
family: rangenet
inputs:
  - {name: range_image, shape: [1, 5, %d, %d], type: float32}
outputs:
  - {name: logits, shape: [1, 20, %d, %d], type: float32}
normalisation: {mean: [12.12, 10.88, 0.23, -1.04, 0.21], std: [12.32, 11.47, 6.91, 0.86, 0.16]}
parameters: {fov_up_deg: 3.0, fov_down_deg: -25.0, softmax: false}
`, h, w, h, w)
	}
	if err := os.WriteFile(infer.CardPathFor(p), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestModelEndToEnd runs the tiny model through infer, argmax and kNN (and
// without kNN): near points are road (raw 40), far ones building (raw 50).
func TestModelEndToEnd(t *testing.T) {
	needORT(t)
	model := tinyRangeNet(t, 16, 256, "")
	pts := scene(16, 256)
	for _, post := range []string{"knn", "none"} {
		t.Run(post, func(t *testing.T) {
			// The card's image size wins over the preset's 64×2048.
			n, st := newNode(t, map[string]any{"model.path": model, "post_processing": post})
			var pub capture
			if err := n.Handle(msgOf(encodeCloud(pts, layouts[1].fields, false, 1, 0)), &pub); err != nil {
				t.Fatal(err)
			}
			var out sensor_msgs.PointCloud2
			pub.last(t, "~/labelled", &out)
			got := readLabelled(t, &out)
			road, building := 0, 0
			for i, p := range pts {
				r := math.Sqrt(p.x*p.x + p.y*p.y + p.z*p.z)
				g := got[i]
				switch {
				case math.IsNaN(r):
					if g.label != 0 {
						t.Fatalf("no-return point %d labelled %d", i, g.label)
					}
				case r < 22:
					if g.label != 40 {
						t.Fatalf("point %d at %.1f m labelled %d, want 40 road", i, r, g.label)
					}
					road++
				case r > 27:
					if g.label != 50 {
						t.Fatalf("point %d at %.1f m labelled %d, want 50 building", i, r, g.label)
					}
					building++
				}
			}
			if road == 0 || building == 0 {
				t.Fatalf("scene has %d road and %d building points", road, building)
			}
			if want := uint32(255)<<16 | 255; got[0].label == 40 && got[0].rgb != want {
				t.Errorf("road colour %06x, want magenta", got[0].rgb)
			}
			stages := map[string]bool{}
			for _, s := range st.Snapshot().Stages {
				stages[s.Name] = true
			}
			for _, s := range []string{"decode", "projection", "inference", "knn", "ground", "cluster", "encode"} {
				if !stages[s] {
					t.Errorf("stage %s not recorded", s)
				}
			}
			if f := st.Snapshot().Facts["model"]; !contains(f, "tiny-rangenet") {
				t.Errorf("model fact %q", f)
			}
		})
	}
}

// TestModelContract rejects models outside the RangeNet++ contract.
func TestModelContract(t *testing.T) {
	needORT(t)
	bad := `name: x
version: 0.1.0
task: lidar-segmentation
family: yolo-pose
inputs:
  - {name: range_image, shape: [1, 5, 8, 32], type: float32}
outputs:
  - {name: logits, shape: [1, 20, 8, 32], type: float32}
`
	model := tinyRangeNet(t, 8, 32, bad)
	_, err := New(envWith(map[string]any{"model.path": model}))
	if !errors.Is(err, ErrModel) || !contains(err.Error(), "family") {
		t.Errorf("wrong family: %v", err)
	}
}

// TestModelCardProjection: the card's parameters set the projection.
func TestModelCardProjection(t *testing.T) {
	needORT(t)
	card := `name: tiny-rangenet
version: 0.1.0
task: lidar-segmentation
family: rangenet
inputs:
  - {name: range_image, shape: [1, 5, 16, 128], type: float32}
outputs:
  - {name: logits, shape: [1, 20, 16, 128], type: float32}
parameters: {fov_up_deg: 2.0, fov_down_deg: -24.0, intensity_scale: 0.00392156862745098, channel_order: xyzir}
`
	n, st := newNode(t, map[string]any{"model.path": tinyRangeNet(t, 16, 128, card)})
	pc := n.proj.Config()
	if pc.Height != 16 || pc.Width != 128 || pc.FovUpDeg != 2 || pc.FovDownDeg != -24 || pc.UseRing ||
		pc.ChannelOrder != "xyzir" || math.Abs(float64(pc.IntensityScale)-1.0/255) > 1e-9 {
		t.Errorf("projection %+v", pc)
	}
	if f := st.Snapshot().Facts["projection"]; !contains(f, "16×128") {
		t.Errorf("projection fact %q", f)
	}

	// What the user set and the card replaced is said once, with both values;
	// defaults the user never chose are not.
	for _, c := range []struct {
		values map[string]any
		want   []string
	}{
		{map[string]any{"projection.preset": "os1-64", "projection.intensity_scale": 1.0},
			[]string{"projection.height 64 (card 16)", "projection.fov_up_deg 22.5 (card 2)", "projection.intensity_scale 1 (card 0.003921", "projection.channel_order rxyzi (card xyzir)"}},
		{map[string]any{}, nil},
	} {
		var logs bytes.Buffer
		c.values["model.path"] = tinyRangeNet(t, 16, 128, card)
		env := envWith(c.values)
		env.Log = slog.New(slog.NewTextHandler(&logs, nil))
		n, err := New(env)
		if err != nil {
			t.Fatal(err)
		}
		n.Close()
		if got := strings.Count(logs.String(), "the model card fixes the projection"); got != min(len(c.want), 1) {
			t.Errorf("%v: %d warnings:\n%s", c.values, got, logs.String())
		}
		for _, w := range c.want {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("%v: warning lacks %q:\n%s", c.values, w, logs.String())
			}
		}
	}
}
