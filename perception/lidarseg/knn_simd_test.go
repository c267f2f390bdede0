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

// TestKNNUniformShortcut checks the pixel-row kernel's shortcut (eight
// windows of one real class take that class without a vote) against the
// portable vote on lidar-bonnetal's sweep with realistic labels, where about
// a quarter of the blocks are uniform, and with uniform blocks of class 0 and
// of a label that is not a class (both must go through the vote).
func TestKNNUniformShortcut(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	_, proj, pix, err := SweepScene(LabelsRealistic)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{"realistic", "class 0 and not a class"} {
		labels := append([]uint16(nil), pix...)
		if variant != "realistic" {
			for y := 10; y < 30; y++ {
				for x := 100; x < 400; x++ {
					labels[y*SweepWidth+x] = 0
					labels[y*SweepWidth+x+1000] = SweepClasses + 3
				}
			}
		}
		// Blocks whose windows (5 rows × 12 columns, image borders as
		// class 0) are one real class.
		uniform := 0
		for y := 0; y < SweepHeight; y++ {
			for x0 := 0; x0 < SweepWidth; x0 += 8 {
				l, ok := labels[y*SweepWidth+x0], true
				for dy := -2; dy <= 2 && ok; dy++ {
					for dx := -2; dx < 10 && ok; dx++ {
						yy, xx := y+dy, x0+dx
						ok = yy >= 0 && yy < SweepHeight && xx >= 0 && xx < SweepWidth && labels[yy*SweepWidth+xx] == l
					}
				}
				if ok && l != 0 && l < SweepClasses {
					uniform++
				}
			}
		}
		if uniform < SweepHeight*SweepWidth/8/5 {
			t.Fatalf("%s: %d uniform blocks: the shortcut is hardly exercised", variant, uniform)
		}
		run := func(simd, rows bool) []uint16 {
			kn, err := NewKNN(DefaultKNNConfig(), SweepClasses, SweepHeight, SweepWidth)
			if err != nil {
				t.Fatal(err)
			}
			kn.simd, kn.pixelRows = simd, rows
			out := make([]uint16, proj.NumPoints())
			if err := kn.Apply(out, proj, labels); err != nil {
				t.Fatal(err)
			}
			return out
		}
		rows, portable := run(true, true), run(false, false)
		for i := range rows {
			if rows[i] != portable[i] {
				t.Fatalf("%s: point %d class %d by pixel rows, %d portable", variant, i, rows[i], portable[i])
			}
		}
		t.Logf("%s: %d uniform blocks of %d, every point's class equal", variant, uniform, SweepHeight*SweepWidth/8)
	}
}

// TestKNNShortcutSeesEveryLabel puts, for each of the 60 labels a block's
// windows read, one pixel of a lower class at a pixel's own range in an
// otherwise one-class image whose other ranges are all beyond the cutoff:
// that pixel's vote is a tie its class wins, so a shortcut that missed the
// label would give the block's class instead.
func TestKNNShortcutSeesEveryLabel(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	const h, w, x0, y, a, b = 8, 32, 8, 3, 7, 3
	n := h * w
	base := &Projection{Height: h, Width: w, PixelPoint: make([]int32, n), PixelRange: make([]float32, n), Mask: make([]uint8, n),
		PointU: make([]int32, n), PointV: make([]int32, n), PointRange: make([]float32, n), Projected: n}
	for i := range n {
		// 7·row + column mod 29 differs from the centre's everywhere in a
		// 5×5 window: 5 m apart, beyond the 1 m cutoff.
		r := float32(5 + 5*((7*(i/w)+i%w)%29))
		base.PixelPoint[i], base.PixelRange[i], base.Mask[i] = int32(i), r, 1
		base.PointU[i], base.PointV[i], base.PointRange[i] = int32(i%w), int32(i/w), r
	}
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx < 10; dx++ {
			proj := *base
			proj.PixelRange = append([]float32(nil), base.PixelRange...)
			proj.PointRange = append([]float32(nil), base.PointRange...)
			labels := make([]uint16, n)
			for i := range labels {
				labels[i] = a
			}
			// The block's pixel whose window holds (y+dy, x0+dx), and that label.
			p := y*w + min(max(x0+dx, x0), x0+7)
			q := (y+dy)*w + x0 + dx
			if q == p {
				continue // its own pixel: no tie to win
			}
			labels[q] = b
			proj.PixelRange[q], proj.PointRange[q] = proj.PixelRange[p], proj.PointRange[p]
			kn, err := NewKNN(DefaultKNNConfig(), 20, h, w)
			if err != nil {
				t.Fatal(err)
			}
			if !kn.pixelRows {
				t.Fatal("no pixel rows")
			}
			out := make([]uint16, n)
			if err := kn.Apply(out, &proj, labels); err != nil {
				t.Fatal(err)
			}
			if out[p] != b {
				t.Errorf("label at row %+d, column %+d of the block: pixel %d got class %d, want %d", dy, dx, p, out[p], b)
			}
		}
	}
}

// TestArgmaxSIMDMatchesPortable compares the AVX2 argmax with the portable
// loop: ties, NaN (class 0 included, and pixels all NaN), ±Inf, class
// counts 1 to 300, pixel counts around the kernel's 32 and the workers'
// chunks, without and with class offsets (some making ties).
func TestArgmaxSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
	for _, classes := range []int{1, 2, 3, 20, 300} {
		for _, pixels := range []int{31, 32, 33, 100, 64 * 2048} {
			scores := make([]float32, classes*pixels)
			for i := range scores {
				switch rng.IntN(10) {
				case 0:
					scores[i] = specials[rng.IntN(len(specials))]
				case 1, 2, 3:
					scores[i] = float32(rng.IntN(4)) // ties
				default:
					scores[i] = rng.Float32()*20 - 10
				}
			}
			for c := range classes { // one pixel all NaN
				scores[c*pixels+pixels/2] = float32(math.NaN())
			}
			offset := make([]float32, classes)
			for c := range offset {
				offset[c] = float32(rng.IntN(5)) - 2 // integers: ties survive
			}
			run := func(simd bool, off []float32) []uint16 {
				a := NewArgmax()
				a.useSIMD = simd
				dst := make([]uint16, pixels)
				if err := a.RunOffset(dst, scores, classes, off); err != nil {
					t.Fatal(err)
				}
				return dst
			}
			for _, off := range [][]float32{nil, offset} {
				got, want := run(true, off), run(false, off)
				for p := range got {
					if got[p] != want[p] {
						t.Fatalf("%d classes, %d pixels, offsets %v: pixel %d class %d by AVX2, %d portable", classes, pixels, off != nil, p, got[p], want[p])
					}
				}
			}
			got := run(true, nil)
			if got[pixels/2] != 0 {
				t.Errorf("%d classes: a pixel all NaN got class %d", classes, got[pixels/2])
			}
		}
	}
}
