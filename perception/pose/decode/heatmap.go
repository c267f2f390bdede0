package decode

import (
	"math"
	"sync"

	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/internal/par"
)

// Argmax returns the cell (x, y) of the largest value of the h×w heatmap hm
// (the first in row-major order on ties) and that value; NaNs never win, and
// a map without a number greater than −∞ gives (0, 0, −∞).
func Argmax(hm []float32, w, h int) (x, y int, v float32) {
	hm = hm[:w*h]
	if i, v, ok := argmaxAVX(hm); ok {
		if i < 0 {
			return 0, 0, v
		}
		return i % w, i / w, v
	}
	best := float32(math.Inf(-1))
	bb := -1
	// Eight independent scalar lanes per 64-value block; the block that
	// first raised the maximum is searched for its index afterwards.
	b := 0
	for ; b+64 <= len(hm); b += 64 {
		blk := hm[b : b+64 : b+64]
		m0, m1, m2, m3, m4, m5, m6, m7 := best, best, best, best, best, best, best, best
		for j := 0; j < 64; j += 8 {
			q := blk[j : j+8 : j+8]
			if q[0] > m0 {
				m0 = q[0]
			}
			if q[1] > m1 {
				m1 = q[1]
			}
			if q[2] > m2 {
				m2 = q[2]
			}
			if q[3] > m3 {
				m3 = q[3]
			}
			if q[4] > m4 {
				m4 = q[4]
			}
			if q[5] > m5 {
				m5 = q[5]
			}
			if q[6] > m6 {
				m6 = q[6]
			}
			if q[7] > m7 {
				m7 = q[7]
			}
		}
		if m := max(max(m0, m1, m2, m3), max(m4, m5, m6, m7)); m > best {
			best, bb = m, b
		}
	}
	for i := b; i < len(hm); i++ {
		if hm[i] > best {
			best, bb = hm[i], b
		}
	}
	if bb < 0 {
		return 0, 0, best
	}
	for j, q := range hm[bb:] {
		if q == best {
			return (bb + j) % w, (bb + j) / w, best
		}
	}
	return 0, 0, best
}

// ArgmaxQuarter decodes the k heatmaps of one person (hm is [k,h,w]) into
// out[:k] in heatmap cells: the argmax moved a quarter cell toward the higher
// neighbour on each axis (SimpleBaseline), score = the maximum.
func ArgmaxQuarter(hm []float32, k, w, h int, out []pose.Keypoint) {
	for j := range k {
		out[j] = argmaxQuarter(hm[j*w*h:(j+1)*w*h], w, h)
	}
}

func argmaxQuarter(m []float32, w, h int) pose.Keypoint {
	x, y, v := Argmax(m, w, h)
	fx, fy := float32(x), float32(y)
	// The bounds of mmpose's refine_keypoints (x = 1 and y = 1 included in
	// neither).
	if x > 1 && x < w-1 {
		fx += quarter(m[y*w+x+1] - m[y*w+x-1])
	}
	if y > 1 && y < h-1 {
		fy += quarter(m[(y+1)*w+x] - m[(y-1)*w+x])
	}
	return pose.Keypoint{X: fx, Y: fy, Score: v}
}

// finite returns s, or 0 when s is NaN or infinite (a map without numbers).
func finite(s float32) float32 {
	if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
		return 0
	}
	return s
}

func quarter(d float32) float32 {
	switch {
	case d > 0:
		return 0.25
	case d < 0:
		return -0.25
	}
	return 0
}

// DARK decodes heatmaps distribution-aware (Zhang et al., CVPR 2020) as
// mmpose 1.x's refine_keypoints_dark does: each heatmap is smoothed with the
// Gaussian kernel OpenCV's GaussianBlur uses for size Kernel and σ = 0 (see
// gaussianKernel; zero outside the map), rescaled to keep its maximum,
// floored at 1e-10 and logged; one Newton step −H⁻¹∇ on the log at the
// argmax gives the sub-cell offset. The smoothing is evaluated only at
// the cells the step reads (the 3×3 around the argmax and the four two cells
// away on the axes); the rescaling uses the smoothed maximum over the 3×3
// cells instead of the whole map, which changes the log by a constant and
// so the step not at all unless the floor is reached (when it is not, the
// differences of logs are taken as logs of ratios: five logarithms instead
// of thirteen).
// A DARK is read-only after NewDARK and safe for concurrent use.
type DARK struct {
	kernel []float64 // normalised 1-D Gaussian, length 2r+1
	r      int
}

// NewDARK returns a DARK decoder for an odd kernel size ≥ 1.
func NewDARK(kernel int) (*DARK, error) {
	if kernel < 1 || kernel%2 == 0 || kernel > 31 {
		return nil, configErr("NewDARK kernel", kernel, "want odd 1..31")
	}
	g := gaussianKernel(kernel)
	r := kernel / 2
	return &DARK{kernel: g, r: r}, nil
}

// gaussianKernel returns the normalised 1-D Gaussian of odd size n that
// OpenCV's GaussianBlur applies at σ = 0 (getGaussianKernel): fixed binomial-
// like tables for n ≤ 9 (OpenCV 4.x; mmpose's default kernels 3..9 hit
// them), else exp(−t²/2σ²) with σ = 0.3·((n−1)/2 − 1) + 0.8. The tables
// differ from the σ formula by up to 0.022 (n = 3).
func gaussianKernel(n int) []float64 {
	var tab []float64
	switch n {
	case 1:
		tab = []float64{1}
	case 3:
		tab = []float64{1, 2, 1}
	case 5:
		tab = []float64{1, 4, 6, 4, 1}
	case 7:
		tab = []float64{2, 7, 14, 18, 14, 7, 2}
	case 9:
		tab = []float64{4, 13, 30, 51, 60, 51, 30, 13, 4}
	}
	g := make([]float64, n)
	if tab != nil {
		copy(g, tab)
	} else {
		r := n / 2
		sigma := 0.3*(float64(n-1)*0.5-1) + 0.8
		for i := range g {
			t := float64(i - r)
			g[i] = math.Exp(-t * t / (2 * sigma * sigma))
		}
	}
	s := 0.0
	for _, v := range g {
		s += v
	}
	for i := range g {
		g[i] /= s
	}
	return g
}

// Decode decodes the k heatmaps of one person (hm is [k,h,w]) into out[:k] in
// heatmap cells; score = the heatmap maximum. Keypoints within two cells of
// the border keep their integer argmax, as in mmpose.
func (d *DARK) Decode(hm []float32, k, w, h int, out []pose.Keypoint) {
	for j := range k {
		out[j] = d.one(hm[j*w*h:(j+1)*w*h], w, h)
	}
}

func (d *DARK) one(m []float32, w, h int) pose.Keypoint {
	x, y, v := Argmax(m, w, h)
	ox, oy := d.offset(m, w, h, x, y, float64(v))
	return pose.Keypoint{X: float32(float64(x) + ox), Y: float32(float64(y) + oy), Score: v}
}

// offset returns the Newton step at cell (x, y) of heatmap m.
func (d *DARK) offset(m []float32, w, h, x, y int, peak float64) (float64, float64) {
	if !(x > 1 && x < w-2 && y > 1 && y < h-2) || !(peak > 0) {
		return 0, 0
	}
	// The smoothed map at the 3×3 cells around (x, y) and the four cells two
	// away on the axes, b[2][2] at (x, y): all the Newton step reads.
	var b [5][5]float64
	r := d.r
	if x-2-r >= 0 && x+2+r < w && y-2-r >= 0 && y+2+r < h {
		d.blurInterior(m, w, x, y, &b)
	} else {
		d.blurBorder(m, w, h, x, y, &b)
	}
	return newtonStep(&b, peak)
}

// blurInterior fills b (see offset) when the kernel's support around all of
// its cells lies inside the w-wide map m: a vertical pass over the 5+2r columns in
// groups of four (the last group overlapping the one before), then a
// horizontal pass four outputs at a time. Both pair the taps at ±t, which
// have the same weight (the kernel is symmetric), halving the products.
func (d *DARK) blurInterior(m []float32, w, x, y int, b *[5][5]float64) {
	r := d.r
	g := d.kernel
	cols := 5 + 2*r
	// v[ry·cols + c] = Σ_t g[t]·m(x−2−r+c, y−2+ry+t−r) for ry < 5, c < cols.
	var vbuf [5 * (5 + 30)]float64
	v := vbuf[:5*cols]
	p := (y-2)*w + x - 2 - r
	for c := 0; ; c += 4 {
		c = min(c, cols-4)
		vblur4(m, p+c, w, g, r, v[c:], cols)
		if c == cols-4 {
			break
		}
	}
	var o [24]float64
	hblur6(v, cols, g, r, &o)
	b[2][0], b[2][1], b[2][2], b[2][3], b[2][4] = o[0], o[1], o[2], o[3], o[7]
	b[1][1], b[1][2], b[1][3] = o[9], o[10], o[11]
	b[3][1], b[3][2], b[3][3] = o[13], o[14], o[15]
	b[0][2], b[4][2] = o[18], o[22]
}

// hblur6Go is the portable hblur6: hblur4Go at the six starts of v
// (cols wide) that DARK reads, into out[4i : 4i+4]: row 2 from columns 0
// and 1, rows 1, 3, 0 and 4 from column 0.
func hblur6Go(v []float64, cols int, g []float64, r int, out *[24]float64) {
	for i, s := range [6]int{2 * cols, 2*cols + 1, cols, 3 * cols, 0, 4 * cols} {
		hblur4Go(v[s:], g, r, (*[4]float64)(out[4*i:4*i+4]))
	}
}

// vblur4Go is the portable vblur4: for row k < 5 and lane l < 4, with
// c = p + k·w + l, out[k·ostride + l] = g[r]·m[c] + Σ_{t=1..r}
// g[r−t]·(m[c−t·w] + m[c+t·w]), in float64, rounded in that order.
func vblur4Go(m []float32, p, w int, g []float64, r int, out []float64, ostride int) {
	gc := g[r]
	for k := range 5 {
		c := p + k*w
		q := m[c : c+4 : c+4]
		a0, a1, a2, a3 := gc*float64(q[0]), gc*float64(q[1]), gc*float64(q[2]), gc*float64(q[3])
		for t := 1; t <= r; t++ {
			gt := g[r-t]
			up := m[c-t*w : c-t*w+4 : c-t*w+4]
			dn := m[c+t*w : c+t*w+4 : c+t*w+4]
			a0 += gt * (float64(up[0]) + float64(dn[0]))
			a1 += gt * (float64(up[1]) + float64(dn[1]))
			a2 += gt * (float64(up[2]) + float64(dn[2]))
			a3 += gt * (float64(up[3]) + float64(dn[3]))
		}
		o := out[k*ostride : k*ostride+4 : k*ostride+4]
		o[0], o[1], o[2], o[3] = a0, a1, a2, a3
	}
}

// hblur4Go is the portable hblur4: for lane l < 4, out[l] = g[r]·v[r+l] +
// Σ_{t=1..r} g[r−t]·(v[r+l−t] + v[r+l+t]), rounded in that order.
func hblur4Go(v []float64, g []float64, r int, out *[4]float64) {
	v = v[:2*r+4]
	gc := g[r]
	a0, a1, a2, a3 := gc*v[r], gc*v[r+1], gc*v[r+2], gc*v[r+3]
	for t := 1; t <= r; t++ {
		gt := g[r-t]
		a0 += gt * (v[r-t] + v[r+t])
		a1 += gt * (v[r+1-t] + v[r+1+t])
		a2 += gt * (v[r+2-t] + v[r+2+t])
		a3 += gt * (v[r+3-t] + v[r+3+t])
	}
	out[0], out[1], out[2], out[3] = a0, a1, a2, a3
}

// blurBorder fills b (see offset) near the border: the window the blur
// reads, copied with zeros outside the map (OpenCV's BORDER_CONSTANT, as
// mmpose pads), goes through blurInterior's passes.
func (d *DARK) blurBorder(m []float32, w, h, x, y int, b *[5][5]float64) {
	n := 5 + 2*d.r
	// A buffer for the common kernels (≤ 15) that is cheap to zero.
	if n <= 19 {
		var buf [19 * 19]float32
		d.blurPadded(buf[:n*n], m, w, h, x, y, b)
		return
	}
	var buf [35 * 35]float32
	d.blurPadded(buf[:n*n], m, w, h, x, y, b)
}

// blurPadded copies the n×n window centred on (x, y) into win (zero,
// n = 5+2r, outside the map) and blurs it there.
func (d *DARK) blurPadded(win []float32, m []float32, w, h, x, y int, b *[5][5]float64) {
	r := d.r
	n := 5 + 2*r
	x0, y0 := x-2-r, y-2-r
	c0, c1 := max(0, -x0), min(n, w-x0) // window columns inside the map
	for i := max(0, -y0); i < min(n, h-y0); i++ {
		copy(win[i*n+c0:i*n+c1], m[(y0+i)*w+x0+c0:(y0+i)*w+x0+c1])
	}
	d.blurInterior(win, n, 2+r, 2+r, b)
}

// newtonStep returns −H⁻¹∇ of the log of the smoothed map rescaled so that
// its maximum over the 3×3 cells of b is peak and floored at 1e-10 (b as in
// offset); (0, 0) where the Hessian is singular or not a number.
func newtonStep(b *[5][5]float64, peak float64) (float64, float64) {
	bmax, bmin := 0.0, math.Inf(1)
	for ry := 1; ry <= 3; ry++ {
		for rx := 1; rx <= 3; rx++ {
			bmax = max(bmax, b[ry][rx])
			bmin = min(bmin, b[ry][rx])
		}
	}
	if !(bmax > 0) {
		return 0, 0
	}
	bmin = min(bmin, b[2][0], b[2][4], b[0][2], b[4][2])
	c := peak / bmax
	var dx, dy, dxx, dyy, dxy float64
	if bmin*c > 1e-10 && !math.IsInf(bmax*c, 0) {
		// No value floored: differences of logs as logs of ratios, five
		// logarithms instead of thirteen (the rescaling cancels).
		b22 := b[2][2]
		dx = 0.5 * math.Log(b[2][3]/b[2][1])
		dy = 0.5 * math.Log(b[3][2]/b[1][2])
		dxx = 0.25 * math.Log(b[2][4]/b22*(b[2][0]/b22))
		dyy = 0.25 * math.Log(b[4][2]/b22*(b[0][2]/b22))
		dxy = 0.25 * math.Log(b[3][3]/b[1][3]*(b[1][1]/b[3][1]))
	} else {
		l := func(ry, rx int) float64 { return math.Log(max(b[ry][rx]*c, 1e-10)) }
		l22 := l(2, 2)
		dx = 0.5 * (l(2, 3) - l(2, 1))
		dy = 0.5 * (l(3, 2) - l(1, 2))
		dxx = 0.25 * (l(2, 4) - 2*l22 + l(2, 0))
		dyy = 0.25 * (l(4, 2) - 2*l22 + l(0, 2))
		dxy = 0.25 * (l(3, 3) - l(1, 3) - l(3, 1) + l(1, 1))
	}
	det := dxx*dyy - dxy*dxy
	if det == 0 || math.IsNaN(det) {
		return 0, 0
	}
	ox := -(dyy*dx - dxy*dy) / det
	oy := -(dxx*dy - dxy*dx) / det
	if math.IsNaN(ox) || math.IsNaN(oy) || math.IsInf(ox, 0) || math.IsInf(oy, 0) {
		return 0, 0 // a map with infinities or NaNs near the maximum
	}
	return ox, oy
}

// SoftArgmax decodes the k heatmaps of one person (hm is [k,h,w]) into
// out[:k] in heatmap cells by integral regression (Sun et al., ECCV 2018):
// the expectation of the cell coordinates under the heatmap normalised to a
// distribution, by a softmax with temperature beta when softmax is set, else
// by dividing its positive part by its sum. Score is the heatmap maximum; a
// heatmap with no positive mass gives score 0 at the map centre.
func SoftArgmax(hm []float32, k, w, h int, softmax bool, beta float32, out []pose.Keypoint) {
	for j := range k {
		out[j] = softArgmax(hm[j*w*h:(j+1)*w*h], w, h, softmax, beta)
	}
}

func softArgmax(m []float32, w, h int, softmax bool, beta float32) pose.Keypoint {
	_, _, mx := Argmax(m, w, h)
	var sum, sx, sy float64
	b := float64(beta)
	for yy := range h {
		row := m[yy*w : (yy+1)*w]
		var rs, rsx float64
		for xx, v := range row {
			var p float64
			if softmax {
				p = math.Exp(b * float64(v-mx))
			} else if v > 0 {
				p = float64(v)
			}
			rs += p
			rsx += p * float64(xx)
		}
		sum += rs
		sx += rsx
		sy += rs * float64(yy)
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return pose.Keypoint{X: float32(w-1) / 2, Y: float32(h-1) / 2}
	}
	score := mx
	if !(score > 0) {
		score = 0
	}
	return pose.Keypoint{X: float32(sx / sum), Y: float32(sy / sum), Score: score}
}

// heatmapDecoder decodes [N,K,H,W] heatmaps with argmax+quarter, DARK or
// soft-argmax, spreading the N·K heatmaps over the goroutine pool.
type heatmapDecoder struct {
	name string
	cfg  Config
	dark *DARK
	wg   sync.WaitGroup

	// The call in progress, read by Range.
	data    []float32
	people  []pose.Person
	k, w, h int
	sx, sy  float32
}

func newHeatmapDecoder(name string, cfg Config) *heatmapDecoder {
	d := &heatmapDecoder{name: name, cfg: cfg}
	if name == "dark" {
		d.dark, _ = NewDARK(cfg.BlurKernel) // validated by Config.defaults
	}
	return d
}

func (d *heatmapDecoder) Name() string { return d.name }

// Decode reads outputs[0] (or the output named "heatmaps") as [N,K,H,W] and
// returns N people in input pixels: cell c maps to c·(InputWidth/W,
// InputHeight/H), as mmpose's non-UDP codecs scale. Score is the mean
// keypoint score; Box is the input extent.
func (d *heatmapDecoder) Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error) {
	t := pick(outputs, "heatmaps", 0)
	if t == nil {
		return people[:0], &ShapeError{Decoder: d.name, Reason: "no output"}
	}
	if err := checkTensor(d.name, t, 4); err != nil {
		return people[:0], err
	}
	n, k, h, w := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	people = people[:0]
	for range n {
		people, _ = pose.Grow(people, k)
	}
	d.data, d.people, d.k, d.w, d.h = t.Data, people, k, w, h
	d.sx, d.sy = float32(d.cfg.InputWidth)/float32(w), float32(d.cfg.InputHeight)/float32(h)
	// Small maps are not worth a hand-off.
	workers := 0
	if n*k*w*h < 4096 {
		workers = 1
	}
	par.For(n*k, workers, d, &d.wg)
	d.data, d.people = nil, nil
	for i := range people {
		finishTopDown(&people[i], d.cfg.InputWidth, d.cfg.InputHeight)
	}
	return people, nil
}

// Range decodes heatmaps [lo, hi) of the N·K; it implements par.Body.
func (d *heatmapDecoder) Range(lo, hi int) {
	plane := d.w * d.h
	for u := lo; u < hi; u++ {
		m := d.data[u*plane : (u+1)*plane]
		var kp pose.Keypoint
		switch d.name {
		case "dark":
			kp = d.dark.one(m, d.w, d.h)
		case "integral":
			kp = softArgmax(m, d.w, d.h, d.cfg.Softmax, d.cfg.Beta)
		default:
			kp = argmaxQuarter(m, d.w, d.h)
		}
		kp.X *= d.sx
		kp.Y *= d.sy
		kp.Score = finite(kp.Score)
		kp.Visibility = visibility(kp.Score, d.cfg.KeypointThreshold)
		d.people[u/d.k].Keypoints[u%d.k] = kp
	}
}
