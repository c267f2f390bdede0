package lidarseg

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKNNSIMDMatchesPortable runs the AVX2 window selection and the
// portable one on the same scenes, K 1..8, with and without the cutoff, on
// ranges quantised to 10 cm so that many window distances tie (ties go to
// the lower window position in both), on empty pixels and at the image's
// borders: every point's class must agree.
func TestKNNSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	const classes = 7
	for seed := uint64(1); seed <= 4; seed++ {
		proj, pix := randomScene(t, seed, 16, 64, 2500, classes)
		if seed%2 == 0 {
			rng := rand.New(rand.NewPCG(seed, 3))
			for i, r := range proj.PixelRange {
				if r > 0 {
					proj.PixelRange[i] = float32(math.Round(float64(r)*10) / 10)
				}
				if rng.IntN(5) == 0 {
					proj.PixelRange[i] = -1 // empty
				}
			}
			for i, r := range proj.PointRange {
				if r > 0 {
					proj.PointRange[i] = float32(math.Round(float64(r)*10) / 10)
				}
			}
		}
		for k := 1; k <= 8; k++ {
			for _, cutoff := range []float64{1, -1, 0.05} {
				cfg := KNNConfig{K: k, Search: 5, Sigma: 1, Cutoff: cutoff}
				run := func(simd bool) []uint16 {
					kn, err := NewKNN(cfg, classes, 16, 64)
					if err != nil {
						t.Fatal(err)
					}
					kn.simd = simd
					out := make([]uint16, proj.NumPoints())
					if err := kn.Apply(out, proj, pix); err != nil {
						t.Fatal(err)
					}
					return out
				}
				fast, portable := run(true), run(false)
				differ := 0
				for i := range fast {
					if fast[i] != portable[i] {
						differ++
					}
				}
				if differ > 0 {
					t.Fatalf("seed %d K %d cutoff %g: %d of %d points differ between AVX2 and portable", seed, k, cutoff, differ, len(fast))
				}
			}
		}
	}
}

// TestModeBytes compares the packed-byte vote with the plain one on label
// sets of 1 to 8 with many repeats, zeros and labels up to 255.
func TestModeBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for range 20000 {
		ls := make([]uint16, 1+rng.IntN(8))
		pool := []uint16{0, uint16(rng.IntN(256)), uint16(rng.IntN(256)), 255, 1}
		for i := range ls {
			ls[i] = pool[rng.IntN(len(pool))]
		}
		if got, want := modeBytes(ls), mode(ls); got != want {
			t.Fatalf("labels %v: %d, want %d", ls, got, want)
		}
	}
}

// TestKNNPixelRowsMatch compares the eight-pixels-at-a-time vote
// (knnRow8AVX2, which the points shown at their pixel take) with the
// per-point AVX2 selection and the portable one: scenes whose widths are
// and are not multiples of 8 (the last columns take the per-point path),
// ranges quantised so that distances tie, empty pixels, cutoffs on and
// off, and many classes (labels above 255).
func TestKNNPixelRowsMatch(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	for _, c := range []struct{ h, w, classes int }{{16, 64, 7}, {12, 61, 20}, {8, 9, 300}, {64, 256, 20}} {
		for seed := uint64(1); seed <= 3; seed++ {
			proj, pix := randomScene(t, seed, c.h, c.w, c.h*c.w*6/5, c.classes)
			if seed == 2 {
				for i, r := range proj.PixelRange {
					if r > 0 {
						proj.PixelRange[i] = float32(math.Round(float64(r)*4) / 4)
					}
				}
				for i, r := range proj.PointRange {
					if r > 0 {
						proj.PointRange[i] = float32(math.Round(float64(r)*4) / 4)
					}
				}
			}
			for _, cutoff := range []float64{1, -1, 0.05} {
				cfg := KNNConfig{K: 5, Search: 5, Sigma: 1, Cutoff: cutoff}
				run := func(simd, rows bool) []uint16 {
					kn, err := NewKNN(cfg, c.classes, c.h, c.w)
					if err != nil {
						t.Fatal(err)
					}
					if rows && !kn.pixelRows {
						t.Fatalf("%d×%d: no pixel rows", c.h, c.w)
					}
					kn.simd, kn.pixelRows = simd, rows
					out := make([]uint16, proj.NumPoints())
					if err := kn.Apply(out, proj, pix); err != nil {
						t.Fatal(err)
					}
					return out
				}
				rows, points, portable := run(true, true), run(true, false), run(false, false)
				for i := range rows {
					if rows[i] != points[i] || rows[i] != portable[i] {
						t.Fatalf("%d×%d seed %d cutoff %g: point %d class %d by pixel rows, %d per point, %d portable", c.h, c.w, seed, cutoff, i, rows[i], points[i], portable[i])
					}
				}
			}
		}
	}
}
