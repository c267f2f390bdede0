package lidarseg

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/parallel"
)

// CRFConfig configures the conditional random field refinement of
// SqueezeSeg (Wu et al., 2018): mean-field iterations on the range image
// whose messages pass between pixels of a small window, weighted by an
// angular kernel (pixel offset) and a bilateral kernel (pixel offset and
// 3D distance), with a Potts compatibility.
type CRFConfig struct {
	// Iterations of mean field; default 3 (SqueezeSeg's).
	Iterations int
	// WindowRows and WindowCols are the odd sides of the message window in
	// pixels; default 3 and 5 (SqueezeSeg's).
	WindowRows, WindowCols int
	// ThetaAngular is the standard deviation in pixels of both kernels'
	// angular Gaussian; default 0.9 (SqueezeSeg's).
	ThetaAngular float64
	// ThetaRange is the standard deviation in metres of the bilateral
	// kernel's Gaussian on 3D distance; default 0.3.
	ThetaRange float64
	// AngularWeight and BilateralWeight scale the two kernels' messages;
	// defaults 0.02 (SqueezeSeg's) and 3. SqueezeSeg trains its weights
	// with the network (bilateral 0.1 on softmax outputs); as
	// post-processing of a model's logits the bilateral term needs more:
	// 3 and ThetaRange 0.3 were the best of those tried on tuning seed 501
	// (README, "lidarseg").
	AngularWeight, BilateralWeight float64
}

// DefaultCRFConfig returns the defaults described on CRFConfig.
func DefaultCRFConfig() CRFConfig {
	return CRFConfig{Iterations: 3, WindowRows: 3, WindowCols: 5, ThetaAngular: 0.9, ThetaRange: 0.3, AngularWeight: 0.02, BilateralWeight: 3}
}

func (c *CRFConfig) validate() error {
	switch {
	case c.Iterations < 1 || c.Iterations > 20:
		return configErr("CRFConfig.Iterations", c.Iterations, "want 1..20")
	case c.WindowRows < 1 || c.WindowRows%2 == 0 || c.WindowRows > 15:
		return configErr("CRFConfig.WindowRows", c.WindowRows, "want odd 1..15")
	case c.WindowCols < 1 || c.WindowCols%2 == 0 || c.WindowCols > 15:
		return configErr("CRFConfig.WindowCols", c.WindowCols, "want odd 1..15")
	case !(c.ThetaAngular > 0) || math.IsInf(c.ThetaAngular, 0):
		return configErr("CRFConfig.ThetaAngular", c.ThetaAngular, "want finite > 0")
	case !(c.ThetaRange > 0) || math.IsInf(c.ThetaRange, 0):
		return configErr("CRFConfig.ThetaRange", c.ThetaRange, "want finite > 0")
	case !(c.AngularWeight >= 0) || math.IsInf(c.AngularWeight, 0):
		return configErr("CRFConfig.AngularWeight", c.AngularWeight, "want finite ≥ 0")
	case !(c.BilateralWeight >= 0) || math.IsInf(c.BilateralWeight, 0):
		return configErr("CRFConfig.BilateralWeight", c.BilateralWeight, "want finite ≥ 0")
	}
	return nil
}

// CRF refines per-pixel class scores on a range image. It reuses its
// buffers: after the first frame of a size it allocates nothing. Not safe
// for concurrent use.
type CRF struct {
	cfg           CRFConfig
	classes, h, w int
	ang           []float32 // angular kernel per neighbour offset (centre left out)
	dv, du        []int     // the offsets
	k             []float32 // per masked pixel and offset: combined kernel weight
	pix           []int32   // masked pixels
	unary, q, msg []float32 // pixel-major [pixel][class]
	xyz           []float32 // per pixel x, y, z
	par           parallel.Loop
	fn            func(lo, hi int)
	iterFn        func(lo, hi int)
	logits        []float32
	proj          *Projection
	cloud         *Cloud
}

// NewCRF returns a CRF for classes classes on height×width range images.
func NewCRF(cfg CRFConfig, classes, height, width int) (*CRF, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if classes < 2 || height < 1 || width < 1 {
		return nil, fmt.Errorf("%w: CRF for %d classes on %d×%d", ErrInput, classes, height, width)
	}
	c := &CRF{cfg: cfg, classes: classes, h: height, w: width}
	rr, rc := cfg.WindowRows/2, cfg.WindowCols/2
	for dv := -rr; dv <= rr; dv++ {
		for du := -rc; du <= rc; du++ {
			if dv == 0 && du == 0 {
				continue
			}
			c.dv = append(c.dv, dv)
			c.du = append(c.du, du)
			c.ang = append(c.ang, float32(math.Exp(-float64(dv*dv+du*du)/(2*cfg.ThetaAngular*cfg.ThetaAngular))))
		}
	}
	n := height * width
	c.xyz = make([]float32, 3*n)
	c.unary = make([]float32, n*classes)
	c.q = make([]float32, n*classes)
	c.msg = make([]float32, n*classes)
	c.fn = c.kernels
	c.iterFn = c.iterate
	return c, nil
}

// Config returns the configuration in use.
func (c *CRF) Config() CRFConfig { return c.cfg }

// Apply refines the scores ([classes, H, W], a model's logits) of the
// pixels proj shows, with cloud's coordinates for the bilateral kernel,
// and writes each pixel's class into pixelLabels (H×W); empty pixels keep
// the plain argmax. The update is the standard mean-field one, Q ←
// softmax(logits − pairwise(Q)): SqueezeSeg trains its CRF inside the
// network, a model trained without one gives logits as the unary.
func (c *CRF) Apply(pixelLabels []uint16, logits []float32, proj *Projection, cloud *Cloud) error {
	n := c.h * c.w
	if proj.Height != c.h || proj.Width != c.w || len(pixelLabels) != n || len(logits) != n*c.classes {
		return fmt.Errorf("%w: CRF for %d×%d×%d given %d scores, %d labels, a %d×%d projection", ErrInput,
			c.classes, c.h, c.w, len(logits), len(pixelLabels), proj.Height, proj.Width)
	}
	c.pix = c.pix[:0]
	for i, p := range proj.PixelPoint {
		if p < 0 {
			continue
		}
		if int(p) >= cloud.Len() {
			return fmt.Errorf("%w: pixel %d shows point %d of %d", ErrInput, i, p, cloud.Len())
		}
		c.pix = append(c.pix, int32(i))
		c.xyz[3*i], c.xyz[3*i+1], c.xyz[3*i+2] = cloud.X[p], cloud.Y[p], cloud.Z[p]
	}
	if need := len(c.pix) * len(c.ang); cap(c.k) < need {
		c.k = make([]float32, need)
	} else {
		c.k = c.k[:need]
	}
	c.logits, c.proj, c.cloud = logits, proj, cloud
	// Kernel weights and the unary (pixel-major logits) once per frame.
	c.par.For(len(c.pix), 2048, c.fn)
	for range c.cfg.Iterations {
		c.par.For(len(c.pix), 2048, c.iterFn)
		c.q, c.msg = c.msg, c.q
	}
	// c.q holds softmax(logits − pairwise) of the last iteration.
	plane := n
	for i := range n {
		if proj.PixelPoint[i] >= 0 {
			continue
		}
		best, bv := 0, float32(math.Inf(-1))
		for k := range c.classes {
			if v := logits[k*plane+i]; v > bv {
				best, bv = k, v
			}
		}
		pixelLabels[i] = uint16(best)
	}
	for _, p := range c.pix {
		row := c.q[int(p)*c.classes : int(p+1)*c.classes]
		best, bv := 0, float32(math.Inf(-1))
		for k, v := range row {
			if v > bv {
				best, bv = k, v
			}
		}
		pixelLabels[p] = uint16(best)
	}
	c.logits, c.proj, c.cloud = nil, nil, nil
	return nil
}

// kernels fills the combined kernel weights of the masked pixels lo..hi,
// their unary (logits, pixel-major) and their first Q (its softmax).
func (c *CRF) kernels(lo, hi int) {
	n := c.h * c.w
	no := len(c.ang)
	inv := float32(1 / (2 * c.cfg.ThetaRange * c.cfg.ThetaRange))
	wa, wb := float32(c.cfg.AngularWeight), float32(c.cfg.BilateralWeight)
	for t := lo; t < hi; t++ {
		p := int(c.pix[t])
		v, u := p/c.w, p%c.w
		x, y, z := c.xyz[3*p], c.xyz[3*p+1], c.xyz[3*p+2]
		k := c.k[t*no : (t+1)*no]
		for o := range no {
			vv := v + c.dv[o]
			uu := (u + c.du[o] + c.w) % c.w // a spinning lidar's image wraps around
			if vv < 0 || vv >= c.h || c.proj.PixelPoint[vv*c.w+uu] < 0 {
				k[o] = 0
				continue
			}
			q := vv*c.w + uu
			dx, dy, dz := x-c.xyz[3*q], y-c.xyz[3*q+1], z-c.xyz[3*q+2]
			bi := expNeg(-(dx*dx + dy*dy + dz*dz) * inv)
			k[o] = c.ang[o] * (wa + wb*bi)
		}
		un := c.unary[p*c.classes : (p+1)*c.classes]
		for cl := range c.classes {
			un[cl] = c.logits[cl*n+p]
		}
		softmax(c.q[p*c.classes:(p+1)*c.classes], un)
	}
}

// iterate writes, for the masked pixels lo..hi, the next Q =
// softmax(logits − pairwise) into msg (the caller swaps it with q), with
// the Potts pairwise[c] = Σ_j k_ij (1 − Q_j[c]).
func (c *CRF) iterate(lo, hi int) {
	no := len(c.ang)
	C := c.classes
	var accBuf [256]float32
	acc := accBuf[:C]
	if C > len(accBuf) {
		acc = make([]float32, C)
	}
	for t := lo; t < hi; t++ {
		p := int(c.pix[t])
		v, u := p/c.w, p%c.w
		k := c.k[t*no : (t+1)*no]
		clear(acc)
		var sum float32
		for o, w := range k {
			if w == 0 {
				continue
			}
			q := (v+c.dv[o])*c.w + (u+c.du[o]+c.w)%c.w
			qj := c.q[q*C : (q+1)*C]
			for cl, x := range qj {
				acc[cl] += w * x
			}
			sum += w
		}
		out := c.msg[p*C : (p+1)*C]
		un := c.unary[p*C : (p+1)*C]
		for cl := range C {
			out[cl] = un[cl] - (sum - acc[cl])
		}
		softmax(out, out)
	}
}

// softmax writes the softmax of x into dst.
func softmax(dst, x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var s float32
	for i, v := range x {
		e := expNeg(v - m)
		dst[i] = e
		s += e
	}
	inv := 1 / s
	for i := range dst {
		dst[i] *= inv
	}
}

// expNeg is e^x for x ≤ 0, to a relative error under 5e-6 + 1e-7·|x|
// (0 below −87, NaN for NaN): 2^(x·log2 e) split into an exponent and a degree-5
// polynomial of the fraction. The CRF's kernels and softmaxes need no more,
// and math.Exp took most of its time.
func expNeg(x float32) float32 {
	if !(x > -87) {
		if x != x {
			return x
		}
		return 0
	}
	t := x * 1.442695041
	i := float32(math.Floor(float64(t) + 0.5)) // f in [−½, ½): the polynomial's best range
	f := t - i
	p := 1 + f*(0.6931472+f*(0.2402265+f*(0.05550411+f*(0.009618129+f*0.001333356))))
	return p * math.Float32frombits(uint32(int32(i)+127)<<23)
}
