package camera

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// FuzzModel builds models from arbitrary calibrations: construction either
// fails with a typed error or gives a model whose Undistort, when it
// returns a value, projects back onto the pixel.
func FuzzModel(f *testing.F) {
	f.Add(uint8(0), 500.0, 320.0, -0.28, 0.07, 0.001, 0.01, 100.0, 50.0)
	f.Add(uint8(1), 700.0, 640.0, 0.2, 0.05, 0.45, 0.0005, 3.0, 700.0)
	f.Add(uint8(2), 286.0, 416.0, -0.0066, 0.0418, -0.0389, 0.0069, 848.0, 0.0)
	f.Fuzz(func(t *testing.T, model uint8, fx, cx, a, b, c, d, u, v float64) {
		names := []string{PlumbBob, RationalPolynomial, Equidistant, None}
		name := names[int(model)%len(names)]
		var coeffs []float64
		switch name {
		case PlumbBob:
			coeffs = []float64{a, b, c / 100, d / 100, c * d}
		case RationalPolynomial:
			coeffs = []float64{a, b, c / 100, d / 100, a * b, c, d, a * d}
		case Equidistant:
			coeffs = []float64{a, b, c, d}
		}
		m, err := FromCameraInfo(640, 480, name, coeffs, [9]float64{fx, 0, cx, 0, fx, 240, 0, 0, 1})
		if err != nil {
			if _, ok := err.(*CalibrationError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		x, y := m.Undistort(u, v)
		r := m.Ray(u, v)
		if math.IsNaN(x) || math.IsNaN(y) {
			return
		}
		if pu, pv, ok := m.Project(r3.Vec{X: x, Y: y, Z: 1}); ok {
			// Newton stops at a 1e-9 residual in normalised units.
			if tol := 1e-8 * (1 + m.Fx); math.Abs(pu-u) > tol || math.Abs(pv-v) > tol {
				t.Fatalf("%s %v: pixel %v,%v → %v,%v → %v,%v", name, coeffs, u, v, x, y, pu, pv)
			}
		}
		if math.IsNaN(r.X) {
			t.Fatalf("Ray NaN where Undistort is not: %v,%v", u, v)
		}
	})
}
