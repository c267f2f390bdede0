package bev

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"gonum.org/v1/gonum/spatial/r3"
)

func TestGridSize(t *testing.T) {
	for _, tc := range []struct {
		g    Grid
		w, h int
	}{
		{BEVFusionGrid, 256, 256},
		{Grid{XMin: -54, XMax: 54, YMin: -54, YMax: 54, Resolution: 0.3}, 360, 360},
		{Grid{XMin: 0, XMax: 10, YMin: -2, YMax: 2, Resolution: 0.5}, 20, 8},
		{Grid{XMin: 0, XMax: 10.1, YMin: 0, YMax: 1, Resolution: 0.5}, 21, 2},
	} {
		if err := tc.g.Validate(); err != nil {
			t.Fatalf("%+v: %v", tc.g, err)
		}
		if tc.g.Width() != tc.w || tc.g.Height() != tc.h {
			t.Errorf("%+v: %d×%d, want %d×%d", tc.g, tc.g.Width(), tc.g.Height(), tc.w, tc.h)
		}
	}
}

func TestGridValidate(t *testing.T) {
	for _, tc := range []struct {
		g      Grid
		param  string
		reason string
	}{
		{Grid{XMax: 1, YMax: 1}, "bev.Grid.Resolution", "must be > 0 m"},
		{Grid{XMax: 1, YMax: 1, Resolution: math.NaN()}, "bev.Grid.Resolution", "not finite"},
		{Grid{XMin: 1, XMax: 1, YMax: 1, Resolution: 0.1}, "bev.Grid.XMax", "must exceed XMin 1"},
		{Grid{XMax: 1, YMin: 2, YMax: 1, Resolution: 0.1}, "bev.Grid.YMax", "must exceed YMin 2"},
		{Grid{XMin: math.Inf(-1), XMax: 1, YMax: 1, Resolution: 0.1}, "bev.Grid.XMin", "not finite"},
		{Grid{XMax: 1e4, YMax: 1e4, Resolution: 0.1}, "bev.Grid.Resolution", "gives 100000×100000 cells, more than 16777216"},
	} {
		err := tc.g.Validate()
		var ce *configerr.Error
		if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) || ce.Param != tc.param || ce.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s: %s", tc.g, err, tc.param, tc.reason)
		}
	}
}

// TestGridCellBrute checks Cell and Index against a brute-force search over
// all cell rectangles.
func TestGridCellBrute(t *testing.T) {
	g := Grid{XMin: -3, XMax: 5, YMin: -2, YMax: 2, Resolution: 0.5}
	w, h := g.Width(), g.Height()
	rng := rand.New(rand.NewPCG(1, 2))
	pts := [][2]float64{{-3, -2}, {5, 0}, {0, 2}, {4.999, 1.999}, {math.NaN(), 0}, {0, math.Inf(1)}, {-3.0001, 0}}
	for k := 0; k < 2000; k++ {
		pts = append(pts, [2]float64{-4 + 10*rng.Float64(), -3 + 6*rng.Float64()})
	}
	for _, p := range pts {
		want := -1
		for j := 0; j < h; j++ {
			for i := 0; i < w; i++ {
				x0, y0 := g.XMin+float64(i)*g.Resolution, g.YMin+float64(j)*g.Resolution
				if p[0] >= x0 && p[0] < x0+g.Resolution && p[1] >= y0 && p[1] < y0+g.Resolution {
					want = j*w + i
				}
			}
		}
		got, ok := g.Index(p[0], p[1])
		if got != want || ok != (want >= 0) {
			t.Errorf("Index(%v) = %d %v, want %d", p, got, ok, want)
		}
		if ok {
			i, j, _ := g.Cell(p[0], p[1])
			cx, cy := g.Center(i, j)
			if math.Abs(cx-p[0]) > g.Resolution/2+1e-12 || math.Abs(cy-p[1]) > g.Resolution/2+1e-12 {
				t.Errorf("Center(%d,%d) = %v,%v too far from %v", i, j, cx, cy, p)
			}
		}
	}
	if x, y := g.Origin(); x != -3 || y != -2 {
		t.Errorf("Origin = %v,%v", x, y)
	}
	if g.Offset(LayoutYX, 3, 2) != 2*w+3 || g.Offset(LayoutXY, 3, 2) != 3*h+2 {
		t.Error("Offset")
	}
}

func TestInvert3Brute(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 100; k++ {
		var m [9]float64
		for i := range m {
			m[i] = rng.NormFloat64()
		}
		inv, ok := Invert3(m)
		if !ok {
			continue
		}
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				var s float64
				for l := 0; l < 3; l++ {
					s += m[3*i+l] * inv[3*l+j]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(s-want) > 1e-8 {
					t.Fatalf("m·inv[%d][%d] = %v", i, j, s)
				}
			}
		}
	}
	if _, ok := Invert3([9]float64{1, 2, 3, 2, 4, 6, 0, 0, 1}); ok {
		t.Error("singular matrix inverted")
	}
}

func TestCameraValidateAndFingerprint(t *testing.T) {
	c := Camera{Name: "front", Width: 1600, Height: 900, Fx: 1266, Fy: 1266, Cx: 816, Cy: 491,
		Aug:       ResizeCrop(0.48, 0.48, 32, 176),
		Extrinsic: [16]float64{0, 0, 1, 1.5, -1, 0, 0, 0, 0, -1, 0, 1.6, 0, 0, 0, 1}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	f0 := Fingerprint([]Camera{c}, 1, 2)
	if Fingerprint([]Camera{c}, 1, 2) != f0 {
		t.Error("fingerprint not deterministic")
	}
	c2 := c
	c2.Extrinsic[3] += 1e-9
	if Fingerprint([]Camera{c2}, 1, 2) == f0 || Fingerprint([]Camera{c}, 1, 3) == f0 {
		t.Error("fingerprint missed a change")
	}
	for _, mod := range []func(*Camera) string{
		func(c *Camera) string { c.Fx = 0; return "Fx" },
		func(c *Camera) string { c.Width = 0; return "Width" },
		func(c *Camera) string { c.D = []float64{0.1}; return "Lens" },
		func(c *Camera) string { c.Aug = [9]float64{1, 0, 0, 2, 0, 0, 0, 0, 1}; return "Aug" },
		func(c *Camera) string { c.Extrinsic[0] = 2; return "Extrinsic" },
	} {
		b := c
		field := mod(&b)
		var ce *CameraError
		if err := b.Validate(); !errors.As(err, &ce) || ce.Field != field || !errors.Is(err, ErrInvalidCamera) {
			t.Errorf("want %s error, got %v", field, err)
		}
	}
	p := c.LensModel()
	u, v, ok := p.Project(r3.Vec{X: 0.3, Y: -0.2, Z: 4})
	x, y := p.Undistort(u, v)
	if !ok || math.Abs(x-0.075) > 1e-12 || math.Abs(y+0.05) > 1e-12 {
		t.Errorf("pinhole round trip %v %v", x, y)
	}
}

func TestMaxRadius2(t *testing.T) {
	c := Camera{Name: "c", Width: 200, Height: 100, Fx: 100, Fy: 50, Cx: 99.5, Cy: 49.5}
	// Corners at (±100/100, ±50/50): r² = 1 + 1.
	if got := c.MaxRadius2(); math.Abs(got-2) > 1e-12 {
		t.Errorf("pinhole MaxRadius2 = %v, want 2", got)
	}
}
