package bevfusionnode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
)

// cameraFuserGraph is the test fuser with its heatmap read from camera_bev
// channel 0 instead of the lidar's height: detections where the lifted
// camera features are, so a camera-only frame detects something.
func cameraFuserGraph() *onnxbuild.Graph {
	const width = 7 // five lidar channels, two camera channels
	g := onnxbuild.NewGraph("fuser").
		Input("lidar_bev", onnxbuild.Float, 1, lidarChannels, testCells, testCells).
		Input("camera_bev", onnxbuild.Float, 1, 2, testCells, testCells).
		Node("Concat", []string{"lidar_bev", "camera_bev"}, []string{"fused"}, onnxbuild.AttrInt("axis", 1)).
		Node("MaxPool", []string{"fused"}, []string{"pooled"}, onnxbuild.AttrInts("kernel_shape", 2, 2), onnxbuild.AttrInts("strides", 2, 2))
	conv := func(out string, ch int, w map[int]float32, b []float32) {
		full := make([]float32, ch*width)
		for i, v := range w {
			full[i] = v
		}
		g.Initializer(out+"_w", onnxbuild.Float, []int64{int64(ch), width, 1, 1}, full).
			Initializer(out+"_b", onnxbuild.Float, []int64{int64(ch)}, b).
			Node("Conv", []string{"pooled", out + "_w", out + "_b"}, []string{out}).
			Output(out, onnxbuild.Float, 1, ch, testHead, testHead)
	}
	// Car wherever camera channel 0 (input channel 5) is positive; the
	// lidar channels also raise it, so a lidar input that is not zero shows.
	conv("heatmap", 2, map[int]float32{5: 1e4, 1: 1e4}, []float32{-5, -10})
	conv("reg", 2, nil, []float32{0.5, 0.5})
	conv("height", 1, nil, []float32{0.8})
	conv("dim", 3, nil, []float32{float32(math.Log(4)), float32(math.Log(2)), float32(math.Log(1.5))})
	conv("rot", 2, nil, []float32{1, 0})
	conv("vel", 2, nil, []float32{2, 0})
	return g
}

// TestCameraOnly runs bevfusion without a cloud topic: the first camera's
// images key the frames, each frame waits for the other cameras' images
// within sync_tolerance, the fuser's lidar input is zero, the detections
// come from the cameras and carry the key image's stamp.
func TestCameraOnly(t *testing.T) {
	r := newRigModel(t, []string{"front", "side"}, true, cameraFuserGraph(), fuserCard, map[string]any{"cloud_topic": ""})
	for _, in := range r.n.Inputs() {
		if in.Type == sensor_msgs.PointCloud2TypeName {
			t.Fatalf("camera-only node subscribes to a cloud: %+v", in)
		}
	}
	if m := r.fact("mode"); !strings.HasPrefix(m, "camera-only") || !strings.Contains(m, "front/image") {
		t.Errorf("mode fact %q, want camera-only keyed on front/image", m)
	}
	t0 := 20 * sec
	for _, c := range []string{"front", "side"} {
		if err := r.send(t, c+"/camera_info", cameraInfo(t0, imgW, imgH, 40)); err != nil {
			t.Fatal(err)
		}
	}
	// The side camera is live (an image 80 ms early, beyond sync_tolerance),
	// so the key image's frame waits for its next one.
	if err := r.send(t, "side/image", rgbImage(t0-80e6, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	if err := r.send(t, "front/image", rgbImage(t0, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	if n := r.pub.count(TopicDetections); n != 0 {
		t.Fatalf("%d outputs before the side camera's image, want the frame to wait", n)
	}
	if err := r.send(t, "side/image", rgbImage(t0+20e6, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	var d vision_msgs.Detection3DArray
	if !r.pub.last(t, TopicDetections, &d) {
		t.Fatal("no detections after every camera's image")
	}
	if node.StampNS(d.Header.Stamp) != t0 || d.Header.FrameID != "base_link" {
		t.Errorf("header %+v, want the key image's stamp %d in base_link", d.Header, t0)
	}
	if len(d.Detections) == 0 {
		t.Fatal("no detection from the cameras' features")
	}
	for _, det := range d.Detections {
		// The cameras look forward from x = 1.5 m: nothing behind them.
		if x := det.Bbox.Center.Position.X; x < 1.5 {
			t.Errorf("detection at x %.2f m, behind the cameras", x)
		}
	}
	nd := r.n.(*Node)
	for i, v := range nd.fus.m.Input(nd.fus.lidarIn) {
		if v != 0 {
			t.Fatalf("lidar_bev[%d] = %g in camera-only mode, want 0", i, v)
		}
	}
	for _, c := range []string{"camera.front", "camera.side"} {
		if f := r.fact(c); f != "ok" {
			t.Errorf("%s %q, want ok", c, f)
		}
	}
	if f := r.fact(FactAllCamerasShare); f != "1.000" {
		t.Errorf("all-cameras share %q, want 1.000", f)
	}

	// A cloud is not an input any more.
	err := r.send(t, "points", cloudXYZI(t0+100e6, "lidar", scene))
	if node.DropReason(err) != "unknown topic" {
		t.Errorf("a cloud in camera-only mode: %v, want an unknown-topic drop", err)
	}

	// The next key image ends a frame whose side image never came: fused
	// with the front camera alone, the side masked.
	t1 := t0 + 100e6
	if err := r.send(t, "front/image", rgbImage(t1, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	t2 := t1 + 100e6
	if err := r.send(t, "front/image", rgbImage(t2, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	if n := r.pub.count(TopicDetections); n != 2 {
		t.Fatalf("%d outputs, want 2 (the frame without its side image fused when the next began)", n)
	}
	if f := r.fact("camera.side"); !strings.HasPrefix(f, "masked: ") {
		t.Errorf("camera.side %q, want masked", f)
	}
	// A stale key image is dropped with its reason.
	if err := r.send(t, "front/image", rgbImage(t0, "cam_optical", imgW, imgH)); node.DropReason(err) != DropStale {
		t.Errorf("a stale key image: %v, want a %q drop", err, DropStale)
	}
}

// TestCameraOnlyNeedsCameraModels: an empty cloud_topic without a camera
// path is a configuration error naming cloud_topic.
func TestCameraOnlyNeedsCameraModels(t *testing.T) {
	_, err := New(node.Env{Name: "bevfusion", Params: paramSet(map[string]any{"cloud_topic": "", "cameras": []any{"front"}}), Stats: node.NewStats()})
	var ce *configerr.Error
	if err == nil || !errors.As(err, &ce) || ce.Param != "cloud_topic" {
		t.Fatalf("error %v, want a configuration error naming cloud_topic", err)
	}
}

// TestCameraOnlyEveryCameraMasked: a key image whose camera has no
// CameraInfo (and no other camera usable) drops the frame with a reason
// instead of publishing detections from nothing.
func TestCameraOnlyEveryCameraMasked(t *testing.T) {
	r := newRigModel(t, []string{"front"}, true, cameraFuserGraph(), fuserCard, map[string]any{"cloud_topic": ""})
	err := r.send(t, "front/image", rgbImage(5*sec, "cam_optical", imgW, imgH))
	if node.DropReason(err) != DropNoCamera {
		t.Fatalf("key image without camera_info: %v, want a %q drop", err, DropNoCamera)
	}
	if n := r.pub.count(TopicDetections); n != 0 {
		t.Fatalf("%d outputs from a frame without cameras", n)
	}
}
