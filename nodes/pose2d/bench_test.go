package pose2dnode

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/perception/pose"
)

// nullPub discards what it is given.
type nullPub struct{}

func (nullPub) Publish(string, cdr.Message) error { return nil }

// benchModels writes a 640×640 detector reporting five people across a
// 640×480 image and a 256×192 heatmap model (64×48 maps): constant outputs,
// so the benchmark measures the node's own work (image decode, letterbox,
// five crops, decoding, tracking, plausibility, lifting, overlay, messages)
// plus ONNX Runtime's fixed cost, not a network.
func benchModels(tb testing.TB, dir string) (string, string) {
	const anchors = 64
	d := make([]float32, 5*anchors)
	for i := range 5 {
		vals := []float32{float32(70 + 125*i), 80 + 240, 100, 300, 0.9}
		for c, v := range vals {
			d[c*anchors+i] = v
		}
	}
	det := filepath.Join(dir, "det.onnx")
	writeModel(tb, det, onnxbuild.NewGraph("det").
		Input("images", onnxbuild.Float, 1, 3, 640, 640).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("d", onnxbuild.Float, []int64{1, 5, anchors}, d).
		Node("ReduceMean", []string{"images"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 0)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "d"}, []string{"output0"}).
		Output("output0", onnxbuild.Float, 1, 5, anchors),
		fmt.Sprintf("name: det\nversion: 1\ntask: detection\nfamily: yolo\ninputs: [{name: images, shape: [1, 3, 640, 640], type: float32}]\noutputs: [{name: output0, shape: [1, 5, %d], type: float32}]\nnormalisation: {scale: 0.00392156862745098}\n", anchors))
	hm := make([]float32, pose.NumKeypoints*64*48)
	for k := range pose.NumKeypoints {
		x, y := 12+(k%3)*12, 4+k*3
		for dy := -2; dy <= 2; dy++ {
			for dx := -2; dx <= 2; dx++ {
				hm[k*64*48+(y+dy)*48+x+dx] = float32(math.Exp(-float64(dx*dx+dy*dy) / 4))
			}
		}
	}
	pm := filepath.Join(dir, "pose.onnx")
	writeModel(tb, pm, onnxbuild.NewGraph("pose").
		Input("input", onnxbuild.Float, "N", 3, 256, 192).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("hm", onnxbuild.Float, []int64{1, pose.NumKeypoints, 64, 48}, hm).
		Node("ReduceMean", []string{"input"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 1)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "hm"}, []string{"heatmaps"}).
		Output("heatmaps", onnxbuild.Float, "N", pose.NumKeypoints, 64, 48),
		"name: pose\nversion: 1\ntask: pose-topdown\nfamily: heatmap\ndecoder: dark\ninputs: [{name: input, shape: [N, 3, 256, 192], type: float32}]\noutputs: [{name: heatmaps, shape: [N, 17, 64, 48], type: float32}]\n")
	return det, pm
}

// topDownNode starts a pose2d node on benchModels (with aligned depth and
// camera info already given when depth) and returns it, its stats and a
// 640×480 rgb8 image message on which it finds the five people.
func topDownNode(tb testing.TB, depth bool) (node.Node, *node.Stats, *node.Msg) {
	det, pm := benchModels(tb, tb.TempDir())
	values := map[string]any{"model.path": pm, "detector.path": det, "tracking.min_hits": 1}
	if depth {
		values["depth.topic"] = "camera/depth"
	}
	st := node.NewStats()
	nn, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values), Stats: st})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nn.Close() })
	const w, h = 640, 480
	pix := make([]byte, 3*w*h)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	hd := std_msgs.Header{Stamp: node.TimeFromNS(1e9), FrameID: frameID}
	img := imageMsg(hd, "rgb8", w, h, 3*w, pix)
	if depth {
		info := &sensor_msgs.CameraInfo{Header: hd, Width: w, Height: h, DistortionModel: "plumb_bob", D: []float64{-0.1, 0.02, 0, 0, 0}, K: [9]float64{600, 0, 319.5, 0, 600, 239.5, 0, 0, 1}}
		if err := nn.Handle(&node.Msg{Topic: "camera/camera_info", Data: cdr.Marshal(info)}, nullPub{}); err != nil {
			tb.Fatal(err)
		}
		if err := nn.Handle(depthMsg(hd, w, h, 3), nullPub{}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := nn.Handle(img, nullPub{}); err != nil {
		tb.Fatal(err)
	}
	var r recorder
	nn.Handle(img, &r)
	var sk gopercept_msgs.Skeleton2DArray
	r.last(tb, "~/skeletons", &sk)
	if len(sk.Skeletons) != 5 {
		tb.Fatalf("%d people, want 5", len(sk.Skeletons))
	}
	return nn, st, img
}

// TestNodeAllocs checks that a frame through the node — image decode,
// detector, crops, pose model, decoding, tracking, plausibility, lifting
// with depth, overlay and the messages — allocates nothing once warm.
func TestNodeAllocs(t *testing.T) {
	needORT(t)
	for _, depth := range []bool{false, true} {
		nn, _, img := topDownNode(t, depth)
		if a := testing.AllocsPerRun(10, func() {
			if err := nn.Handle(img, nullPub{}); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("depth %v: %v allocations a frame after warm-up", depth, a)
		}
	}
}

func BenchmarkNodeTopDown640x480(b *testing.B) {
	for _, depth := range []bool{false, true} {
		b.Run(fmt.Sprintf("depth=%v", depth), func(b *testing.B) {
			needORT(b)
			nn, st, img := topDownNode(b, depth)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := nn.Handle(img, nullPub{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			if testing.Verbose() {
				for _, s := range st.Snapshot().Stages {
					b.Logf("%-20s p50 %.3f ms", s.Name, s.P50)
				}
			}
		})
	}
}
