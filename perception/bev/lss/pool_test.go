package lss

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
)

// bruteFloat64 pools in float64 straight from the definition, walking
// every frustum point and computing its cell afresh with brutePoint, and
// also returns Σ|terms| per output element for the tolerance.
func bruteFloat64(t *testing.T, g *Geometry, cams []bev.Camera, c int, depth, feat []float32) (sum, abs []float64) {
	t.Helper()
	cfg := g.Config
	plane := g.Cells()
	hw := g.FH * g.FW
	sum = make([]float64, c*plane)
	abs = make([]float64, c*plane)
	for n := range cams {
		for k := 0; k < g.D; k++ {
			for v := 0; v < g.FH; v++ {
				for u := 0; u < g.FW; u++ {
					idx := ((n*g.D+k)*g.FH+v)*g.FW + u
					p := brutePoint(cfg, &cams[n], k, v, u)
					cell := int32(-1)
					if p.Z >= cfg.ZMin && p.Z < cfg.ZMax {
						if i, j, ok := cfg.Grid.Cell(p.X, p.Y); ok {
							cell = int32(cfg.Grid.Offset(cfg.Layout, i, j))
						}
					}
					if fast := g.PointCells()[idx]; fast != cell && nearEdge(cfg, p, 1e-9) {
						cell = fast // rounding on an edge; TestGeometryBrute bounds how often
					}
					if cell < 0 {
						continue
					}
					w := float64(depth[idx])
					for ch := 0; ch < c; ch++ {
						term := w * float64(feat[(n*c+ch)*hw+v*g.FW+u])
						sum[ch*plane+int(cell)] += term
						abs[ch*plane+int(cell)] += math.Abs(term)
					}
				}
			}
		}
	}
	return sum, abs
}

// TestPoolBrute checks Pool and ScatterAdd against the float64 definition
// on random inputs: |got − want| ≤ 1e-4·Σ|terms| + 1e-7 per element.
func TestPoolBrute(t *testing.T) {
	simd := useSIMD
	defer func() { useSIMD = simd }()
	for _, tc := range []struct {
		ncam, c, workers int
		layout           bev.Layout
	}{
		{1, 5, 1, bev.LayoutYX},
		{3, 16, 2, bev.LayoutYX},
		{4, 7, 3, bev.LayoutXY},
		{6, 12, 0, bev.LayoutYX},
		{2, 44, 2, bev.LayoutYX},
		{2, 80, 2, bev.LayoutXY},
		{3, 72, 2, bev.LayoutYX},
		{1, 161, 2, bev.LayoutYX},
	} {
		for _, useSIMD = range []bool{simd, false} {
			cfg := testConfig()
			cfg.Layout = tc.layout
			cams := testRig(tc.ncam)
			g, err := NewGeometry(cfg, cams)
			if err != nil {
				t.Fatal(err)
			}
			depth, feat := RandomInputs(g, tc.c, uint64(tc.ncam))
			if tc.c == 80 {
				// Non-negative features: Σ|terms| = |sum|, so the bound
				// below is a plain 1e-4 relative tolerance.
				for i := range feat {
					feat[i] = float32(math.Abs(float64(feat[i])))
				}
			}
			want, abs := bruteFloat64(t, g, cams, tc.c, depth, feat)
			p, err := NewPooler(g, tc.c, tc.workers)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, p.OutputLen())
			for i := range got {
				got[i] = float32(math.NaN()) // every element must be written
			}
			for rep := 0; rep < 2; rep++ {
				if err := p.Pool(depth, feat, got); err != nil {
					t.Fatal(err)
				}
			}
			scat := make([]float32, len(got))
			if err := ScatterAdd(g, tc.c, depth, feat, scat); err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for i := range want {
				tol := 1e-4*abs[i] + 1e-7
				if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
					t.Fatalf("%d cams %v simd %v: Pool[%d] = %v, want %v (tol %g)", tc.ncam, tc.layout, useSIMD, i, got[i], want[i], tol)
				}
				if d := math.Abs(float64(scat[i]) - want[i]); !(d <= tol) {
					t.Fatalf("%d cams: ScatterAdd[%d] = %v, want %v", tc.ncam, i, scat[i], want[i])
				}
				if want[i] != 0 {
					nonzero++
				}
			}
			if nonzero < len(want)/20 {
				t.Errorf("%d cams: only %d of %d outputs non-zero", tc.ncam, nonzero, len(want))
			}
			p.Close()
			if err := p.Pool(depth, feat, got); !errors.Is(err, ErrClosed) {
				t.Errorf("closed pooler: %v", err)
			}
		}
	}
}

// TestPoolLayoutTranspose checks that LayoutXY is the transpose of
// LayoutYX on a non-square grid.
func TestPoolLayoutTranspose(t *testing.T) {
	cfg := testConfig()
	cfg.Grid = bev.Grid{XMin: -8, XMax: 12, YMin: -6, YMax: 6, Resolution: 0.5}
	cams := testRig(3)
	var outs [2][]float32
	const c = 4
	for li, l := range []bev.Layout{bev.LayoutYX, bev.LayoutXY} {
		cfg.Layout = l
		g, err := NewGeometry(cfg, cams)
		if err != nil {
			t.Fatal(err)
		}
		depth, feat := RandomInputs(g, c, 9)
		p, _ := NewPooler(g, c, 2)
		outs[li] = make([]float32, p.OutputLen())
		if err := p.Pool(depth, feat, outs[li]); err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	w, h := cfg.Grid.Width(), cfg.Grid.Height()
	for ch := 0; ch < c; ch++ {
		for j := 0; j < h; j++ {
			for i := 0; i < w; i++ {
				a := outs[0][ch*w*h+j*w+i]
				b := outs[1][ch*w*h+i*h+j]
				if a != b {
					t.Fatalf("c%d (%d,%d): yx %v, xy %v", ch, i, j, a, b)
				}
			}
		}
	}
}

func TestPoolNoAlloc(t *testing.T) {
	g, err := NewGeometry(testConfig(), testRig(2))
	if err != nil {
		t.Fatal(err)
	}
	depth, feat := RandomInputs(g, 8, 1)
	p, _ := NewPooler(g, 8, 2)
	defer p.Close()
	out := make([]float32, p.OutputLen())
	if a := testing.AllocsPerRun(20, func() { _ = p.Pool(depth, feat, out) }); a != 0 {
		t.Errorf("Pool allocates %v per call", a)
	}
	if err := p.Pool(depth[1:], feat, out); !errors.Is(err, ErrShape) {
		t.Errorf("short depth: %v", err)
	}
	if err := p.Pool(depth, feat, out[1:]); !errors.Is(err, ErrShape) {
		t.Errorf("short out: %v", err)
	}
}

// TestSoftmaxBrute checks SoftmaxDepth against a direct per-pixel softmax.
func TestSoftmaxBrute(t *testing.T) {
	const n, d, hw = 2, 9, 13
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, n*d*hw)
	for i := range x {
		x[i] = float32(20 * rng.NormFloat64())
	}
	orig := append([]float32(nil), x...)
	if err := SoftmaxDepth(x, n, d, hw); err != nil {
		t.Fatal(err)
	}
	for cam := 0; cam < n; cam++ {
		for p := 0; p < hw; p++ {
			var z float64
			for k := 0; k < d; k++ {
				z += math.Exp(float64(orig[(cam*d+k)*hw+p]) - 100)
			}
			var s float64
			for k := 0; k < d; k++ {
				want := math.Exp(float64(orig[(cam*d+k)*hw+p])-100) / z
				got := float64(x[(cam*d+k)*hw+p])
				if math.Abs(got-want) > 1e-6*want+1e-12 {
					t.Fatalf("cam %d px %d bin %d: %v, want %v", cam, p, k, got, want)
				}
				s += got
			}
			if math.Abs(s-1) > 1e-5 {
				t.Fatalf("sum %v", s)
			}
		}
	}
	// The pooler's parallel softmax gives the same bits.
	g, err := NewGeometry(testConfig(), testRig(2))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := NewPooler(g, 4, 2)
	defer p.Close()
	a := make([]float32, g.NCam*g.D*g.FH*g.FW)
	for i := range a {
		a[i] = float32(5 * rng.NormFloat64())
	}
	b := append([]float32(nil), a...)
	if err := SoftmaxDepth(a, g.NCam, g.D, g.FH*g.FW); err != nil {
		t.Fatal(err)
	}
	if err := p.SoftmaxDepth(b); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("parallel softmax [%d] = %v, want %v", i, b[i], a[i])
		}
	}
	if allocs := testing.AllocsPerRun(5, func() { _ = p.SoftmaxDepth(b) }); allocs != 0 {
		t.Errorf("Pooler.SoftmaxDepth allocates %v", allocs)
	}
	y := []float32{float32(math.Inf(1)), 0, float32(math.Inf(1))}
	if err := SoftmaxDepth(y, 1, 3, 1); err != nil || y[0] != 0.5 || y[1] != 0 || y[2] != 0.5 {
		t.Errorf("inf logits: %v %v", y, err)
	}
	nan := []float32{1, float32(math.NaN()), 2}
	if err := SoftmaxDepth(nan, 1, 3, 1); err != nil || !math.IsNaN(float64(nan[0])) || !math.IsNaN(float64(nan[2])) {
		t.Errorf("NaN logit: %v %v", nan, err)
	}
	if err := SoftmaxDepth(y, 1, 2, 1); !errors.Is(err, ErrShape) {
		t.Errorf("bad shape: %v", err)
	}
}

// TestPoolScattered pools a small geometry's uniform twin (points in random
// cells) through the gathered-weights path and checks it against
// ScatterAdd, the rig's own points through the direct one, with and
// without SIMD.
func TestPoolScattered(t *testing.T) {
	simd, step := useSIMD, scatteredStep
	defer func() { useSIMD, scatteredStep = simd, step }()
	scatteredStep = 1 << 10
	g, err := NewGeometry(testConfig(), testRig(5))
	if err != nil {
		t.Fatal(err)
	}
	for _, geom := range []*Geometry{UniformGeometry(g, 4), g} {
		for _, useSIMD = range []bool{simd, false} {
			const c = 80
			depth, feat := RandomInputs(geom, c, 2)
			p, err := NewPooler(geom, c, 2)
			if err != nil {
				t.Fatal(err)
			}
			if p.gathering != (geom != g) {
				t.Fatalf("gathering %v for the uniform twin %v", p.gathering, geom != g)
			}
			got, want := make([]float32, p.OutputLen()), make([]float32, p.OutputLen())
			if err := p.Pool(depth, feat, got); err != nil {
				t.Fatal(err)
			}
			p.Close()
			if err := ScatterAdd(geom, c, depth, feat, want); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*(math.Abs(float64(want[i]))+1)) {
					t.Fatalf("uniform %v simd %v: [%d] = %v, ScatterAdd %v", geom != g, useSIMD, i, got[i], want[i])
				}
			}
		}
	}
}

// TestSoftmaxSIMDMatchesPortable checks the vector exponential against
// math.Exp's portable path: each probability within 2 float32 ulps, on
// logits spread far (so that many underflow), blocks whose width is not a
// multiple of 4, and pixels with NaN, ±Inf or all −Inf logits, which take
// the portable path in either build.
func TestSoftmaxSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no AVX2 kernel on this machine") // the portable path is then all there is
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, hw := range []int{1, 3, 4, 13, 300, 704} {
		const n, d = 2, 118
		x := make([]float32, n*d*hw)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * []float64{0.01, 3, 30, 300}[i%4])
		}
		if hw >= 13 {
			// NaN pixels in a block of their own from hw 300 on (blocks are
			// 256 pixels), where the vector path takes them; +Inf and all
			// −Inf pixels send their block to the portable exponential.
			far := 7
			if hw >= 300 {
				far = 260
			}
			x[5] = float32(math.NaN())        // pixel 5 of camera 0 all NaN
			x[3*hw+6] = float32(math.NaN())   // pixel 6 too, from a later bin
			x[2*hw+9] = float32(math.Inf(-1)) // pixel 9: one bin impossible
			x[hw+far] = float32(math.Inf(1))  // +Inf shares the mass
			for k := range d {
				x[(d+k)*hw+far+4] = float32(math.Inf(-1)) // camera 1: a pixel all −Inf
			}
		}
		a, b := slices.Clone(x), slices.Clone(x)
		if err := SoftmaxDepth(a, n, d, hw); err != nil {
			t.Fatal(err)
		}
		useSIMD = false
		err := SoftmaxDepth(b, n, d, hw)
		useSIMD = true
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			va, vb := a[i], b[i]
			if va != va || vb != vb {
				if va == va || vb == vb {
					t.Fatalf("hw %d [%d]: %v, portable %v", hw, i, va, vb)
				}
				continue
			}
			if d := math.Abs(float64(va) - float64(vb)); d > 2*ulp32(vb) {
				t.Fatalf("hw %d [%d]: %v, portable %v (%g ulps)", hw, i, va, vb, d/ulp32(vb))
			}
		}
	}
}

// ulp32 is the spacing of float32 values at v (the smallest denormal's at 0).
func ulp32(v float32) float64 {
	v = float32(math.Abs(float64(v)))
	return float64(math.Nextafter32(v, float32(math.Inf(1))) - v)
}
