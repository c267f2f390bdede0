package tf

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Tolerances. Closed-form answers are exact up to a few ulps of the
// trigonometry; matTol allows for the composition of a dozen edges.
const (
	tol    = 1e-12
	matTol = 1e-9
)

func yaw(a float64) quat.Number { return QuatFromAxisAngle(r3.Vec{Z: 1}, a) }

func mk(x, y, z float64, q quat.Number) Transform {
	return Transform{Translation: r3.Vec{X: x, Y: y, Z: z}, Rotation: q}
}

func vecNear(a, b r3.Vec, tol float64) bool {
	return math.Abs(a.X-b.X) <= tol && math.Abs(a.Y-b.Y) <= tol && math.Abs(a.Z-b.Z) <= tol
}

// sameRotation reports whether unit quaternions p and q are the same
// rotation (q and −q are).
func sameRotation(p, q quat.Number, tol float64) bool {
	d := p.Real*q.Real + p.Imag*q.Imag + p.Jmag*q.Jmag + p.Kmag*q.Kmag
	return math.Abs(math.Abs(d)-1) <= tol
}

// transformNear compares the homogeneous matrices of a and b, so q and −q
// compare equal.
func transformNear(a, b Transform, tol float64) bool {
	ma, mb := a.ToMatrix(), b.ToMatrix()
	for i := range ma {
		if math.Abs(ma[i]-mb[i]) > tol {
			return false
		}
	}
	return true
}

func TestTransformApplyComposeInverse(t *testing.T) {
	a := mk(1, 2, 3, yaw(math.Pi/2))                 // a←b
	c := mk(-1, 0.5, 0, QuatFromRPY(0.3, -0.2, 1.1)) // b←c
	cases := []struct {
		name    string
		tf      Transform
		in, out r3.Vec
	}{
		{"identity", Identity(), r3.Vec{X: 1, Y: 2, Z: 3}, r3.Vec{X: 1, Y: 2, Z: 3}},
		{"translation", mk(1, -2, 0.5, quat.Number{Real: 1}), r3.Vec{X: 1}, r3.Vec{X: 2, Y: -2, Z: 0.5}},
		{"yaw 90 maps x to y", mk(0, 0, 0, yaw(math.Pi/2)), r3.Vec{X: 1}, r3.Vec{Y: 1}},
		{"yaw 90 then translate", a, r3.Vec{X: 1, Y: 1}, r3.Vec{X: 0, Y: 3, Z: 3}},
		{"roll 90 maps y to z", mk(0, 0, 0, QuatFromRPY(math.Pi/2, 0, 0)), r3.Vec{Y: 1}, r3.Vec{Z: 1}},
		{"pitch 90 maps z to x", mk(0, 0, 0, QuatFromRPY(0, math.Pi/2, 0)), r3.Vec{Z: 1}, r3.Vec{X: 1}},
		{"NaN propagates", a, r3.Vec{X: math.NaN()}, r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}},
	}
	for _, tc := range cases {
		got := tc.tf.Apply(tc.in)
		if tc.name == "NaN propagates" {
			if !math.IsNaN(got.X) || !math.IsNaN(got.Y) {
				t.Errorf("%s: got %v, want NaN", tc.name, got)
			}
			continue
		}
		if !vecNear(got, tc.out, tol) {
			t.Errorf("%s: Apply(%v) = %v, want %v", tc.name, tc.in, got, tc.out)
		}
	}

	p := r3.Vec{X: 0.7, Y: -1.3, Z: 2.2}
	if got, want := a.Compose(c).Apply(p), a.Apply(c.Apply(p)); !vecNear(got, want, tol) {
		t.Errorf("Compose: (a∘c)(p) = %v, want a(c(p)) = %v", got, want)
	}
	if got := a.Inverse().Apply(a.Apply(p)); !vecNear(got, p, tol) {
		t.Errorf("Inverse: a⁻¹(a(p)) = %v, want %v", got, p)
	}
	if got := a.Compose(a.Inverse()); !transformNear(got, Identity(), tol) {
		t.Errorf("a∘a⁻¹ = %v, want identity", got)
	}
	if got, want := a.ApplyRotation(r3.Vec{X: 1}), (r3.Vec{Y: 1}); !vecNear(got, want, tol) {
		t.Errorf("ApplyRotation = %v, want %v", got, want)
	}
}

func TestMatrixRoundTrip(t *testing.T) {
	for _, tc := range []Transform{
		Identity(),
		mk(1, 2, 3, yaw(0.4)),
		mk(-4, 0, 1, QuatFromRPY(math.Pi, 0, 0)),                  // w = 0: Shepperd pivots on x
		mk(0, 0, 0, QuatFromRPY(0, math.Pi, 0)),                   // pivot on y
		mk(0, 5, 0, yaw(math.Pi)),                                 // pivot on z
		mk(0.1, 0.2, 0.3, QuatFromRPY(-math.Pi/2, 0, -math.Pi/2)), // optical
		mk(7, -8, 9, QuatFromRPY(2.9, -1.4, -3.0)),
	} {
		m := tc.ToMatrix()
		got, err := FromMatrix(m)
		if err != nil {
			t.Fatalf("FromMatrix(%v): %v", m, err)
		}
		if !vecNear(got.Translation, tc.Translation, tol) || !sameRotation(got.Rotation, tc.Rotation, tol) {
			t.Errorf("FromMatrix(ToMatrix(%v)) = %v", tc, got)
		}
	}
	// The rotation block of ToMatrix rotates like Apply.
	tr := mk(1, 2, 3, QuatFromRPY(0.3, 0.2, 0.1))
	m := tr.ToMatrix()
	p := r3.Vec{X: 0.5, Y: -2, Z: 4}
	got := r3.Vec{
		X: m[0]*p.X + m[1]*p.Y + m[2]*p.Z + m[3],
		Y: m[4]*p.X + m[5]*p.Y + m[6]*p.Z + m[7],
		Z: m[8]*p.X + m[9]*p.Y + m[10]*p.Z + m[11],
	}
	if want := tr.Apply(p); !vecNear(got, want, tol) {
		t.Errorf("matrix·p = %v, Apply(p) = %v", got, want)
	}
}

func TestFromMatrixRejects(t *testing.T) {
	id := Identity().ToMatrix()
	set := func(i int, v float64) [16]float64 { m := id; m[i] = v; return m }
	for name, m := range map[string][16]float64{
		"NaN":          set(5, math.NaN()),
		"Inf":          set(3, math.Inf(1)),
		"last row":     set(12, 0.5),
		"scaled":       set(0, 2),
		"sheared":      set(1, 0.3),
		"reflection":   set(10, -1),
		"homog weight": set(15, 2),
	} {
		if _, err := FromMatrix(m); !errors.Is(err, ErrInvalidMatrix) {
			t.Errorf("%s: FromMatrix error = %v, want ErrInvalidMatrix", name, err)
		}
	}
}

func TestSlerp(t *testing.T) {
	cases := []struct {
		name   string
		q0, q1 quat.Number
		s      float64
		want   quat.Number
	}{
		{"halfway 0→90° yaw is 45°", yaw(0), yaw(math.Pi / 2), 0.5, yaw(math.Pi / 4)},
		{"quarter 0→90° yaw is 22.5°", yaw(0), yaw(math.Pi / 2), 0.25, yaw(math.Pi / 8)},
		{"s=0", yaw(0.3), yaw(1.2), 0, yaw(0.3)},
		{"s=1", yaw(0.3), yaw(1.2), 1, yaw(1.2)},
		{"sign-flipped end takes the short way", yaw(0), quat.Scale(-1, yaw(math.Pi/2)), 0.5, yaw(math.Pi / 4)},
		// 170° to −170° is 20° through 180°, not 340° through 0°.
		{"across ±180°", yaw(170 * math.Pi / 180), yaw(-170 * math.Pi / 180), 0.5, yaw(math.Pi)},
		{"across ±180°, flipped", yaw(170 * math.Pi / 180), quat.Scale(-1, yaw(-170*math.Pi/180)), 0.5, yaw(math.Pi)},
		{"equal", yaw(1), yaw(1), 0.5, yaw(1)},
		{"nearly equal", yaw(1), yaw(1 + 1e-10), 0.5, yaw(1 + 0.5e-10)},
	}
	for _, tc := range cases {
		got := Slerp(tc.q0, tc.q1, tc.s)
		if !sameRotation(got, tc.want, tol) {
			t.Errorf("%s: Slerp = %v, want %v", tc.name, got, tc.want)
		}
		if n := quat.Abs(got); math.Abs(n-1) > tol {
			t.Errorf("%s: |Slerp| = %v, want 1", tc.name, n)
		}
	}
	a, b := mk(0, 0, 0, yaw(0)), mk(2, -4, 6, yaw(math.Pi/2))
	got := a.Interpolate(b, 0.5)
	if want := mk(1, -2, 3, yaw(math.Pi/4)); !transformNear(got, want, tol) {
		t.Errorf("Interpolate halfway = %v, want %v", got, want)
	}
	if _, _, y := RPY(got.Rotation); math.Abs(y-math.Pi/4) > tol {
		t.Errorf("Interpolate halfway yaw = %v°, want 45°", y*180/math.Pi)
	}
}

func TestRPY(t *testing.T) {
	for _, c := range [][3]float64{{0, 0, 0}, {0.1, 0.2, 0.3}, {-3, 1.5, 2.9}, {math.Pi / 2, 0, -math.Pi / 2}} {
		r, p, y := RPY(QuatFromRPY(c[0], c[1], c[2]))
		if math.Abs(r-c[0]) > 1e-9 || math.Abs(p-c[1]) > 1e-9 || math.Abs(y-c[2]) > 1e-9 {
			t.Errorf("RPY(QuatFromRPY(%v)) = %v %v %v", c, r, p, y)
		}
	}
	// setRPY order: R = Rz(yaw)·Ry(pitch)·Rx(roll).
	q := QuatFromRPY(0.3, 0.2, 0.1)
	want := quat.Mul(yaw(0.1), quat.Mul(QuatFromAxisAngle(r3.Vec{Y: 1}, 0.2), QuatFromAxisAngle(r3.Vec{X: 1}, 0.3)))
	if !sameRotation(q, want, tol) {
		t.Errorf("QuatFromRPY = %v, want %v", q, want)
	}
	if got := QuatFromAxisAngle(r3.Vec{}, 1); got != (quat.Number{Real: 1}) {
		t.Errorf("QuatFromAxisAngle(zero axis) = %v, want identity", got)
	}
	if got := QuatFromAxisAngle(r3.Vec{Z: 5}, math.Pi/2); !sameRotation(got, yaw(math.Pi/2), tol) {
		t.Errorf("QuatFromAxisAngle(non-unit axis) = %v", got)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in   quat.Number
		want quat.Number
		ok   bool
	}{
		{quat.Number{Real: 2}, quat.Number{Real: 1}, true},
		{quat.Number{Imag: 1e300, Jmag: 1e300}, quat.Number{Imag: math.Sqrt2 / 2, Jmag: math.Sqrt2 / 2}, true},
		{quat.Number{}, quat.Number{}, false},
		{quat.Number{Real: math.NaN()}, quat.Number{}, false},
		{quat.Number{Real: math.Inf(1)}, quat.Number{}, false},
	} {
		got, ok := normalize(tc.in)
		if ok != tc.ok || (ok && !sameRotation(got, tc.want, tol)) {
			t.Errorf("normalize(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatStamp(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0.000000000"},
		{1700000000123456789, "1700000000.123456789"},
		{5, "0.000000005"},
		{-1500000000, "-1.500000000"},
		{math.MinInt64, "-9223372036.854775808"},
	} {
		if got := FormatStamp(tc.in); got != tc.want {
			t.Errorf("FormatStamp(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
