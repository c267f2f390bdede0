package bevfusionnode

import (
	"strconv"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestFrameAllocs: once every camera's image ring is full, a whole frame —
// images decoded and buffered, the cloud matched with each camera by stamp,
// camera poses moved by the ego motion between the image and cloud stamps,
// points de-skewed by their own times,
// encoder, lift-splat pooling, pillars, fuser, decoding, NMS, the
// /diagnostics facts and the messages — allocates nothing.
func TestFrameAllocs(t *testing.T) {
	cams := []string{"cam_a", "cam_b"}
	r := newRig(t, cams, true)
	const frames = 24
	// The vehicle drives at 5 m/s; the images are 30 or 10 ms older than
	// the cloud, so that the cameras' poses change every frame.
	for k := 1; k <= frames+1; k++ {
		ts := int64(k) * sec / 10
		for _, dt := range []int64{-40, 0, 40} {
			x := 5 * float64(ts+dt*1e6) / 1e9
			if err := r.tf.SetTransform("odom", "base_link", ts+dt*1e6, tf.Transform{Translation: r3.Vec{X: x}, Rotation: tf.Identity().Rotation}, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	type msg struct {
		topic string
		data  []byte
	}
	var msgs [][]msg
	for k := 1; k <= frames; k++ {
		ts := int64(k) * sec / 10
		age := int64(10e6 + 20e6*(k%2))
		var f []msg
		for _, c := range cams {
			f = append(f, msg{c + "/camera_info", cdr.Marshal(cameraInfo(ts-age, 64, 48, 50))})
			f = append(f, msg{c + "/image", cdr.Marshal(rgbImage(ts-age, "cam_optical", 64, 48))})
		}
		// Per-point times, so that the points are de-skewed too.
		timed := make([][5]float32, len(scene))
		for i, p := range scene {
			timed[i] = [5]float32{p[0], p[1], p[2], p[3], -0.05 * float32(i) / float32(len(scene))}
		}
		f = append(f, msg{"points", cdr.Marshal(cloudXYZIT(ts, timed))})
		msgs = append(msgs, f)
	}
	in := &node.Msg{}
	k := 0
	frame := func() {
		for _, m := range msgs[k] {
			*in = node.Msg{Topic: m.topic, Data: m.data}
			if err := r.n.Handle(in, discard{}); err != nil {
				t.Fatalf("frame %d, %s: %v", k, m.topic, err)
			}
		}
		k++
	}
	for range imagesPerCamera + 2 {
		frame()
	}
	builds := r.n.(*Node).ipm.builds
	runs := frames - imagesPerCamera - 4
	if a := testing.AllocsPerRun(runs, frame); a != 0 {
		t.Errorf("%v allocations a frame after warm-up", a)
	}
	if got := r.n.(*Node).ipm.builds - builds; got < runs {
		t.Errorf("the IPM lookup was rebuilt %d times in %d frames whose camera poses changed", got, runs+1)
	}
	f := r.stats.Snapshot().Facts
	for _, key := range []string{"camera." + cams[0] + ".motion", "deskew", FactFramesFused, "cameras_masked"} {
		t.Logf("%s: %s", key, f[key])
	}
	if f["camera."+cams[0]+".motion"] != "compensated" || f["deskew"] != "ok" || f["cameras_masked"] != "0" || f[FactFramesFused] != strconv.Itoa(k) {
		t.Errorf("the frames did not take the fused, compensated path: %v", f)
	}
}
