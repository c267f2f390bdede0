package camera

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// cases are realistic calibrations: a RealSense-like plumb_bob, a
// wide-angle rational_polynomial as OpenCV's calibrateCamera reports it, and
// a T265-like fisheye.
var cases = []struct {
	name string
	w, h uint32
	dm   string
	d    []float64
	k    [9]float64
}{
	{"plumb_bob", 640, 480, PlumbBob, []float64{-0.28, 0.07, 1.2e-4, -2.1e-4, 0.01},
		[9]float64{505, 0, 318.2, 0, 503.5, 242.7, 0, 0, 1}},
	{"rational_polynomial", 1280, 720, RationalPolynomial,
		[]float64{0.2, 0.05, 4e-4, -3e-4, 0.001, 0.45, 0.05, 0.0005},
		[9]float64{720, 0, 641.3, 0, 719, 358.9, 0, 0, 1}},
	{"equidistant", 848, 800, Equidistant, []float64{-0.0066, 0.0418, -0.0389, 0.0069},
		[9]float64{286.2, 0, 416.9, 0, 286.1, 403.6, 0, 0, 1}},
	{"none", 320, 240, None, nil, [9]float64{200, 0, 160, 0, 200, 120, 0, 0, 1}},
	{"plumb_bob_empty_D", 320, 240, PlumbBob, nil, [9]float64{200, 0, 160, 0, 200, 120, 0, 0, 1}},
}

// refProject is the brute-force twin: the model's formula written out
// directly from its definition, without the package's helpers.
func refProject(dm string, d []float64, k [9]float64, p r3.Vec) (float64, float64) {
	var xd, yd float64
	switch {
	case len(d) == 0 || dm == None:
		xd, yd = p.X/p.Z, p.Y/p.Z
	case dm == PlumbBob:
		x, y := p.X/p.Z, p.Y/p.Z
		r2 := x*x + y*y
		k1, k2, p1, p2, k3 := d[0], d[1], d[2], d[3], d[4]
		c := 1 + k1*r2 + k2*r2*r2 + k3*r2*r2*r2
		xd = x*c + 2*p1*x*y + p2*(r2+2*x*x)
		yd = y*c + p1*(r2+2*y*y) + 2*p2*x*y
	case dm == RationalPolynomial:
		x, y := p.X/p.Z, p.Y/p.Z
		r2 := x*x + y*y
		k1, k2, p1, p2, k3, k4, k5, k6 := d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
		c := (1 + k1*r2 + k2*math.Pow(r2, 2) + k3*math.Pow(r2, 3)) / (1 + k4*r2 + k5*math.Pow(r2, 2) + k6*math.Pow(r2, 3))
		xd = x*c + 2*p1*x*y + p2*(r2+2*x*x)
		yd = y*c + p1*(r2+2*y*y) + 2*p2*x*y
	case dm == Equidistant:
		a, b := p.X/p.Z, p.Y/p.Z
		r := math.Sqrt(a*a + b*b)
		th := math.Atan(r)
		thd := th * (1 + d[0]*math.Pow(th, 2) + d[1]*math.Pow(th, 4) + d[2]*math.Pow(th, 6) + d[3]*math.Pow(th, 8))
		xd, yd = thd/r*a, thd/r*b
	}
	return k[0]*xd + k[2], k[4]*yd + k[5]
}

func TestProjectMatchesFormula(t *testing.T) {
	for _, c := range cases {
		m, err := FromCameraInfo(c.w, c.h, c.dm, c.d, c.k)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, p := range []r3.Vec{{X: 0.3, Y: -0.2, Z: 2}, {X: -1.1, Y: 0.7, Z: 3.5}, {X: 0.05, Y: 0.4, Z: 0.9}, {X: -0.5, Y: -0.35, Z: 1.2}} {
			u, v, ok := m.Project(p)
			wu, wv := refProject(c.dm, c.d, c.k, p)
			if !ok || math.Abs(u-wu) > 1e-9 || math.Abs(v-wv) > 1e-9 {
				t.Errorf("%s: Project(%v) = %.9f,%.9f,%v; formula %.9f,%.9f", c.name, p, u, v, ok, wu, wv)
			}
		}
	}
}

func TestRoundTripOverImage(t *testing.T) {
	for _, c := range cases {
		m, err := FromCameraInfo(c.w, c.h, c.dm, c.d, c.k)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for v := -0.5; v <= float64(c.h)-0.5; v += float64(c.h) / 37 {
			for u := -0.5; u <= float64(c.w)-0.5; u += float64(c.w) / 41 {
				for _, corner := range [][2]float64{{u, v}, {float64(c.w) - 0.5, v}, {u, float64(c.h) - 0.5}} {
					x, y := m.Undistort(corner[0], corner[1])
					if c.dm == Equidistant && math.IsNaN(x) {
						// Beyond 90° off axis; only Ray applies.
						if r := m.Ray(corner[0], corner[1]); r.Z > 0 {
							t.Fatalf("%s: pixel %v has no normalised coordinates but its ray %v is in front", c.name, corner, r)
						}
					} else {
						pu, pv, ok := m.Project(r3.Vec{X: x * 2.5, Y: y * 2.5, Z: 2.5})
						if !ok {
							t.Fatalf("%s: pixel %v undistorted to %v,%v is not projectable", c.name, corner, x, y)
						}
						worst = math.Max(worst, math.Hypot(pu-corner[0], pv-corner[1]))
					}
					// Ray must agree with Undistort.
					r := m.Ray(corner[0], corner[1])
					ru, rv, _ := m.Project(r3.Scale(3, r))
					worst = math.Max(worst, math.Hypot(ru-corner[0], rv-corner[1]))
					if math.Abs(r3.Norm(r)-1) > 1e-12 {
						t.Fatalf("%s: Ray not unit: %v", c.name, r)
					}
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: worst round trip %.3g px > 1e-6", c.name, worst)
		}
	}
}

func TestFisheyeBeyond90(t *testing.T) {
	m, err := FromCameraInfo(800, 800, Equidistant, []float64{0.01, 0, 0, 0}, [9]float64{200, 0, 400, 0, 200, 400, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	p := r3.Vec{X: 1, Y: 0.2, Z: -0.3} // 107° off axis
	u, v, ok := m.Project(p)
	if !ok {
		t.Fatal("fisheye point behind the image plane should project")
	}
	r := m.Ray(u, v)
	want := r3.Unit(p)
	if r3.Norm(r3.Sub(r, want)) > 1e-9 {
		t.Errorf("Ray = %v, want %v", r, want)
	}
	if x, _ := m.Undistort(u, v); !math.IsNaN(x) {
		t.Errorf("Undistort beyond 90° = %v, want NaN", x)
	}
}

func TestProjectRejects(t *testing.T) {
	m, _ := FromCameraInfo(cases[0].w, cases[0].h, cases[0].dm, cases[0].d, cases[0].k)
	for _, p := range []r3.Vec{{Z: 0}, {X: 1, Z: -1}, {X: math.NaN(), Z: 1}, {X: 100, Z: 1}} {
		if _, _, ok := m.Project(p); ok {
			t.Errorf("Project(%v) ok, want rejected", p)
		}
	}
	// Beyond the fold-over of a strongly barrel lens Undistort gives NaN.
	m, _ = FromCameraInfo(640, 480, PlumbBob, []float64{-0.28, 0, 0, 0, 0}, cases[0].k)
	if r := m.ValidRadius(); math.Abs(r-math.Sqrt(1/0.84)) > 2e-3 {
		t.Errorf("ValidRadius = %v, want %v", r, math.Sqrt(1/0.84))
	}
	if x, _ := m.Undistort(318+0.8*505, 240); !math.IsNaN(x) {
		t.Errorf("Undistort far outside = %v, want NaN", x)
	}
}

func TestErrors(t *testing.T) {
	k := [9]float64{500, 0, 320, 0, 500, 240, 0, 0, 1}
	bad := func(i int, v float64) [9]float64 { c := k; c[i] = v; return c }
	tests := []struct {
		name  string
		w, h  uint32
		dm    string
		d     []float64
		k     [9]float64
		want  error
		field string
	}{
		{"zero width", 0, 480, PlumbBob, nil, k, ErrSize, "width×height"},
		{"zero fx", 640, 480, PlumbBob, nil, bad(0, 0), ErrFocalLength, "K[0] (fx)"},
		{"negative fy", 640, 480, PlumbBob, nil, bad(4, -3), ErrFocalLength, "K[4] (fy)"},
		{"NaN cx", 640, 480, PlumbBob, nil, bad(2, math.NaN()), ErrPrincipalPoint, "K[2] (cx)"},
		{"unknown model", 640, 480, "kannala_brandt", []float64{1}, k, ErrDistortionModel, "distortion_model"},
		{"short plumb_bob", 640, 480, PlumbBob, []float64{0.1, 0.2, 0}, k, ErrDistortionLength, "D (length for plumb_bob, want 5)"},
		{"short rational", 640, 480, RationalPolynomial, make([]float64, 5), k, ErrDistortionLength, "D (length for rational_polynomial, want 8)"},
		{"long fisheye", 640, 480, Equidistant, make([]float64, 5), k, ErrDistortionLength, "D (length for equidistant, want 4)"},
		{"none with coefficients", 640, 480, None, []float64{0.1}, k, ErrDistortionLength, "D[0]"},
		{"Inf coefficient", 640, 480, PlumbBob, []float64{0, math.Inf(1), 0, 0, 0}, k, ErrDistortionValue, "D[1]"},
	}
	for _, tc := range tests {
		_, err := FromCameraInfo(tc.w, tc.h, tc.dm, tc.d, tc.k)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			continue
		}
		var ce *CalibrationError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: field = %q, want %q (%v)", tc.name, ce.Field, tc.field, err)
		}
	}
	m, _ := FromCameraInfo(640, 480, None, nil, k)
	if _, err := m.Scaled(0, 1); !errors.Is(err, ErrScale) {
		t.Errorf("Scaled(0,1) err = %v", err)
	}
	if _, err := m.Cropped(640, 0); !errors.Is(err, ErrSize) {
		t.Errorf("Cropped(640,0) err = %v", err)
	}
}

// TestScaledCropped checks that a point projects to the same place in the
// resized and cropped image as the resize and crop move the original pixel.
func TestScaledCropped(t *testing.T) {
	c := cases[0]
	m, _ := FromCameraInfo(c.w, c.h, c.dm, c.d, c.k)
	s, err := m.Scaled(0.5, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if s.Width != 320 || s.Height != 120 {
		t.Errorf("scaled size %d×%d", s.Width, s.Height)
	}
	cr, err := m.Cropped(100, 40)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Width != 540 || cr.Height != 440 {
		t.Errorf("cropped size %d×%d", cr.Width, cr.Height)
	}
	p := r3.Vec{X: 0.2, Y: -0.1, Z: 1.5}
	u, v, _ := m.Project(p)
	su, sv, _ := s.Project(p)
	if math.Abs(su-((u+0.5)*0.5-0.5)) > 1e-9 || math.Abs(sv-((v+0.5)*0.25-0.5)) > 1e-9 {
		t.Errorf("scaled projection %v,%v from %v,%v", su, sv, u, v)
	}
	cu, cv, _ := cr.Project(p)
	if math.Abs(cu-(u-100)) > 1e-9 || math.Abs(cv-(v-40)) > 1e-9 {
		t.Errorf("cropped projection %v,%v from %v,%v", cu, cv, u, v)
	}
	if m.Width != 640 || m.Cx != c.k[2] {
		t.Error("Scaled/Cropped changed the receiver")
	}
}

func BenchmarkUndistort(b *testing.B) {
	for _, c := range cases[:3] {
		b.Run(c.name, func(b *testing.B) {
			m, _ := FromCameraInfo(c.w, c.h, c.dm, c.d, c.k)
			b.ReportAllocs()
			var s float64
			for i := 0; b.Loop(); i++ {
				x, y := m.Undistort(float64(i%int(c.w)), float64((i/int(c.w))%int(c.h)))
				s += x + y
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pixels/s")
			_ = s
		})
	}
}

func BenchmarkProject(b *testing.B) {
	for _, c := range cases[:3] {
		b.Run(c.name, func(b *testing.B) {
			m, _ := FromCameraInfo(c.w, c.h, c.dm, c.d, c.k)
			b.ReportAllocs()
			var s float64
			for i := 0; b.Loop(); i++ {
				u, v, _ := m.Project(r3.Vec{X: float64(i%100)/100 - 0.5, Y: 0.2, Z: 1.5})
				s += u + v
			}
			_ = s
		})
	}
}
