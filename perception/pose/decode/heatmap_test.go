package decode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

func TestArgmaxAgainstBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for trial := range 400 {
		w, h := 1+r.IntN(40), 1+r.IntN(30)
		if trial%3 == 0 { // past the 256 blocks of one vector pass
			w, h = 64+r.IntN(200), 64+r.IntN(120)
		}
		m := make([]float32, w*h)
		for i := range m {
			m[i] = float32(r.IntN(5)) // many ties
		}
		switch trial % 7 {
		case 0:
			m[r.IntN(len(m))] = nan
		case 1: // NaNs and infinities everywhere, the maximum in a late block
			for i := range m {
				switch r.IntN(4) {
				case 0:
					m[i] = nan
				case 1:
					m[i] = -inf
				}
			}
			m[len(m)-1-r.IntN(min(len(m), 70))] = 7
		case 2: // nothing above −∞
			for i := range m {
				m[i] = [2]float32{nan, -inf}[r.IntN(2)]
			}
		case 3:
			m[r.IntN(len(m))] = inf
		}
		bi, bv := -1, float32(math.Inf(-1))
		for i, v := range m {
			if v > bv {
				bi, bv = i, v
			}
		}
		bi = max(bi, 0) // nothing above −∞: (0, 0), as documented
		x, y, v := Argmax(m, w, h)
		if y*w+x != bi || v != bv {
			t.Fatalf("trial %d %d×%d: Argmax (%d,%d)=%g, brute index %d=%g", trial, w, h, x, y, v, bi, bv)
		}
	}
}

func TestSubPixelGaussianRecovered(t *testing.T) {
	const w, h, k = 48, 64, 3
	r := rand.New(rand.NewPCG(5, 6))
	dark, err := NewDARK(11)
	if err != nil {
		t.Fatal(err)
	}
	hm := make([]float32, k*w*h)
	out := make([]pose.Keypoint, k)
	worstDark, worstQ := 0.0, 0.0
	for range 100 {
		clear(hm)
		var want [k][2]float64
		for j := range k {
			// mmpose's training target at 64×48: σ = 2, kept 6 cells from the border.
			want[j] = [2]float64{6 + r.Float64()*(w-12), 6 + r.Float64()*(h-12)}
			GaussianBlob(hm[j*w*h:(j+1)*w*h], w, h, want[j][0], want[j][1], 2, 0.9)
		}
		dark.Decode(hm, k, w, h, out)
		for j := range k {
			worstDark = max(worstDark, math.Hypot(float64(out[j].X)-want[j][0], float64(out[j].Y)-want[j][1]))
			if out[j].Score > 0.9 || out[j].Score < 0.75 {
				t.Fatalf("DARK score %g, want the heatmap maximum", out[j].Score)
			}
		}
		ArgmaxQuarter(hm, k, w, h, out)
		for j := range k {
			worstQ = max(worstQ, math.Abs(float64(out[j].X)-want[j][0]), math.Abs(float64(out[j].Y)-want[j][1]))
		}
	}
	t.Logf("worst error: DARK %.4f cells, argmax+quarter %.4f cells per axis", worstDark, worstQ)
	if worstDark > 0.1 {
		t.Fatalf("DARK error %.4f > 0.1 cell", worstDark)
	}
	// Argmax+quarter: rounding leaves ≤ 0.5, the quarter step ≤ 0.25 (+ tie slack).
	if worstQ > 0.25+1e-6 {
		t.Fatalf("argmax+quarter error %.4f > 0.25 cell", worstQ)
	}
}

// bruteDARK is the twin of DARK.Decode for one heatmap, written from mmpose's
// definition with the same 1-D kernel: a direct 2-D blur of the whole map
// with zero padding, rescaled by the global maxima, floored at 1e-10, logged, then the Newton step, all
// in float64.
func bruteDARK(m []float32, w, h, kernel int) (float64, float64) {
	r := kernel / 2
	g := gaussianKernel(kernel) // checked against OpenCV by TestDARKAgainstMMPose
	b := make([]float64, w*h)
	bmax, omax := 0.0, math.Inf(-1)
	px, py := 0, 0
	for y := range h {
		for x := range w {
			if float64(m[y*w+x]) > omax {
				omax, px, py = float64(m[y*w+x]), x, y
			}
			s := 0.0
			for ty := -r; ty <= r; ty++ {
				for tx := -r; tx <= r; tx++ {
					xx, yy := x+tx, y+ty
					if xx >= 0 && xx < w && yy >= 0 && yy < h {
						s += g[tx+r] * g[ty+r] * float64(m[yy*w+xx])
					}
				}
			}
			b[y*w+x] = s
			bmax = max(bmax, s)
		}
	}
	L := func(x, y int) float64 { return math.Log(max(b[y*w+x]*omax/bmax, 1e-10)) }
	if !(px > 1 && px < w-2 && py > 1 && py < h-2) {
		return float64(px), float64(py)
	}
	dx := 0.5 * (L(px+1, py) - L(px-1, py))
	dy := 0.5 * (L(px, py+1) - L(px, py-1))
	dxx := 0.25 * (L(px+2, py) - 2*L(px, py) + L(px-2, py))
	dyy := 0.25 * (L(px, py+2) - 2*L(px, py) + L(px, py-2))
	dxy := 0.25 * (L(px+1, py+1) - L(px+1, py-1) - L(px-1, py+1) + L(px-1, py-1))
	det := dxx*dyy - dxy*dxy
	if det == 0 {
		return float64(px), float64(py)
	}
	// Solve H·o = −∇ by Cramer's rule.
	ox := (-dx*dyy + dy*dxy) / det
	oy := (-dy*dxx + dx*dxy) / det
	return float64(px) + ox, float64(py) + oy
}

func TestDARKAgainstBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	// 24×20: most maxima within a kernel of the border; 72×64: most inside.
	// Kernel 1: no blur; 17 and 31: windows past the small border buffer.
	for _, size := range [][3]int{{24, 20, 40}, {72, 64, 6}} {
		w, h := size[0], size[1]
		for _, kernel := range []int{11, 7, 3, 1, 17, 31} {
			dark, _ := NewDARK(kernel)
			for trial := range size[2] {
				m := make([]float32, w*h)
				// A peak, a weaker second mode and noise; some near the border.
				GaussianBlob(m, w, h, r.Float64()*float64(w), r.Float64()*float64(h), 1.5+r.Float64()*2, 1)
				GaussianBlob(m, w, h, r.Float64()*float64(w), r.Float64()*float64(h), 1.5, 0.3)
				for i := range m {
					m[i] += float32(r.Float64() * 0.02)
				}
				var out [1]pose.Keypoint
				dark.Decode(m, 1, w, h, out[:])
				bx, by := bruteDARK(m, w, h, kernel)
				// The step itself, before the float32 keypoint: the blur's
				// passes (paired taps, vector or portable, zero-padded window
				// near the border) and the logs of ratios differ from the
				// direct 2-D sum only by float64 rounding (measured 5e-15).
				px, py, pv := Argmax(m, w, h)
				ox, oy := dark.offset(m, w, h, px, py, float64(pv))
				if math.Abs(float64(px)+ox-bx) > 1e-10 || math.Abs(float64(py)+oy-by) > 1e-10 {
					t.Fatalf("%d×%d kernel %d trial %d: DARK step to (%.15g,%.15g), brute (%.15g,%.15g)", w, h, kernel, trial, float64(px)+ox, float64(py)+oy, bx, by)
				}
				// Tolerance: float32 input, float64 arithmetic in both.
				if math.Abs(float64(out[0].X)-bx) > 1e-4 || math.Abs(float64(out[0].Y)-by) > 1e-4 {
					t.Fatalf("%d×%d kernel %d trial %d: DARK (%g,%g), brute (%g,%g)", w, h, kernel, trial, out[0].X, out[0].Y, bx, by)
				}
			}
		}
	}
}

// TestDARKBlurPassesPortable checks the vector blur passes against the
// portable ones: the same products and sums in the same order, so equal up
// to the fused multiply-adds a GOAMD64=v3 build may give the portable code.
func TestDARKBlurPassesPortable(t *testing.T) {
	const w, h = 50, 44
	rng := rand.New(rand.NewPCG(41, 42))
	m := make([]float32, w*h)
	for i := range m {
		m[i] = rng.Float32()*2 - 0.5
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-14*max(math.Abs(a), math.Abs(b), 1) }
	for _, kernel := range []int{1, 3, 11, 17, 31} {
		r := kernel / 2
		g := gaussianKernel(kernel)
		for range 20 {
			// Rows r..h−5−r, columns 0..w−4: the reads stay in the map.
			p := (r+rng.IntN(h-4-2*r))*w + rng.IntN(w-3)
			var got, want [5 * 7]float64
			vblur4(m, p, w, g, r, got[:], 7)
			vblur4Go(m, p, w, g, r, want[:], 7)
			for i := range got {
				if !near(got[i], want[i]) {
					t.Fatalf("kernel %d vertical pass at %d: %v, portable %v", kernel, p, got, want)
				}
			}
			cols := 5 + 2*r
			v5 := make([]float64, 5*cols)
			for i := range v5 {
				v5[i] = rng.Float64()
			}
			var h6, h6w [24]float64
			hblur6(v5, cols, g, r, &h6)
			hblur6Go(v5, cols, g, r, &h6w)
			for i := range h6 {
				if !near(h6[i], h6w[i]) {
					t.Fatalf("kernel %d six horizontal passes: %v, portable %v", kernel, h6, h6w)
				}
			}
		}
	}
}

func TestSoftArgmaxKnown(t *testing.T) {
	const w, h = 9, 7
	// Two masses: 1 at (2,3) and 3 at (6,3): expectation x = (2+18)/4 = 5.
	m := make([]float32, w*h)
	m[3*w+2], m[3*w+6] = 1, 3
	m[0] = -5 // negative values carry no mass without softmax
	var out [1]pose.Keypoint
	SoftArgmax(m, 1, w, h, false, 1, out[:])
	if math.Abs(float64(out[0].X)-5) > 1e-6 || math.Abs(float64(out[0].Y)-3) > 1e-6 || out[0].Score != 3 {
		t.Fatalf("normalised: %+v, want (5, 3) score 3", out[0])
	}
	// Softmax over logits ln 1 and ln 3 with the rest at −1e4: the same 1:3 weights.
	for i := range m {
		m[i] = -1e4
	}
	m[3*w+2], m[3*w+6] = 0, float32(math.Log(3))
	SoftArgmax(m, 1, w, h, true, 1, out[:])
	if math.Abs(float64(out[0].X)-5) > 1e-5 || math.Abs(float64(out[0].Y)-3) > 1e-5 {
		t.Fatalf("softmax: %+v, want (5, 3)", out[0])
	}
	// Temperature 2 squares the weights: 1:9 → x = (2+54)/10 = 5.6.
	SoftArgmax(m, 1, w, h, true, 2, out[:])
	if math.Abs(float64(out[0].X)-5.6) > 1e-5 {
		t.Fatalf("softmax β=2: x %g, want 5.6", out[0].X)
	}
	// A symmetric Gaussian far from the borders: its sub-cell centre.
	const W, H = 40, 40
	g := make([]float32, W*H)
	GaussianBlob(g, W, H, 17.3, 21.8, 2, 1)
	SoftArgmax(g, 1, W, H, false, 1, out[:])
	if math.Abs(float64(out[0].X)-17.3) > 1e-4 || math.Abs(float64(out[0].Y)-21.8) > 1e-4 {
		t.Fatalf("Gaussian: (%g,%g), want (17.3, 21.8)", out[0].X, out[0].Y)
	}
	// No positive mass: centre, score 0.
	clear(m)
	SoftArgmax(m, 1, w, h, false, 1, out[:])
	if out[0] != (pose.Keypoint{X: 4, Y: 3}) {
		t.Fatalf("empty map: %+v", out[0])
	}
}

func TestHeatmapDecoderScalesToInput(t *testing.T) {
	const n, k, w, h = 2, pose.NumKeypoints, 48, 64
	data := make([]float32, n*k*w*h)
	for i := range n {
		for j := range k {
			GaussianBlob(data[(i*k+j)*w*h:(i*k+j+1)*w*h], w, h, float64(10+j), float64(20+i), 2, 1)
		}
	}
	outs := []Tensor{{Name: "heatmaps", Shape: []int{n, k, h, w}, Data: data}}
	for _, name := range []string{"heatmap", "dark", "integral"} {
		d, err := New(name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		people, err := d.Decode(outs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != n {
			t.Fatalf("%s: %d people", name, len(people))
		}
		for i, p := range people {
			if p.Box != [4]float32{0, 0, 192, 256} || math.Abs(float64(p.Score)-1) > 1e-6 {
				t.Fatalf("%s: person %d box %v score %g", name, i, p.Box, p.Score)
			}
			for j, kp := range p.Keypoints {
				// 192/48 = 256/64 = 4 input pixels per cell.
				if math.Abs(float64(kp.X)-4*float64(10+j)) > 1e-3 || math.Abs(float64(kp.Y)-4*float64(20+i)) > 1e-3 || kp.Visibility != pose.Visible {
					t.Fatalf("%s: person %d keypoint %d = %+v", name, i, j, kp)
				}
			}
		}
		if a := testing.AllocsPerRun(5, func() { people, _ = d.Decode(outs, people) }); a != 0 {
			t.Fatalf("%s allocates %v per decode", name, a)
		}
	}
}

func BenchmarkDARKDecoder(b *testing.B) {
	for _, n := range []int{1, 5} {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			const k, w, h = pose.NumKeypoints, 48, 64
			r := rand.New(rand.NewPCG(1, 1))
			hm := make([]float32, n*k*w*h)
			for j := range n * k {
				GaussianBlob(hm[j*w*h:(j+1)*w*h], w, h, 5+r.Float64()*38, 5+r.Float64()*54, 2, 1)
			}
			d, _ := New("dark", Config{})
			outs := []Tensor{{Shape: []int{n, k, h, w}, Data: hm}}
			var people []pose.Person
			b.ReportAllocs()
			for b.Loop() {
				people, _ = d.Decode(outs, people)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n)/1e6, "ms/person")
		})
	}
}
