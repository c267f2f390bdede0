package bevfusionnode

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/warp"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestTemporal feeds a BEVDet4D-style fuser: the first frame repeats the
// current camera BEV as the previous one; the second, 0.5 m (one cell)
// further along +x by odom, gets the first frame's camera BEV warped by that
// ego motion (bev/warp as the twin), and the box is unchanged.
func TestTemporal(t *testing.T) {
	card := strings.Replace(fuserCard, "  - {name: camera_bev, shape: [1, 2, 32, 32], type: float32}\n",
		"  - {name: camera_bev, shape: [1, 2, 32, 32], type: float32}\n  - {name: prev_camera_bev, shape: [1, 2, 32, 32], type: float32}\n", 1)
	r := newRigModel(t, []string{"front"}, true, fuserGraphPrev(true), card)
	nd := r.n.(*Node)
	if nd.temp == nil {
		t.Fatal("prev_camera_bev input not recognised")
	}
	t0 := 30 * sec
	for k, x := range []float64{0, 0.5} {
		ts := t0 + int64(k)*sec/10
		if err := r.tf.SetTransform("odom", "base_link", ts, tf.Transform{Translation: r3.Vec{X: x}, Rotation: tf.Identity().Rotation}, false); err != nil {
			t.Fatal(err)
		}
	}
	var firstCam []float32
	for k := range 2 {
		ts := t0 + int64(k)*sec/10
		r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
		img := rgbImage(ts, "cam_optical", imgW, imgH)
		for i := range img.Data {
			img.Data[i] = uint8((i*13 + k*50) % 251)
		}
		r.send(t, "front/image", img)
		// The object is at the same base_link place in both frames.
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
		checkDetection(t, r, ts)
		cur := nd.fus.m.Input("camera_bev")
		prev := nd.fus.m.Input("prev_camera_bev")
		if k == 0 {
			if !strings.HasPrefix(r.fact("temporal"), "current frame repeated") || !slices.Equal(cur, prev) {
				t.Fatalf("first frame: temporal %q, prev equal to current %v", r.fact("temporal"), slices.Equal(cur, prev))
			}
			firstCam = slices.Clone(cur)
			continue
		}
		if r.fact("temporal") != "previous frame warped" {
			t.Fatalf("second frame: temporal %q", r.fact("temporal"))
		}
		want, err := warp.Warp(firstCam, 2, nd.cfg.Grid, bev.LayoutYX, warp.EgoMotion(
			tf.Transform{Rotation: tf.Identity().Rotation}, tf.Transform{Translation: r3.Vec{X: 0.5}, Rotation: tf.Identity().Rotation}))
		if err != nil {
			t.Fatal(err)
		}
		var nonzero int
		for i := range want {
			if math.Abs(float64(prev[i]-want[i])) > 1e-6 {
				t.Fatalf("prev_camera_bev[%d] = %g, warp twin %g", i, prev[i], want[i])
			}
			if want[i] != 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Fatal("the warped previous frame is all zero: the test checks nothing")
		}
	}
}
