package bevfusionnode

import (
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// cloudXYZIT is cloudXYZI with a float32 "time" field (s relative to the
// stamp); pts hold lidar-frame coordinates directly.
func cloudXYZIT(ns int64, pts [][5]float32) *sensor_msgs.PointCloud2 {
	data := make([]uint8, 0, 20*len(pts))
	for _, p := range pts {
		for _, v := range p {
			b := math.Float32bits(v)
			data = append(data, uint8(b), uint8(b>>8), uint8(b>>16), uint8(b>>24))
		}
	}
	f := func(name string, off uint32) sensor_msgs.PointField {
		return sensor_msgs.PointField{Name: name, Offset: off, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1}
	}
	return &sensor_msgs.PointCloud2{Header: hdr(ns, "lidar"), Height: 1, Width: uint32(len(pts)),
		Fields:    []sensor_msgs.PointField{f("x", 0), f("y", 4), f("z", 8), f("intensity", 12), f("time", 16)},
		PointStep: 20, RowStep: uint32(20 * len(pts)), Data: data, IsDense: true}
}

// TestDeskew drives at 10 m/s along +x. The object point was measured 0.1 s
// before the stamp, when the car was 1 m behind, so it reads 1 m farther;
// de-skewing brings it back to (3.2, −2.7) and the box to (3.5, −2.5).
// Without odom TF the node says so and fuses the points as measured.
func TestDeskew(t *testing.T) {
	r := newRig(t, nil, true)
	t0 := 50 * sec
	lidarPt := func(x, y, z, tm float32) [5]float32 { return [5]float32{x - 1, y, z - 1.8, 10, tm} }
	cloud := cloudXYZIT(t0, [][5]float32{lidarPt(4.2, -2.7, 1.0, -0.1), lidarPt(4.3, -2.6, 0.9, -0.1)})

	if err := r.send(t, "points", cloud); err != nil {
		t.Fatal(err)
	}
	if f := r.fact("deskew"); !strings.HasPrefix(f, "failed") {
		t.Fatalf("deskew %q without odom TF, want failed", f)
	}
	var d vision_msgs.Detection3DArray
	if !r.pub.last(t, TopicDetections, &d) || len(d.Detections) != 1 || math.Abs(d.Detections[0].Bbox.Center.Position.X-4.5) > 1e-5 {
		t.Fatalf("without de-skewing: %+v, want one box at x 4.5 (the point as measured)", d.Detections)
	}
	for _, ts := range []int64{t0 - sec, t0, t0 + sec, t0 + 2*sec} {
		x := 10 * float64(ts) / 1e9
		if err := r.tf.SetTransform("odom", "base_link", ts, tf.Transform{Translation: r3.Vec{X: x}, Rotation: tf.Identity().Rotation}, false); err != nil {
			t.Fatal(err)
		}
	}
	cloud.Header = hdr(t0+sec, "lidar")
	if err := r.send(t, "points", cloud); err != nil {
		t.Fatal(err)
	}
	if f := r.fact("deskew"); f != "ok" {
		t.Fatalf("deskew %q, want ok", f)
	}
	checkDetection(t, r, t0+sec)
}

// TestSparseDepth gives the encoder CUDA-BEVFusion's "depth" input: a lidar
// point at (6, 0.5, 1.2) in base_link is 4.5 m in front of the camera and
// lands in input pixel (14, 9).
func TestSparseDepth(t *testing.T) {
	needORT(t)
	g := onnxbuild.NewGraph("encoder").
		Input("img", onnxbuild.Float, 1, 3, encH, encW).
		Input("depth", onnxbuild.Float, 1, 1, encH, encW).
		Node("Concat", []string{"img", "depth"}, []string{"x"}, onnxbuild.AttrInt("axis", 1)).
		Initializer("dw", onnxbuild.Float, []int64{4, 4, 8, 8}, make([]float32, 4*4*64)).
		Initializer("fw", onnxbuild.Float, []int64{2, 4, 8, 8}, make([]float32, 2*4*64)).
		Node("Conv", []string{"x", "dw"}, []string{"depth_logits"}, onnxbuild.AttrInts("strides", 8, 8)).
		Node("Conv", []string{"x", "fw"}, []string{"feature"}, onnxbuild.AttrInts("strides", 8, 8)).
		Output("depth_logits", onnxbuild.Float, 1, 4, 2, 4).
		Output("feature", onnxbuild.Float, 1, 2, 2, 4)
	card := strings.Replace(strings.Replace(encoderCard(1), "outputs:", "  - {name: depth, shape: [1, 1, 16, 32], type: float32}\noutputs:", 1),
		"{name: depth, shape: [1, 4, 2, 4]", "{name: depth_logits, shape: [1, 4, 2, 4]", 1)
	r := newRig(t, []string{"front"}, true)
	old := r.n.(*Node)
	old.enc.m.Close()
	enc, err := openEncoder(writeModel(t, t.TempDir(), "enc_depth", g, card), []string{"cpu"}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	old.enc = enc
	if enc.depthIn != "depth" || enc.depthOut != "depth_logits" {
		t.Fatalf("encoder names: depth input %q, depth output %q", enc.depthIn, enc.depthOut)
	}
	ts := 20 * sec
	r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
	r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", [][4]float32{{6, 0.5, 1.2, 1}})); err != nil {
		t.Fatal(err)
	}
	d := enc.m.Input("depth")
	nonzero := 0
	for _, v := range d {
		if v != 0 {
			nonzero++
		}
	}
	if got := d[9*encW+14]; math.Abs(float64(got)-4.5) > 1e-4 || nonzero != 1 {
		t.Fatalf("depth at (14, 9) = %g with %d non-zero pixels, want 4.5 and 1", got, nonzero)
	}
}

// TestCameraMotionCompensation: an image 40 ms older than the cloud while
// driving at 10 m/s was taken 0.4 m further back, so the camera sits at
// x = 1.5 − 0.4 in base_link at the cloud's stamp; without odom TF the
// static extrinsic is used and the fact says so.
func TestCameraMotionCompensation(t *testing.T) {
	r := newRig(t, []string{"front"}, true)
	nd := r.n.(*Node)
	t0 := 60 * sec
	frame := func(ts int64) {
		t.Helper()
		r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
		r.send(t, "front/image", rgbImage(ts-40_000_000, "cam_optical", imgW, imgH))
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
	}
	frame(t0)
	if f := r.fact("camera.front.motion"); !strings.HasPrefix(f, "uncompensated") || math.Abs(nd.extr[0][3]-1.5) > 1e-9 {
		t.Fatalf("without odom: motion %q, camera x %g; want uncompensated and 1.5", f, nd.extr[0][3])
	}
	for _, ts := range []int64{t0, t0 + sec, t0 + 2*sec} {
		x := 10 * float64(ts) / 1e9
		if err := r.tf.SetTransform("odom", "base_link", ts, tf.Transform{Translation: r3.Vec{X: x}, Rotation: tf.Identity().Rotation}, false); err != nil {
			t.Fatal(err)
		}
	}
	frame(t0 + sec)
	if f := r.fact("camera.front.motion"); f != "compensated" || math.Abs(nd.extr[0][3]-1.1) > 1e-6 {
		t.Fatalf("with odom: motion %q, camera x %g; want compensated and 1.1", f, nd.extr[0][3])
	}
	checkDetection(t, r, t0+sec)
}
