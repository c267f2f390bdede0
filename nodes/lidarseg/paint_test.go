package lidarsegnode

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/tf"
)

// tinyPaintedNet writes a model whose input has the five geometric
// channels and four painted ones (r, g, b, valid): road (class 9) scores 1
// everywhere and building (class 13) twice the valid channel, so points a
// camera paints are buildings and the others road.
func tinyPaintedNet(t testing.TB, h, w int) string {
	t.Helper()
	weights := make([]float32, 20*9)
	bias := make([]float32, 20)
	bias[9] = 1
	weights[13*9+8] = 2
	g := onnxbuild.NewGraph("tiny-painted").
		Input("range_image", onnxbuild.Float, 1, 9, h, w).
		Initializer("w", onnxbuild.Float, []int64{20, 9, 1, 1}, weights).
		Initializer("b", onnxbuild.Float, []int64{20}, bias).
		Node("Conv", []string{"range_image", "w", "b"}, []string{"logits"}, onnxbuild.AttrInts("kernel_shape", 1, 1)).
		Output("logits", onnxbuild.Float, 1, 20, h, w)
	p := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := onnxbuild.NewModel(g).WriteFile(p); err != nil {
		t.Fatal(err)
	}
	card := fmt.Sprintf(`name: tiny-painted
version: 0.1.0
task: lidar-segmentation
family: rangenet
inputs:
  - {name: range_image, shape: [1, 9, %d, %d], type: float32}
outputs:
  - {name: logits, shape: [1, 20, %d, %d], type: float32}
normalisation: {mean: [12.12, 10.88, 0.23, -1.04, 0.21], std: [12.32, 11.47, 6.91, 0.86, 0.16]}
parameters: {fov_up_deg: 3.0, fov_down_deg: -25.0, softmax: false}
paint: {cameras: [cam_front], channels: [r, g, b, valid]}
`, h, w, h, w)
	if err := os.WriteFile(infer.CardPathFor(p), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// paintTF is a TF buffer with the lidar ("velodyne", the test clouds'
// frame) at base_link's origin, a front camera's optical frame (z forward,
// x right, y down) there too, and base_link still in odom.
func paintTF(t *testing.T) *tf.Buffer {
	t.Helper()
	b, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := tf.FromMatrix([16]float64{0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	set := func(parent, child string, stamp int64, tr tf.Transform, static bool) {
		if err := b.SetTransform(parent, child, stamp, tr, static); err != nil {
			t.Fatal(err)
		}
	}
	set("base_link", "velodyne", 0, tf.Identity(), true)
	set("base_link", "cam_front_optical", 0, opt, true)
	for s := int64(11); s <= 21; s++ {
		set("odom", "base_link", s*1e9, tf.Identity(), false)
	}
	return b
}

// 64×48 pinhole, 90° by 73.7°: it sees points with |y| < x and |z| < 0.75 x.
func cameraMsgs(stamp int64) (*node.Msg, *node.Msg) {
	h := std_msgs.Header{Stamp: node.TimeFromNS(stamp), FrameID: "cam_front_optical"}
	info := &sensor_msgs.CameraInfo{Header: h, Width: 64, Height: 48, DistortionModel: "plumb_bob", D: []float64{0, 0, 0, 0, 0},
		K: [9]float64{32, 0, 32, 0, 32, 24, 0, 0, 1}}
	img := &sensor_msgs.Image{Header: h, Width: 64, Height: 48, Encoding: "rgb8", Step: 3 * 64, Data: make([]byte, 3*64*48)}
	for i := range img.Data {
		img.Data[i] = 128
	}
	return &node.Msg{Topic: "cameras/cam_front/camera_info", Type: sensor_msgs.CameraInfoTypeName, Data: cdr.Marshal(info)},
		&node.Msg{Topic: "cameras/cam_front/image", Type: sensor_msgs.ImageTypeName, Data: cdr.Marshal(img)}
}

// TestPaintedModel runs a painted model through the node: the cloud waits
// for an image newer than its stamp, is painted with the nearest one, and
// exactly the points the camera sees are labelled as painted; a cloud with
// no image near its stamp is labelled unpainted and counted.
func TestPaintedModel(t *testing.T) {
	needORT(t)
	ps := param.New("lidarseg", map[string]any{"model.path": tinyPaintedNet(t, 16, 256), "post_processing": "none"})
	st := node.NewStats()
	n, err := New(node.Env{Name: "lidarseg", Params: ps, Stats: st, TF: paintTF(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	queued := map[string]int{}
	for _, tp := range n.Inputs() {
		queued[tp.Name] = tp.Queue
	}
	if queued["cameras/cam_front/image"] != paintQueue || queued["cameras/cam_front/camera_info"] != paintQueue {
		t.Fatalf("inputs %v: want the camera's image and camera_info queued", n.Inputs())
	}
	var pub capture
	info, img := cameraMsgs(12e9) // the cloud is stamped 12 s + 345 ns
	_, later := cameraMsgs(12e9 + 80e6)
	for _, m := range []*node.Msg{info, img} {
		if err := n.Handle(m, &pub); err != nil {
			t.Fatal(err)
		}
	}
	cloud := scene(16, 256)
	if err := n.Handle(msgOf(encodeCloud(cloud, layouts[1].fields, false, 1, 0)), &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub.msgs["~/labelled"]) != 0 {
		t.Fatal("cloud labelled before an image newer than its stamp came")
	}
	if err := n.Handle(later, &pub); err != nil {
		t.Fatal(err)
	}
	var out sensor_msgs.PointCloud2
	pub.last(t, "~/labelled", &out)
	pts := readLabelled(t, &out)
	seen, unseen := 0, 0
	for i, p := range pts {
		if math.IsNaN(p.x) {
			continue
		}
		// Clear of the image's edges by a pixel and a half.
		in := p.x > 0 && math.Abs(p.y)/p.x < 1-3.0/64 && math.Abs(p.z)/p.x < 0.75-3.0/64
		out := p.x <= 0 || math.Abs(p.y)/p.x > 1+3.0/64 || math.Abs(p.z)/p.x > 0.75+3.0/64
		switch {
		case in && p.label != 50:
			t.Errorf("point %d (%.2f, %.2f, %.2f) in the camera's view: label %d, want 50 (painted)", i, p.x, p.y, p.z, p.label)
		case out && p.label != 40:
			t.Errorf("point %d (%.2f, %.2f, %.2f) outside the camera's view: label %d, want 40 (unpainted)", i, p.x, p.y, p.z, p.label)
		}
		if in {
			seen++
		} else if out {
			unseen++
		}
	}
	if seen < 100 || unseen < 1000 {
		t.Fatalf("%d points in view and %d outside: the scene does not test painting", seen, unseen)
	}
	f := st.Snapshot().Facts
	if f[FactPaintFrames] != "1" || f["paint.cameras/cam_front"] != "ok" {
		t.Errorf("facts after a painted cloud: %v", f)
	}

	// A cloud 8 s after the last image: labelled at once, nothing painted,
	// and said so.
	far := encodeCloud(cloud, layouts[1].fields, false, 1, 0)
	far.Header.Stamp.Sec = 20
	if err := n.Handle(msgOf(far), &pub); err != nil {
		t.Fatal(err)
	}
	if got := len(pub.msgs["~/labelled"]); got != 2 {
		t.Fatalf("%d labelled clouds, want 2", got)
	}
	pub.last(t, "~/labelled", &out)
	for i, p := range readLabelled(t, &out) {
		if !math.IsNaN(p.x) && p.label != 40 {
			t.Fatalf("point %d of the unpainted cloud: label %d, want 40", i, p.label)
		}
	}
	f = st.Snapshot().Facts
	if f[FactPaintUnpainted] != "1" || f["paint.cameras/cam_front.missing_frames"] != "1" || !contains(f["paint.cameras/cam_front"], "ms from the cloud") {
		t.Errorf("facts after an unpainted cloud: %v", f)
	}
}

// TestPaintedModelNeedsItsChannels checks the card's paint against the
// model's input: a painted card on a five-channel model is refused, as is
// a paint channel the node cannot fill.
func TestPaintedModelNeedsItsChannels(t *testing.T) {
	needORT(t)
	for name, card := range map[string]string{
		"four channels short": `name: x
version: '1'
task: t
family: rangenet
inputs: [{name: range_image, shape: [1, 5, 16, 256], type: float32}]
outputs: [{name: logits, shape: [1, 20, 16, 256], type: float32}]
paint: {cameras: [cam_front], channels: [r, g, b, valid]}
`,
		"unknown channel": `name: x
version: '1'
task: t
family: rangenet
inputs: [{name: range_image, shape: [1, 5, 16, 256], type: float32}]
outputs: [{name: logits, shape: [1, 20, 16, 256], type: float32}]
paint: {cameras: [cam_front], channels: [depth]}
`,
	} {
		model := tinyRangeNet(t, 16, 256, card)
		_, err := New(node.Env{Name: "lidarseg", Params: newParams(map[string]any{"model.path": model}), TF: paintTF(t)})
		if err == nil || !contains(err.Error(), "paint") {
			t.Errorf("%s: %v, want an error naming the painted channels", name, err)
		}
	}
	// No TF: a painted model cannot run.
	_, err := New(node.Env{Name: "lidarseg", Params: newParams(map[string]any{"model.path": tinyPaintedNet(t, 16, 256)})})
	if err == nil || !contains(err.Error(), "TF") {
		t.Errorf("painted model without TF: %v", err)
	}
}
