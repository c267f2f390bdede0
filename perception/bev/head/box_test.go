package head

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rasterIoU is the brute-force twin of BEVIoU: it samples an n×n grid of
// cell centres over the union of both boxes' bounding squares and counts
// the samples inside each box.
func rasterIoU(a, b Box, n int) float64 {
	inside := func(bx Box, x, y float64) bool {
		s, c := math.Sincos(bx.Yaw)
		dx, dy := x-bx.X, y-bx.Y
		u, v := c*dx+s*dy, -s*dx+c*dy
		return math.Abs(u) <= bx.L/2 && math.Abs(v) <= bx.W/2
	}
	ra := math.Hypot(a.L, a.W) / 2
	rb := math.Hypot(b.L, b.W) / 2
	x0, x1 := math.Min(a.X-ra, b.X-rb), math.Max(a.X+ra, b.X+rb)
	y0, y1 := math.Min(a.Y-ra, b.Y-rb), math.Max(a.Y+ra, b.Y+rb)
	var inter, union int
	for i := range n {
		x := x0 + (float64(i)+0.5)*(x1-x0)/float64(n)
		for j := range n {
			y := y0 + (float64(j)+0.5)*(y1-y0)/float64(n)
			ia, ib := inside(a, x, y), inside(b, x, y)
			if ia && ib {
				inter++
			}
			if ia || ib {
				union++
			}
		}
	}
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func TestBEVIoUExact(t *testing.T) {
	oct := 2 * (math.Sqrt2 - 1) // unit square ∩ the same square turned 45°
	cases := []struct {
		name string
		a, b Box
		want float64
	}{
		{"identical", Box{X: 3, Y: -2, L: 4, W: 2, Yaw: 0.3}, Box{X: 3, Y: -2, L: 4, W: 2, Yaw: 0.3}, 1},
		{"half-turn is the same rectangle", Box{L: 4, W: 2, Yaw: 0.3}, Box{L: 4, W: 2, Yaw: 0.3 + math.Pi}, 1},
		{"square quarter-turn", Box{L: 2, W: 2}, Box{L: 2, W: 2, Yaw: math.Pi / 2}, 1},
		{"unit squares shifted by half", Box{L: 1, W: 1}, Box{X: 0.5, L: 1, W: 1}, 0.5 / 1.5},
		{"diagonal shift", Box{L: 2, W: 2}, Box{X: 1, Y: 1, L: 2, W: 2}, 1.0 / 7},
		{"square and turned square", Box{L: 1, W: 1}, Box{L: 1, W: 1, Yaw: math.Pi / 4}, oct / (2 - oct)},
		{"cross", Box{L: 4, W: 1}, Box{L: 4, W: 1, Yaw: math.Pi / 2}, 1.0 / 7},
		{"contained", Box{L: 4, W: 4}, Box{X: 0.5, L: 1, W: 1, Yaw: 1}, 1.0 / 16},
		{"touching edges", Box{L: 1, W: 1}, Box{X: 1, L: 1, W: 1}, 0},
		{"apart", Box{L: 1, W: 1}, Box{X: 5, L: 1, W: 1}, 0},
		{"zero width", Box{L: 1, W: 0}, Box{L: 1, W: 1}, 0},
		{"NaN size", Box{L: math.NaN(), W: 1}, Box{L: 1, W: 1}, 0},
	}
	for _, c := range cases {
		got := BEVIoU(c.a, c.b)
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: IoU %.15f, want %.15f", c.name, got, c.want)
		}
		if rev := BEVIoU(c.b, c.a); math.Abs(rev-got) > 1e-12 {
			t.Errorf("%s: IoU not symmetric: %g vs %g", c.name, got, rev)
		}
	}
}

// TestBEVIoURasterTwin checks the exact polygon IoU against a 400×400
// raster on random box pairs; the raster's error is about one sample row
// along each edge, so the tolerance is 0.015 absolute.
func TestBEVIoURasterTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, tol = 400, 0.015
	overlapping := 0
	for i := range 40 {
		a := Box{X: rng.Float64()*2 - 1, Y: rng.Float64()*2 - 1, L: 0.5 + rng.Float64()*4, W: 0.3 + rng.Float64()*2, Yaw: rng.Float64()*2*math.Pi - math.Pi}
		b := Box{X: rng.Float64()*2 - 1, Y: rng.Float64()*2 - 1, L: 0.5 + rng.Float64()*4, W: 0.3 + rng.Float64()*2, Yaw: rng.Float64()*2*math.Pi - math.Pi}
		got, want := BEVIoU(a, b), rasterIoU(a, b, n)
		if math.Abs(got-want) > tol {
			t.Errorf("pair %d: %+v %+v: exact %.4f, raster %.4f", i, a, b, got, want)
		}
		if got > 0 {
			overlapping++
		}
		if inter := BEVIntersection(a, b); inter > math.Min(a.L*a.W, b.L*b.W)+1e-9 {
			t.Errorf("pair %d: intersection %g larger than the smaller box", i, inter)
		}
	}
	if overlapping < 20 {
		t.Fatalf("only %d of 40 random pairs overlap: the test does not exercise the clipper", overlapping)
	}
}

func TestCornersCounterClockwise(t *testing.T) {
	b := Box{X: 1, Y: 2, L: 4, W: 2, Yaw: math.Pi / 2}
	c := b.Corners()
	want := [4][2]float64{{0, 4}, {0, 0}, {2, 0}, {2, 4}}
	for i := range 4 {
		if math.Abs(c[i][0]-want[i][0]) > 1e-12 || math.Abs(c[i][1]-want[i][1]) > 1e-12 {
			t.Fatalf("corners %v, want %v", c, want)
		}
	}
	p := poly{n: 4}
	copy(p.p[:], c[:])
	if a := p.area(); math.Abs(a-8) > 1e-12 {
		t.Fatalf("signed area %g, want +8 (counter-clockwise)", a)
	}
}
