package warp

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

func randomMap(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := make([]float32, n)
	for i := range m {
		m[i] = float32(rng.NormFloat64())
	}
	return m
}

// at returns map m's value at channel ch, cell (i, j), or 0 outside.
func at(m []float32, g bev.Grid, l bev.Layout, ch, i, j int) float32 {
	if i < 0 || i >= g.Width() || j < 0 || j >= g.Height() {
		return 0
	}
	return m[ch*g.Cells()+g.Offset(l, i, j)]
}

// TestWarpTranslationWholeCells: the ego drives 3 cells forward and 2
// cells left, so a static feature moves 3 cells back and 2 right in the
// current frame; values must shift exactly.
func TestWarpTranslationWholeCells(t *testing.T) {
	g := bev.Grid{XMin: -6, XMax: 6, YMin: -4, YMax: 4, Resolution: 0.4}
	for _, l := range []bev.Layout{bev.LayoutYX, bev.LayoutXY} {
		const c = 3
		prev := randomMap(c*g.Cells(), 2)
		odomPrev := tf.Transform{Translation: r3.Vec{X: 10, Y: 5}, Rotation: tf.QuatFromRPY(0, 0, 0)}
		odomNow := tf.Transform{Translation: r3.Vec{X: 10 + 3*0.4, Y: 5 + 2*0.4}, Rotation: tf.QuatFromRPY(0, 0, 0)}
		out, err := Warp(prev, c, g, l, EgoMotion(odomPrev, odomNow))
		if err != nil {
			t.Fatal(err)
		}
		for ch := 0; ch < c; ch++ {
			for j := 0; j < g.Height(); j++ {
				for i := 0; i < g.Width(); i++ {
					want := at(prev, g, l, ch, i+3, j+2)
					if got := at(out, g, l, ch, i, j); got != want {
						t.Fatalf("%v c%d (%d,%d): %v, want %v", l, ch, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestWarpRotation90: the ego yaws +90° in place on a square grid centred
// on it, so the previous point (x, y) is at (y, −x) now.
func TestWarpRotation90(t *testing.T) {
	g := bev.Grid{XMin: -4, XMax: 4, YMin: -4, YMax: 4, Resolution: 0.5}
	const c = 2
	prev := randomMap(c*g.Cells(), 3)
	odomPrev := tf.Transform{Translation: r3.Vec{X: 1, Y: 2}, Rotation: tf.QuatFromRPY(0, 0, 0.3)}
	odomNow := tf.Transform{Translation: r3.Vec{X: 1, Y: 2}, Rotation: tf.QuatFromRPY(0, 0, 0.3+math.Pi/2)}
	out, err := Warp(prev, c, g, bev.LayoutYX, EgoMotion(odomPrev, odomNow))
	if err != nil {
		t.Fatal(err)
	}
	w := g.Width()
	for ch := 0; ch < c; ch++ {
		for j := 0; j < g.Height(); j++ {
			for i := 0; i < w; i++ {
				// now (x', y') came from prev (−y', x'): column W−1−j, row i.
				want := at(prev, g, bev.LayoutYX, ch, w-1-j, i)
				if got := at(out, g, bev.LayoutYX, ch, i, j); math.Abs(float64(got-want)) > 1e-6 {
					t.Fatalf("c%d (%d,%d): %v, want %v", ch, i, j, got, want)
				}
			}
		}
	}
}

// TestWarpBrute compares the table-driven warp with a direct bilinear
// sample per cell and channel for a general motion.
func TestWarpBrute(t *testing.T) {
	g := bev.Grid{XMin: -5, XMax: 7, YMin: -3, YMax: 5, Resolution: 0.5}
	const c = 4
	prev := randomMap(c*g.Cells(), 4)
	now := tf.Transform{Translation: r3.Vec{X: 0.37, Y: -0.81, Z: 0.05}, Rotation: tf.QuatFromRPY(0, 0, 0.23)}
	wp, err := New(g, bev.LayoutXY)
	if err != nil {
		t.Fatal(err)
	}
	if err := wp.SetMotion(now); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(prev))
	if err := wp.Warp(prev, c, out); err != nil {
		t.Fatal(err)
	}
	inv := now.Inverse()
	nonzero := 0
	for ch := 0; ch < c; ch++ {
		for j := 0; j < g.Height(); j++ {
			for i := 0; i < g.Width(); i++ {
				x, y := g.Center(i, j)
				p := inv.Apply(r3.Vec{X: x, Y: y})
				fx := (p.X-g.XMin)/g.Resolution - 0.5
				fy := (p.Y-g.YMin)/g.Resolution - 0.5
				var want float64
				for ii := int(math.Floor(fx)); ii <= int(math.Floor(fx))+1; ii++ {
					for jj := int(math.Floor(fy)); jj <= int(math.Floor(fy))+1; jj++ {
						wgt := (1 - math.Abs(fx-float64(ii))) * (1 - math.Abs(fy-float64(jj)))
						want += wgt * float64(at(prev, g, bev.LayoutXY, ch, ii, jj))
					}
				}
				got := at(out, g, bev.LayoutXY, ch, i, j)
				if math.Abs(float64(got)-want) > 1e-5 {
					t.Fatalf("c%d (%d,%d): %v, want %v", ch, i, j, got, want)
				}
				if got != 0 {
					nonzero++
				}
			}
		}
	}
	if nonzero < len(out)/2 {
		t.Errorf("only %d of %d cells non-zero", nonzero, len(out))
	}
	if a := testing.AllocsPerRun(5, func() { _ = wp.Warp(prev, c, out) }); a != 0 {
		t.Errorf("Warp allocates %v", a)
	}
	if err := wp.Warp(prev[1:], c, out); !errors.Is(err, ErrShape) {
		t.Errorf("short prev: %v", err)
	}
	if err := wp.SetMotion(tf.Transform{Translation: r3.Vec{X: math.NaN()}, Rotation: now.Rotation}); !errors.Is(err, ErrMotion) {
		t.Errorf("NaN motion: %v", err)
	}
	fresh, _ := New(g, bev.LayoutYX)
	if err := fresh.Warp(prev, c, out); !errors.Is(err, ErrMotion) {
		t.Errorf("Warp before SetMotion: %v", err)
	}
	var ce *configerr.Error
	if err := wp.Warp(prev, 0, out); !errors.As(err, &ce) || ce.Param != "channels" || ce.Value != 0 || ce.Reason != "must be > 0" {
		t.Errorf("0 channels: %v", err)
	}
	if _, err := New(g, bev.Layout(7)); !errors.As(err, &ce) || ce.Param != "layout" || ce.Value != bev.Layout(7) {
		t.Errorf("layout 7: %v", err)
	}
	if _, err := New(bev.Grid{XMax: 1, YMax: 1}, bev.LayoutYX); !errors.As(err, &ce) || ce.Param != "bev.Grid.Resolution" || !errors.Is(err, configerr.ErrInvalid) {
		t.Errorf("zero resolution: %v", err)
	}
}

// BenchmarkWarp warps an 80-channel 256×256 map (BEVFusion's grid).
func BenchmarkWarp(b *testing.B) {
	g := bev.BEVFusionGrid
	const c = 80
	prev := randomMap(c*g.Cells(), 5)
	out := make([]float32, len(prev))
	wp, _ := New(g, bev.LayoutYX)
	m := tf.Transform{Translation: r3.Vec{X: 0.7, Y: 0.1}, Rotation: tf.QuatFromRPY(0, 0, 0.02)}
	b.ReportAllocs()
	for b.Loop() {
		if err := wp.SetMotion(m); err != nil {
			b.Fatal(err)
		}
		if err := wp.Warp(prev, c, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
