package pose2dnode

import (
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestTargetFrame checks that 3D output is transformed with the transform
// at the image's own stamp, and skipped (2D still out) when TF has none.
func TestTargetFrame(t *testing.T) {
	needORT(t)
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	det, pm := buildModels(t, t.TempDir())
	values, _ := param.LoadFile("../../params/pose2d.yaml", "pose2d")
	values["model.path"], values["detector.path"], values["tracking.min_hits"] = pm, det, 1
	values["target_frame"] = "base_link"
	st := node.NewStats()
	nn, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values), Stats: st, TF: buf})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	n := nn.(*Node)
	// base_link ← optical: the camera 1 m up, looking along base x; it moves
	// along base y at 1 m/s, so the stamp matters.
	q := quat.Number{Real: 0.5, Imag: -0.5, Jmag: 0.5, Kmag: -0.5}
	h := header(frameID)
	stamp := node.StampNS(h.Stamp)
	for _, s := range []int64{stamp - 1e9, stamp + 1e9} {
		tr := tf.Transform{Translation: r3.Vec{Y: float64(s-stamp) * 1e-9, Z: 1}, Rotation: q}
		if err := buf.SetTransform("base_link", frameID, s, tr, false); err != nil {
			t.Fatal(err)
		}
	}
	var r recorder
	for _, m := range []*node.Msg{infoMsg(h), depthMsg(h, imgW, imgH, 2), goodImage(h)} {
		if err := n.Handle(m, &r); err != nil {
			t.Fatal(err)
		}
	}
	var s2 gopercept_msgs.Skeleton2DArray
	r.last(t, "~/skeletons", &s2)
	var s3 gopercept_msgs.Skeleton3DArray
	r.last(t, "~/skeletons_3d", &s3)
	if s3.Header.FrameID != "base_link" || s3.Header.Stamp != h.Stamp {
		t.Fatalf("3D header %+v", s3.Header)
	}
	// At the image stamp the camera is at y = 0: optical (x, y, z) → base
	// (z, −x, 1 − y).
	lifted := 0
	for k, kp := range s3.Skeletons[0].Keypoints {
		if kp.Visibility == 0 {
			continue
		}
		lifted++
		k2 := s2.Skeletons[0].Keypoints[k]
		p := n.cam.BackProject(float64(k2.X), float64(k2.Y), 2)
		want := r3.Vec{X: p.Z, Y: -p.X, Z: 1 - p.Y}
		got := r3.Vec{X: kp.Position.X, Y: kp.Position.Y, Z: kp.Position.Z}
		if r3.Norm(r3.Sub(got, want)) > 1e-3 {
			t.Errorf("keypoint %d at %v, want %v", k, got, want)
		}
		// The depth variance (0.002·z² = 8 mm at 2 m) lies along base x after
		// the rotation; the lateral ones come from 2/0.95 px at f = 60 px.
		if c := kp.PositionCovariance; c[0] < 6.4e-5 || c[0] > 7e-5 || c[4] < 4.5e-3 || math.Abs(c[1]-c[3]) > 1e-15 {
			t.Errorf("keypoint %d covariance %v", k, c)
		}
	}
	if lifted < 12 {
		t.Errorf("%d keypoints lifted", lifted)
	}
	var ma visualization_msgs.MarkerArray
	r.last(t, "~/markers", &ma)
	if ma.Markers[1].Header.FrameID != "base_link" {
		t.Errorf("markers in %q", ma.Markers[1].Header.FrameID)
	}
	// Outside the TF history: 2D published, 3D skipped with the reason.
	h2 := header(frameID)
	h2.Stamp.Sec += 100
	n2, n3 := r.count("~/skeletons"), r.count("~/skeletons_3d")
	n.Handle(depthMsg(h2, imgW, imgH, 2), &r)
	if err := n.Handle(goodImage(h2), &r); err != nil {
		t.Fatal(err)
	}
	if r.count("~/skeletons") != n2+1 || r.count("~/skeletons_3d") != n3 {
		t.Error("want 2D published and 3D skipped without TF")
	}
	if f := st.Snapshot().Facts["3d"]; !strings.Contains(f, "no transform into the target frame") {
		t.Errorf("diagnostics 3d = %q", f)
	}
}
