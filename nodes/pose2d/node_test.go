package pose2dnode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
)

// The synthetic world: a 64×48 image with one person whose detector box and
// heatmap peaks are built into two tiny ONNX models.
const (
	imgW, imgH   = 64, 48
	detSize      = 64
	cropW, cropH = 24, 32
	hmW, hmH     = 6, 8
	frameID      = "camera_color_optical_frame"
)

// personBox is the detector's box in image pixels: letterboxing 64×48 into
// 64×64 keeps the scale and pads 8 rows on top.
var personBox = [4]float32{16, 4, 48, 44}

// peaks are the heatmap cells (x, y) of the 17 keypoints.
var peaks = [pose.NumKeypoints][2]int{
	{3, 0}, {3, 1}, {2, 1}, {4, 1}, {1, 1}, {4, 2}, {1, 2}, {5, 3}, {0, 3},
	{5, 4}, {0, 4}, {4, 4}, {2, 4}, {4, 6}, {2, 6}, {4, 7}, {1, 7},
}

func needORT(tb testing.TB) {
	tb.Helper()
	if err := infer.Init(); err != nil {
		tb.Fatalf("ONNX Runtime is not available: %v\nrun scripts/fetch-ort.sh before go test, or set %s", err, infer.EnvLibrary)
	}
}

func writeModel(tb testing.TB, path string, g *onnxbuild.Graph, card string) {
	tb.Helper()
	if err := onnxbuild.NewModel(g).WriteFile(path); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(infer.CardPathFor(path), []byte(card), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// buildModels writes the detector and the top-down heatmap model into dir.
// Both ignore their input's values (0·mean(x) keeps the input in the graph)
// and return constants: the detector one person anchor among eight, the pose
// model one-hot heatmaps at peaks for every crop of the batch.
func buildModels(tb testing.TB, dir string) (det, poseModel string) {
	const anchors = 8
	d := make([]float32, 5*anchors)
	// Channel-major [1, 5, A]: cx, cy, w, h, person score.
	cx, cy := (personBox[0]+personBox[2])/2, (personBox[1]+personBox[3])/2+8
	w, h := personBox[2]-personBox[0], personBox[3]-personBox[1]
	for c, v := range []float32{cx, cy, w, h, 0.9} {
		d[c*anchors] = v
	}
	// A weaker duplicate (removed by NMS) and two low-score anchors.
	for c, v := range []float32{cx + 1, cy, w, h, 0.8} {
		d[c*anchors+1] = v
	}
	for c, v := range []float32{10, 10, 5, 5, 0.1} {
		d[c*anchors+2] = v
	}
	det = filepath.Join(dir, "det.onnx")
	writeModel(tb, det, onnxbuild.NewGraph("det").
		Input("images", onnxbuild.Float, 1, 3, detSize, detSize).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("d", onnxbuild.Float, []int64{1, 5, anchors}, d).
		Node("ReduceMean", []string{"images"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 0)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "d"}, []string{"output0"}).
		Output("output0", onnxbuild.Float, 1, 5, anchors),
		fmt.Sprintf(`name: tiny-det
version: 1.0.0
task: detection
family: yolo
inputs: [{name: images, shape: [1, 3, %d, %d], type: float32}]
outputs: [{name: output0, shape: [1, 5, %d], type: float32}]
normalisation: {scale: 0.00392156862745098}
`, detSize, detSize, anchors))

	hm := make([]float32, pose.NumKeypoints*hmH*hmW)
	for k, p := range peaks {
		hm[k*hmH*hmW+p[1]*hmW+p[0]] = 0.95
	}
	poseModel = filepath.Join(dir, "pose.onnx")
	writeModel(tb, poseModel, onnxbuild.NewGraph("pose").
		Input("input", onnxbuild.Float, "N", 3, cropH, cropW).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("hm", onnxbuild.Float, []int64{1, pose.NumKeypoints, hmH, hmW}, hm).
		Node("ReduceMean", []string{"input"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 1)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "hm"}, []string{"heatmaps"}).
		Output("heatmaps", onnxbuild.Float, "N", pose.NumKeypoints, hmH, hmW),
		fmt.Sprintf(`name: tiny-pose
version: 1.0.0
task: pose-topdown
family: heatmap
inputs: [{name: input, shape: [N, 3, %d, %d], type: float32}]
outputs: [{name: heatmaps, shape: [N, 17, %d, %d], type: float32}]
normalisation: {mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375]}
`, cropH, cropW, hmH, hmW))
	return det, poseModel
}

// expected returns the keypoints the node must publish: heatmap cells
// scaled to crop pixels (4 px a cell) and mapped back through the crop.
func expected(tb testing.TB) []pose.Keypoint {
	c, err := preprocess.NewCropper(preprocess.CropConfig{Width: cropW, Height: cropH})
	if err != nil {
		tb.Fatal(err)
	}
	xf, err := c.BoxTransform(personBox)
	if err != nil {
		tb.Fatal(err)
	}
	inv, _ := xf.Inverse()
	out := make([]pose.Keypoint, pose.NumKeypoints)
	for k, p := range peaks {
		x, y := inv.Apply(float64(p[0]*cropW/hmW), float64(p[1]*cropH/hmH))
		out[k] = pose.Keypoint{X: float32(x), Y: float32(y), Score: 0.95, Visibility: pose.Visible}
	}
	return out
}

// recorder is a node.Publisher that keeps every message's CDR bytes.
type recorder struct{ got map[string][][]byte }

func (r *recorder) Publish(topic string, m cdr.Message) error {
	if r.got == nil {
		r.got = map[string][][]byte{}
	}
	r.got[topic] = append(r.got[topic], cdr.Marshal(m))
	return nil
}

func (r *recorder) last(tb testing.TB, topic string, m cdr.Message) {
	tb.Helper()
	msgs := r.got[topic]
	if len(msgs) == 0 {
		tb.Fatalf("nothing published on %s", topic)
	}
	if err := cdr.Unmarshal(msgs[len(msgs)-1], m); err != nil {
		tb.Fatal(err)
	}
}

func (r *recorder) count(topic string) int { return len(r.got[topic]) }

func newNode(tb testing.TB, extra map[string]any) (*Node, *node.Stats) {
	tb.Helper()
	needORT(tb)
	det, pm := buildModels(tb, tb.TempDir())
	values, err := param.LoadFile(filepath.Join("..", "..", "params", "pose2d.yaml"), "pose2d")
	if err != nil {
		tb.Fatal(err)
	}
	values["model.path"] = pm
	values["detector.path"] = det
	values["tracking.min_hits"] = 1
	for k, v := range extra {
		values[k] = v
	}
	ps := param.New("pose2d", values)
	st := node.NewStats()
	n, err := New(node.Env{Name: "pose2d", Params: ps, Stats: st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := ps.Err(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close() })
	return n.(*Node), st
}

var stampSec int32 = 100

func header(frame string) std_msgs.Header {
	stampSec++
	return std_msgs.Header{Stamp: node.TimeFromNS(int64(stampSec)*1e9 + 250_000_000), FrameID: frame}
}

func grey() []byte {
	b := make([]byte, imgW*imgH*3)
	for i := range b {
		b[i] = byte(60 + i%90)
	}
	return b
}

func imageMsg(h std_msgs.Header, enc string, w, hgt, step int, data []byte) *node.Msg {
	m := &sensor_msgs.Image{Header: h, Width: uint32(w), Height: uint32(hgt), Encoding: enc, Step: uint32(step), Data: data}
	return &node.Msg{Topic: "camera/image", Type: m.TypeName(), Data: cdr.Marshal(m)}
}

func goodImage(h std_msgs.Header) *node.Msg { return imageMsg(h, "rgb8", imgW, imgH, 3*imgW, grey()) }

func depthMsg(h std_msgs.Header, w, hgt int, metres float32) *node.Msg {
	data := make([]byte, 4*w*hgt)
	for i := 0; i < w*hgt; i++ {
		bits := math.Float32bits(metres)
		data[4*i], data[4*i+1], data[4*i+2], data[4*i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
	}
	m := &sensor_msgs.Image{Header: h, Width: uint32(w), Height: uint32(hgt), Encoding: "32FC1", Step: uint32(4 * w), Data: data}
	return &node.Msg{Topic: "camera/depth", Type: m.TypeName(), Data: cdr.Marshal(m)}
}

var testK = [9]float64{60, 0, 31.5, 0, 60, 23.5, 0, 0, 1}
var testD = []float64{-0.1, 0.02, 0, 0, 0}

func infoMsg(h std_msgs.Header) *node.Msg {
	m := &sensor_msgs.CameraInfo{Header: h, Width: imgW, Height: imgH, DistortionModel: "plumb_bob", D: testD, K: testK}
	return &node.Msg{Topic: "camera/camera_info", Type: m.TypeName(), Data: cdr.Marshal(m)}
}

func checkSkeletons(tb testing.TB, r *recorder, wantID uint64) gopercept_msgs.Skeleton2DArray {
	tb.Helper()
	var got gopercept_msgs.Skeleton2DArray
	r.last(tb, "~/skeletons", &got)
	if len(got.Skeletons) != 1 {
		tb.Fatalf("%d skeletons, want 1", len(got.Skeletons))
	}
	s := got.Skeletons[0]
	if s.Convention != "coco17" || s.TrackID != wantID || s.Box != personBox || len(s.Keypoints) != pose.NumKeypoints {
		tb.Fatalf("skeleton %+v", s)
	}
	if math.Abs(float64(s.Score)-0.9*0.95) > 1e-5 {
		tb.Errorf("score %v, want %v", s.Score, 0.9*0.95)
	}
	for k, want := range expected(tb) {
		g := s.Keypoints[k]
		if math.Abs(float64(g.X-want.X)) > 1e-3 || math.Abs(float64(g.Y-want.Y)) > 1e-3 || g.Visibility != pose.Visible || math.Abs(float64(g.Score-0.95)) > 1e-6 {
			tb.Errorf("keypoint %s = %+v, want %+v", pose.KeypointNames[k], g, want)
		}
	}
	return got
}

func TestEndToEnd(t *testing.T) {
	n, st := newNode(t, nil)
	var r recorder
	h := header(frameID)
	for _, m := range []*node.Msg{infoMsg(h), depthMsg(h, imgW, imgH, 2.5), goodImage(h)} {
		if err := n.Handle(m, &r); err != nil {
			t.Fatal(err)
		}
	}
	got := checkSkeletons(t, &r, 1)
	if got.Header != h {
		t.Errorf("header %+v, want the image's %+v", got.Header, h)
	}
	// 3D: every keypoint on the 2.5 m plane through the distortion model.
	var s3 gopercept_msgs.Skeleton3DArray
	r.last(t, "~/skeletons_3d", &s3)
	cam, _ := camera.FromCameraInfo(imgW, imgH, "plumb_bob", testD, testK)
	if s3.Header != h || len(s3.Skeletons) != 1 || s3.Skeletons[0].TrackID != 1 {
		t.Fatalf("3D %+v", s3)
	}
	inside := 0
	lifted := make([]bool, pose.NumKeypoints)
	for k, kp := range got.Skeletons[0].Keypoints {
		want := cam.BackProject(float64(kp.X), float64(kp.Y), 2.5)
		p := s3.Skeletons[0].Keypoints[k]
		if !cam.InImage(float64(kp.X), float64(kp.Y)) {
			// Off the image (the crop reaches beyond it): no depth, not lifted.
			if p.Visibility != 0 || p.Position.Z != 0 {
				t.Errorf("3D %s off the image lifted: %+v", pose.KeypointNames[k], p)
			}
			continue
		}
		inside++
		lifted[k] = true
		if p.Visibility != pose.Visible || math.Abs(p.Position.X-want.X) > 1e-3 || math.Abs(p.Position.Y-want.Y) > 1e-3 || math.Abs(p.Position.Z-2.5) > 1e-6 {
			t.Errorf("3D %s = %+v, want %v", pose.KeypointNames[k], p.Position, want)
		}
		if p.PositionCovariance[8] <= 0 || p.PositionCovariance[0] <= 0 {
			t.Errorf("3D %s covariance %v", pose.KeypointNames[k], p.PositionCovariance)
		}
	}
	if inside < 12 {
		t.Errorf("only %d keypoints on the image", inside)
	}
	limbs := 0
	for _, l := range pose.Skeleton {
		if lifted[l[0]] && lifted[l[1]] {
			limbs++
		}
	}
	var ma visualization_msgs.MarkerArray
	r.last(t, "~/markers", &ma)
	if len(ma.Markers) != 3 || ma.Markers[0].Action != visualization_msgs.Marker_DELETEALL ||
		ma.Markers[1].Type != visualization_msgs.Marker_SPHERE_LIST || len(ma.Markers[1].Points) != inside ||
		ma.Markers[2].Type != visualization_msgs.Marker_LINE_LIST || len(ma.Markers[2].Points) != 2*limbs {
		t.Errorf("markers: %d, %+v", len(ma.Markers), ma.Markers[0])
	}
	var ov sensor_msgs.Image
	r.last(t, "~/overlay", &ov)
	if ov.Encoding != "rgb8" || ov.Width != imgW || ov.Height != imgH || len(ov.Data) != 3*imgW*imgH || ov.Header != h {
		t.Fatalf("overlay %s %d×%d", ov.Encoding, ov.Width, ov.Height)
	}
	if bytes.Equal(ov.Data, grey()) {
		t.Error("overlay has nothing drawn")
	}
	// The track keeps its id over the next frames.
	for i := 0; i < 3; i++ {
		h := header(frameID)
		n.Handle(depthMsg(h, imgW, imgH, 2.5), &r)
		if err := n.Handle(goodImage(h), &r); err != nil {
			t.Fatal(err)
		}
		checkSkeletons(t, &r, 1)
	}
	sum := st.Snapshot()
	stages := map[string]bool{}
	for _, s := range sum.Stages {
		stages[s.Name] = true
	}
	for _, want := range []string{"image_decode", "detector_inference", "crop", "inference", "decode", "track", "lift", "total"} {
		if !stages[want] {
			t.Errorf("no %q stage in %v", want, sum.Stages)
		}
	}
	if sum.Facts["3d"] != "ok" || sum.Facts["decoder"] != "heatmap" || sum.Facts["family"] != familyTopDown {
		t.Errorf("facts %v", sum.Facts)
	}
}

func TestBadInputs(t *testing.T) {
	n, st := newNode(t, nil)
	var r recorder
	h := header(frameID)
	n.Handle(infoMsg(h), &r)
	good := func() {
		t.Helper()
		before := r.count("~/skeletons")
		h := header(frameID)
		n.Handle(depthMsg(h, imgW, imgH, 2), &r)
		if err := n.Handle(goodImage(h), &r); err != nil {
			t.Fatalf("good frame after a bad one: %v", err)
		}
		if r.count("~/skeletons") != before+1 {
			t.Fatal("good frame published nothing")
		}
		checkSkeletons(t, &r, 1)
	}
	good()
	bad := []struct {
		name   string
		msg    *node.Msg
		reason string
		want   error
	}{
		{"unknown encoding", imageMsg(header(frameID), "rgb9", imgW, imgH, 3*imgW, grey()), "invalid image", imageconv.ErrEncoding},
		{"step too small", imageMsg(header(frameID), "rgb8", imgW, imgH, 3*imgW-1, grey()), "invalid image", imageconv.ErrStep},
		{"truncated", imageMsg(header(frameID), "rgb8", imgW, imgH, 3*imgW, grey()[:100]), "invalid image", imageconv.ErrShortData},
		{"0×0", imageMsg(header(frameID), "rgb8", 0, 0, 0, nil), "invalid image", imageconv.ErrEmpty},
		{"garbage CDR", &node.Msg{Topic: "camera/image", Data: []byte{0, 1, 0, 0, 9}}, "invalid image", nil},
		{"bad CameraInfo", func() *node.Msg {
			m := &sensor_msgs.CameraInfo{Header: header(frameID), Width: imgW, Height: imgH, DistortionModel: "plumb_bob", D: []float64{1, 2}, K: testK}
			return &node.Msg{Topic: "camera/camera_info", Data: cdr.Marshal(m)}
		}(), "invalid camera_info", camera.ErrDistortionLength},
		{"bad depth", func() *node.Msg {
			m := &sensor_msgs.Image{Header: header(frameID), Width: imgW, Height: imgH, Encoding: "16UC1", Step: 2 * imgW, Data: make([]byte, 10)}
			return &node.Msg{Topic: "camera/depth", Data: cdr.Marshal(m)}
		}(), "invalid depth", imageconv.ErrShortData},
	}
	for _, tc := range bad {
		err := n.Handle(tc.msg, &r)
		if node.DropReason(err) != tc.reason || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err = %v (reason %q), want %q wrapping %v", tc.name, err, node.DropReason(err), tc.reason, tc.want)
		}
		good()
	}
	// Depth of another size or frame: 2D still published, 3D skipped with
	// the reason in the diagnostics.
	for _, tc := range []struct {
		name   string
		depth  func(std_msgs.Header) *node.Msg
		reason string
	}{
		{"size", func(h std_msgs.Header) *node.Msg { return depthMsg(h, 32, 24, 2) }, "32×24"},
		{"frame", func(h std_msgs.Header) *node.Msg {
			h.FrameID = "camera_depth_optical_frame"
			return depthMsg(h, imgW, imgH, 2)
		}, "camera_depth_optical_frame"},
		{"stale", func(h std_msgs.Header) *node.Msg {
			h.Stamp.Sec -= 5
			return depthMsg(h, imgW, imgH, 2)
		}, "max_stamp_diff"},
	} {
		// Flush the ring with unusable depths.
		h := header(frameID)
		for range depthRing {
			if err := n.Handle(tc.depth(h), &r); err != nil {
				t.Fatal(err)
			}
		}
		n3 := r.count("~/skeletons_3d")
		if err := n.Handle(goodImage(h), &r); err != nil {
			t.Fatalf("depth %s: %v", tc.name, err)
		}
		checkSkeletons(t, &r, 1)
		if r.count("~/skeletons_3d") != n3 {
			t.Errorf("depth %s: 3D published", tc.name)
		}
		if f := st.Snapshot().Facts["3d"]; !strings.Contains(f, tc.reason) {
			t.Errorf("depth %s: diagnostics 3d = %q, want it to name %q", tc.name, f, tc.reason)
		}
		good()
	}
}

func TestCompressed(t *testing.T) {
	n, _ := newNode(t, map[string]any{"image.transport": "compressed", "depth.topic": ""})
	if ins := n.Inputs(); ins[0].Name != "camera/image/compressed" || ins[0].Type != sensor_msgs.CompressedImageTypeName || len(ins) != 2 {
		t.Fatalf("inputs %+v", ins)
	}
	var r recorder
	compressed := func(format string, data []byte) *node.Msg {
		m := &sensor_msgs.CompressedImage{Header: header(frameID), Format: format, Data: data}
		return &node.Msg{Topic: "camera/image/compressed", Data: cdr.Marshal(m)}
	}
	img := image.NewRGBA(image.Rect(0, 0, imgW, imgH))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte(nil), buf.Bytes()[:buf.Len()/2]...)
	err := n.Handle(compressed("jpeg", corrupt), &r)
	if node.DropReason(err) != "invalid image" || !errors.Is(err, imageconv.ErrCorrupt) {
		t.Errorf("corrupt JPEG: %v", err)
	}
	if err := n.Handle(compressed("jpeg", buf.Bytes()), &r); err != nil {
		t.Fatal(err)
	}
	checkSkeletons(t, &r, 1)
	if r.count("~/skeletons_3d") != 0 {
		t.Error("3D without depth")
	}
}

func TestConfigErrors(t *testing.T) {
	needORT(t)
	for _, tc := range []struct {
		values map[string]any
		want   error
		param  string // the parameter a configuration error names
	}{
		{map[string]any{"image.transport": "theora"}, configerr.ErrInvalid, "image.transport"},
		{map[string]any{"plausibility.mode": "maybe"}, configerr.ErrInvalid, "plausibility.mode"},
		{map[string]any{"detector.max_people": 0}, configerr.ErrInvalid, "detector.max_people"},
		{map[string]any{"model.decoder": "nonsense"}, ErrModel, ""},
		{map[string]any{"detector.path": ""}, configerr.ErrInvalid, "detector.path"},
	} {
		det, pm := buildModels(t, t.TempDir())
		values := map[string]any{"model.path": pm, "detector.path": det}
		for k, v := range tc.values {
			values[k] = v
		}
		_, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values)})
		var ce *configerr.Error
		if !errors.Is(err, tc.want) || (tc.param != "" && (!errors.As(err, &ce) || ce.Param != tc.param || ce.Reason == "")) {
			t.Errorf("%v: err = %v, want %v naming %q", tc.values, err, tc.want, tc.param)
		}
	}
}

// TestDepthAfterColour: a driver that publishes the depth image after its
// colour image still gets 3D, lifted when the depth arrives; a frame whose
// depth never comes is reported once a later depth or image passes it.
func TestDepthAfterColour(t *testing.T) {
	n, st := newNode(t, nil)
	var r recorder
	h := header(frameID)
	for _, m := range []*node.Msg{infoMsg(h), depthMsg(h, imgW, imgH, 2.5), goodImage(h)} {
		if err := n.Handle(m, &r); err != nil {
			t.Fatal(err)
		}
	}
	if r.count("~/skeletons_3d") != 1 {
		t.Fatalf("depth before colour: %d 3D messages, want 1", r.count("~/skeletons_3d"))
	}
	// Colour first, then its depth: nothing lifted until the depth arrives.
	h2 := header(frameID)
	if err := n.Handle(goodImage(h2), &r); err != nil {
		t.Fatal(err)
	}
	checkSkeletons(t, &r, 1)
	if r.count("~/skeletons_3d") != 1 {
		t.Fatalf("3D published before its depth arrived")
	}
	if err := n.Handle(depthMsg(h2, imgW, imgH, 3), &r); err != nil {
		t.Fatal(err)
	}
	if r.count("~/skeletons_3d") != 2 {
		t.Fatalf("depth after colour: %d 3D messages, want 2", r.count("~/skeletons_3d"))
	}
	var s3 gopercept_msgs.Skeleton3DArray
	r.last(t, "~/skeletons_3d", &s3)
	if s3.Header != h2 || len(s3.Skeletons) != 1 || s3.Skeletons[0].TrackID != 1 {
		t.Fatalf("3D %+v, want the colour frame's header and track", s3.Header)
	}
	for _, k := range s3.Skeletons[0].Keypoints {
		if k.Visibility != 0 && math.Abs(k.Position.Z-3) > 1e-6 {
			t.Fatalf("3D keypoint at z %g, want the late depth's 3 m", k.Position.Z)
		}
	}
	// Colour whose depth never comes: a later depth passes it.
	h3 := header(frameID)
	if err := n.Handle(goodImage(h3), &r); err != nil {
		t.Fatal(err)
	}
	if err := n.Handle(depthMsg(header(frameID), imgW, imgH, 3), &r); err != nil {
		t.Fatal(err)
	}
	if r.count("~/skeletons_3d") != 2 {
		t.Fatalf("3D published with a depth image a second away")
	}
	if f := st.Snapshot().Facts["3d"]; !strings.Contains(f, "no depth image within") {
		t.Errorf("diagnostics 3d = %q, want the missing depth named", f)
	}
}
