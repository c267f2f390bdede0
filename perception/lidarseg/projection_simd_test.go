package lidarseg

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestRangeAnglesSIMDMatchesPortable compares the AVX2 range, pitch sine
// and pseudo-angle with the portable loop bit for bit, on random points
// and on the special ones: on an axis, signed zeros, straight up, huge,
// tiny, NaN and infinite coordinates.
func TestRangeAnglesSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-30, -1e-30, 3e38, -3e38, inf, -inf, nan, 0.5, -7.25}
	const n = 4099 // not a multiple of 8: the tail takes the portable loop
	xs, ys, zs := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		if i < 600 {
			xs[i], ys[i], zs[i] = special[i%len(special)], special[(i/len(special))%len(special)], special[(i/7)%len(special)]
			continue
		}
		xs[i], ys[i], zs[i] = float32(rng.NormFloat64()*20), float32(rng.NormFloat64()*20), float32(rng.NormFloat64()*2)
	}
	run := func(simd bool) ([]float32, []float64, []float64) {
		defer func(v bool) { useSIMD = v }(useSIMD)
		useSIMD = simd
		rs, q, a := make([]float32, n), make([]float64, n), make([]float64, n)
		rangeAngles(xs, ys, zs, rs, q, a)
		return rs, q, a
	}
	r1, q1, a1 := run(true)
	r0, q0, a0 := run(false)
	for i := range n {
		same32 := math.Float32bits(r1[i]) == math.Float32bits(r0[i])
		same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) || (x != x && y != y) }
		if !same32 || !same(q1[i], q0[i]) || !same(a1[i], a0[i]) {
			t.Fatalf("point %d (%g, %g, %g): AVX2 r %g q %g a %g, portable r %g q %g a %g", i, xs[i], ys[i], zs[i], r1[i], q1[i], a1[i], r0[i], q0[i], a0[i])
		}
	}
}

// TestFillTensorSIMDMatchesPortable projects sweeps with the AVX2 tensor
// fill and with the portable loop and compares the tensors bit for bit:
// widths that are and are not multiples of 8 (the tail takes the portable
// loop), and a tensor off the 32-byte alignment; every value is written.
func TestFillTensorSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	for _, c := range []struct {
		h, w, offset int
	}{{64, 2048, 0}, {32, 1024, 0}, {16, 1000, 0}, {64, 2048, 1}, {8, 20, 0}} {
		cloud := SyntheticSweep(c.h, c.w, 3)
		run := func(simd bool) []float32 {
			defer func(v bool) { useSIMD = v }(useSIMD)
			useSIMD = simd
			cfg := SweepConfig()
			cfg.Height, cfg.Width = c.h, c.w
			p, err := NewProjector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]float32, p.TensorLen()+c.offset)
			for i := range buf {
				buf[i] = float32(math.NaN()) // every value must be written
			}
			tensor := buf[c.offset:]
			if _, err := p.Project(cloud, tensor); err != nil {
				t.Fatal(err)
			}
			return tensor
		}
		got, want := run(true), run(false)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d×%d offset %d: value %d (channel %d) AVX2 %v, portable %v", c.h, c.w, c.offset, i, i/(c.h*c.w), got[i], want[i])
			}
		}
	}
}

// TestPixelsSIMDMatchesPortable projects clouds with the AVX2 look-ups and
// pixel fill and with the portable loops and compares every output, each
// after a sweep through the same projector: random points,
// points on the axes and at signed zeros (y = ±0 takes its column from the
// signs), NaN, infinite and zero ranges, and counts that are not multiples
// of 4 (the tail is portable).
func TestPixelsSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 on this CPU")
	}
	if off := unsafe.Offsetof(pixTables{}.four); off != 304 || unsafe.Offsetof(pixTables{}.colBins) != 208 || unsafe.Offsetof(pixTables{}.maxRange) != 224 {
		t.Fatalf("pixTables moved (four at %d): the assembly reads it by offset", off)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	special := []float32{0, negz, 1, -1, 3e-39, 2.5, -40, inf, -inf, nan, 3e38}
	for _, n := range []int{1, 3, 4, 255, 257, 5001} {
		c := Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n), Intensity: make([]float32, n)}
		for i := range n {
			if i%3 == 0 {
				c.X[i], c.Y[i], c.Z[i] = special[rng.IntN(len(special))], special[rng.IntN(len(special))], special[rng.IntN(len(special))]
			} else {
				c.X[i], c.Y[i], c.Z[i] = float32(rng.NormFloat64()*20), float32(rng.NormFloat64()*20), float32(rng.NormFloat64()*3-1)
			}
			c.Intensity[i] = float32(i % 100)
		}
		run := func(simd bool) *Projection {
			defer func(v bool) { useSIMD = v }(useSIMD)
			useSIMD = simd
			p, err := NewProjector(SweepConfig())
			if err != nil {
				t.Fatal(err)
			}
			// A sweep first: what it leaves in the scatter images must be
			// gone for the next cloud.
			if _, err := p.Project(SyntheticSweep(64, 2048, 9), nil); err != nil {
				t.Fatal(err)
			}
			out, err := p.Project(c, make([]float32, p.TensorLen()))
			if err != nil && !errors.Is(err, ErrNoPoints) {
				t.Fatal(err)
			}
			cp := *out
			cp.PointU, cp.PointV, cp.PointRange = slices.Clone(out.PointU), slices.Clone(out.PointV), slices.Clone(out.PointRange)
			cp.PixelPoint, cp.PixelRange, cp.Mask = slices.Clone(out.PixelPoint), slices.Clone(out.PixelRange), slices.Clone(out.Mask)
			return &cp
		}
		got, want := run(true), run(false)
		if got.Projected != want.Projected {
			t.Fatalf("n %d: %d projected, portable %d", n, got.Projected, want.Projected)
		}
		for i := range n {
			if got.PointU[i] != want.PointU[i] || got.PointV[i] != want.PointV[i] || math.Float32bits(got.PointRange[i]) != math.Float32bits(want.PointRange[i]) {
				t.Fatalf("n %d point %d (%g, %g, %g): u %d v %d r %g, portable u %d v %d r %g", n, i, c.X[i], c.Y[i], c.Z[i],
					got.PointU[i], got.PointV[i], got.PointRange[i], want.PointU[i], want.PointV[i], want.PointRange[i])
			}
		}
		if !slices.Equal(got.PixelPoint, want.PixelPoint) || !slices.Equal(got.PixelRange, want.PixelRange) || !slices.Equal(got.Mask, want.Mask) {
			t.Fatalf("n %d: pixel points, ranges or mask differ", n)
		}
	}
}
