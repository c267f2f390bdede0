package lift

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

func testCamera(t testing.TB) *camera.Model {
	m, err := camera.FromCameraInfo(320, 240, camera.PlumbBob, []float64{-0.25, 0.06, 1e-4, -2e-4, 0},
		[9]float64{260, 0, 161.5, 0, 259, 118.2, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// plane fills a depth image with the plane z = z0 + a·X + b·Y (optical
// frame) by intersecting each pixel's ray with it.
func plane(cam *camera.Model, z0, a, b float64) *imageconv.Depth {
	d := &imageconv.Depth{Width: cam.Width, Height: cam.Height, M: make([]float32, cam.Width*cam.Height)}
	for v := 0; v < cam.Height; v++ {
		for u := 0; u < cam.Width; u++ {
			r := cam.Ray(float64(u), float64(v))
			// s·r on the plane: s·r.Z = z0 + a·s·r.X + b·s·r.Y.
			s := z0 / (r.Z - a*r.X - b*r.Y)
			d.M[v*cam.Width+u] = float32(s * r.Z)
		}
	}
	return d
}

func onPlane(x, y, z0, a, b float64) r3.Vec {
	// Solve z = z0 + a x + b y with the given x, y.
	return r3.Vec{X: x, Y: y, Z: z0 + a*x + b*y}
}

func keypoints(cam *camera.Model, pts []r3.Vec) []pose.Keypoint {
	k := make([]pose.Keypoint, len(pts))
	for i, p := range pts {
		u, v, _ := cam.Project(p)
		k[i] = pose.Keypoint{X: float32(u), Y: float32(v), Score: 0.9, Visibility: pose.Visible}
	}
	return k
}

func TestLiftPlane(t *testing.T) {
	cam := testCamera(t)
	const z0, a, b = 2.5, 0.05, -0.03
	depth := plane(cam, z0, a, b)
	var truth []r3.Vec
	for i := 0; i < pose.NumKeypoints; i++ {
		x := -0.9 + 0.11*float64(i)
		y := -0.6 + 0.07*float64(i%5)*float64(i%3)
		truth = append(truth, onPlane(x, y, z0, a, b))
	}
	l, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	joints, err := l.Lift(cam, depth, keypoints(cam, truth), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range joints {
		if !j.Valid || j.Samples != 49 {
			t.Fatalf("joint %d not lifted: %+v", i, j)
		}
		// float32 pixel rounding and the median over a slightly tilted patch:
		// a few millimetres.
		if d := r3.Norm(r3.Sub(j.P, truth[i])); d > 0.005 {
			t.Errorf("joint %d at %v, truth %v (%.4f m)", i, j.P, truth[i], d)
		}
	}
	if e, n := MPJPE(joints, truth, nil); n != 17 || e > 0.003 {
		t.Errorf("MPJPE %.4f m over %d", e, n)
	}
}

func TestLiftRejectsOutliers(t *testing.T) {
	cam := testCamera(t)
	depth := plane(cam, 3, 0, 0)
	p := r3.Vec{X: 0.2, Y: -0.1, Z: 3}
	k := keypoints(cam, []r3.Vec{p})
	cu, cv := int(math.Round(float64(k[0].X))), int(math.Round(float64(k[0].Y)))
	// 20 of 49 window pixels spoiled: holes, a near occluder edge, far
	// background and a NaN.
	n := 0
	for dy := -3; dy <= 3; dy++ {
		for dx := -3; dx <= 3; dx++ {
			i := (cv+dy)*cam.Width + cu + dx
			switch {
			case n < 8:
				depth.M[i] = 0
			case n < 14:
				depth.M[i] = 0.8
			case n < 19:
				depth.M[i] = 9
			case n == 19:
				depth.M[i] = float32(math.NaN())
			}
			n++
		}
	}
	l, _ := New(Config{})
	j, err := l.Lift(cam, depth, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !j[0].Valid || j[0].Samples != 29 {
		t.Fatalf("joint %+v, want 29 samples", j[0])
	}
	if d := r3.Norm(r3.Sub(j[0].P, p)); d > 0.002 {
		t.Errorf("lifted %v, truth %v", j[0].P, p)
	}
	// Too few valid samples: not lifted.
	for i := range depth.M {
		depth.M[i] = 0
	}
	depth.M[cv*cam.Width+cu] = 3
	j, _ = l.Lift(cam, depth, k, j)
	if j[0].Valid || j[0].Samples != 1 {
		t.Errorf("lifted with one sample: %+v", j[0])
	}
	// A low-score keypoint is not lifted; a wrong-size depth is an error.
	k[0].Score = 0.1
	if j, _ = l.Lift(cam, plane(cam, 3, 0, 0), k, j); j[0].Valid {
		t.Error("low-score keypoint lifted")
	}
	small := &imageconv.Depth{Width: 160, Height: 120, M: make([]float32, 160*120)}
	if _, err := l.Lift(cam, small, k, nil); !errors.Is(err, ErrDepthSize) {
		t.Errorf("err = %v", err)
	}
}

// TestCovarianceAgainstNumericJacobian checks the covariance against the
// propagation through a finite-difference Jacobian of the back-projection
// in (u, v, z).
func TestCovarianceAgainstNumericJacobian(t *testing.T) {
	cam := testCamera(t)
	l, _ := New(Config{})
	depth := plane(cam, 4, 0, 0)
	k := []pose.Keypoint{{X: 30.3, Y: 200.7, Score: 0.5, Visibility: pose.Visible}}
	j, _ := l.Lift(cam, depth, k, nil)
	if !j[0].Valid {
		t.Fatal("not lifted")
	}
	z := j[0].P.Z
	f := func(u, v, z float64) r3.Vec { return cam.BackProject(u, v, z) }
	u, v := float64(k[0].X), float64(k[0].Y)
	const h = 1e-4
	cols := [3]r3.Vec{
		r3.Scale(1/(2*h), r3.Sub(f(u+h, v, z), f(u-h, v, z))),
		r3.Scale(1/(2*h), r3.Sub(f(u, v+h, z), f(u, v-h, z))),
		r3.Scale(1/(2*h), r3.Sub(f(u, v, z+h), f(u, v, z-h))),
	}
	spx := 2 / 0.5
	sz := math.Max(0.002*z*z, 0.005) // flat plane: no spread
	vars := [3]float64{spx * spx, spx * spx, sz * sz}
	comp := func(c r3.Vec, i int) float64 { return [3]float64{c.X, c.Y, c.Z}[i] }
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			want := 0.0
			for c := 0; c < 3; c++ {
				want += comp(cols[c], a) * vars[c] * comp(cols[c], b)
			}
			got := j[0].Cov[a*3+b]
			if math.Abs(got-want) > 1e-3*math.Abs(want)+1e-9 {
				t.Errorf("Cov[%d][%d] = %.6g, numeric %.6g", a, b, got, want)
			}
		}
	}
}

func TestToFrame(t *testing.T) {
	buf, err := tf.New(tf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// base_link ← camera_optical: optical z forward = base x, optical x
	// right = base −y, optical y down = base −z; camera 1.2 m up, moving
	// forward 1 m/s between stamps 1 s and 2 s.
	q := quat.Number{Real: 0.5, Imag: -0.5, Jmag: 0.5, Kmag: -0.5}
	for _, s := range []int64{1e9, 2e9} {
		tr := tf.Transform{Translation: r3.Vec{X: float64(s) / 1e9, Z: 1.2}, Rotation: q}
		if err := buf.SetTransform("base_link", "camera_optical", s, tr, false); err != nil {
			t.Fatal(err)
		}
	}
	joints := []Joint{{P: r3.Vec{X: 0.1, Y: 0.2, Z: 3}, Cov: [9]float64{1, 0, 0, 0, 2, 0, 0, 0, 3}, Valid: true}, {}}
	if err := ToFrame(buf, "base_link", "camera_optical", 1.5e9, joints); err != nil {
		t.Fatal(err)
	}
	want := r3.Vec{X: 1.5 + 3, Y: -0.1, Z: 1.2 - 0.2}
	if r3.Norm(r3.Sub(joints[0].P, want)) > 1e-9 {
		t.Errorf("P = %v, want %v", joints[0].P, want)
	}
	wantCov := [9]float64{3, 0, 0, 0, 1, 0, 0, 0, 2}
	for i := range wantCov {
		if math.Abs(joints[0].Cov[i]-wantCov[i]) > 1e-12 {
			t.Fatalf("Cov = %v, want %v", joints[0].Cov, wantCov)
		}
	}
	if joints[1].Valid || joints[1].P != (r3.Vec{}) {
		t.Error("invalid joint moved")
	}
	before := joints[0]
	err = ToFrame(buf, "base_link", "camera_optical", 5e9, joints)
	if !errors.Is(err, ErrTransform) {
		t.Errorf("stamp outside the buffer: err = %v", err)
	}
	if err = ToFrame(buf, "map", "camera_optical", 1.5e9, joints); !errors.Is(err, ErrTransform) {
		t.Errorf("unknown frame: err = %v", err)
	}
	if joints[0] != before {
		t.Error("failed lookup changed the joints")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{Window: 4}, "lift.Config.Window", 4, "want an odd size 1..101"},
		{Config{MaxDepth: 0.05}, "lift.Config.MaxDepth", 0.05, "want > MinDepth (0.1)"},
		{Config{MinSamples: 100}, "lift.Config.MinSamples", 100, "want 1..Window² (49)"},
		{Config{PixelSigma: -1}, "lift.Config.PixelSigma", -1.0, "want > 0"},
	} {
		_, err := New(tc.cfg)
		var ce *configerr.Error
		if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
			ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s = %v: %s", tc.cfg, err, tc.param, tc.value, tc.reason)
		}
	}
}

func BenchmarkLift17(b *testing.B) {
	cam := testCamera(b)
	depth := plane(cam, 2.5, 0.05, 0)
	var pts []r3.Vec
	for i := 0; i < 17; i++ {
		pts = append(pts, r3.Vec{X: -0.8 + 0.1*float64(i), Y: 0.1, Z: 2.5})
	}
	k := keypoints(cam, pts)
	l, _ := New(Config{})
	var out []Joint
	b.ReportAllocs()
	for b.Loop() {
		out, _ = l.Lift(cam, depth, k, out)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "people/s")
}
