package preprocess

import (
	"fmt"
	"math"
	"sync"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/internal/par"
)

// LetterboxConfig configures a Letterbox.
type LetterboxConfig struct {
	// Size is the side S of the square model input in pixels; default 640.
	Size int
	// Pad is the padding pixel value in 0..255; 0 means the YOLO default 114,
	// a negative value means black (0).
	Pad int
	// Norm normalises the pixels; the zero value means UnitScale (/255).
	Norm Norm
	// Workers bounds the goroutines used; 0 means GOMAXPROCS.
	Workers int
}

// Letterbox scales an image to fit an S×S square with its aspect ratio kept,
// centres it, pads the rest, and writes the normalised planar tensor
// [1,3,S,S], as Ultralytics' LetterBox does (scale r = min(S/w, S/h), content
// round(w·r)×round(h·r), padding split evenly, bilinear resampling with
// half-pixel centres as OpenCV's INTER_LINEAR). It is not safe for
// concurrent use; make one per goroutine.
type Letterbox struct {
	size, pad, workers int
	src                [3]int
	mul, add           [3]float32
	padVal             [3]float32

	// Geometry cached for the last image size.
	w, h, nw, nh, left, top int
	gain                    float64
	x0, x1                  []int32 // byte offsets of the two taps per output column
	wx                      []float32
	y0, y1                  []int32 // source rows per output row (content rows only)
	wy                      []float32

	img *imageconv.RGB
	dst []float32
	wg  sync.WaitGroup
}

// NewLetterbox validates cfg and returns a Letterbox.
func NewLetterbox(cfg LetterboxConfig) (*Letterbox, error) {
	if cfg.Size == 0 {
		cfg.Size = 640
	}
	if cfg.Size < 1 || cfg.Size > 8192 {
		return nil, configerr.New("preprocess.LetterboxConfig.Size", cfg.Size, "want 1..8192")
	}
	if cfg.Pad > 255 {
		return nil, configerr.New("preprocess.LetterboxConfig.Pad", cfg.Pad, "want ≤ 255")
	}
	switch {
	case cfg.Pad == 0:
		cfg.Pad = 114
	case cfg.Pad < 0:
		cfg.Pad = 0
	}
	if cfg.Norm == (Norm{}) {
		cfg.Norm = UnitScale
	}
	l := &Letterbox{size: cfg.Size, pad: cfg.Pad, workers: cfg.Workers}
	var err error
	if l.src, l.mul, l.add, err = cfg.Norm.coeffs("preprocess.LetterboxConfig.Norm"); err != nil {
		return nil, err
	}
	for c := range 3 {
		l.padVal[c] = float32(cfg.Pad)*l.mul[c] + l.add[c]
	}
	return l, nil
}

// Size returns the side S of the input in pixels.
func (l *Letterbox) Size() int { return l.size }

// TensorLen returns the number of floats Run writes: 3·S·S.
func (l *Letterbox) TensorLen() int { return 3 * l.size * l.size }

// Transform returns the transform from image pixels to input pixels for an
// image of w×h pixels, as Ultralytics' scale_boxes inverts it:
// (x·r + left, y·r + top).
func (l *Letterbox) Transform(w, h int) pose.Affine {
	l.geometry(w, h)
	return pose.Affine{l.gain, 0, float64(l.left), 0, l.gain, float64(l.top)}
}

// Run letterboxes img into dst[:3·S·S] (planar, channel-major) and returns the
// transform from image pixels to input pixels.
func (l *Letterbox) Run(img *imageconv.RGB, dst []float32) (pose.Affine, error) {
	if err := checkImage(img); err != nil {
		return pose.Affine{}, fmt.Errorf("letterbox: %w", err)
	}
	if len(dst) < l.TensorLen() {
		return pose.Affine{}, fmt.Errorf("letterbox into [1,3,%d,%d]: %w: have %d floats, want %d", l.size, l.size, ErrTensor, len(dst), l.TensorLen())
	}
	a := l.Transform(img.Width, img.Height)
	l.img, l.dst = img, dst
	par.For(l.size, l.workers, l, &l.wg)
	l.img, l.dst = nil, nil
	return a, nil
}

// geometry computes the content size, padding and sampling tables. It
// rounds half to even, as Python's round in Ultralytics' LetterBox.
func (l *Letterbox) geometry(w, h int) {
	if w == l.w && h == l.h {
		return
	}
	s := l.size
	r := min(float64(s)/float64(w), float64(s)/float64(h))
	nw := max(1, min(s, int(math.RoundToEven(float64(w)*r))))
	nh := max(1, min(s, int(math.RoundToEven(float64(h)*r))))
	left := int(math.RoundToEven(float64(s-nw)/2 - 0.1))
	top := int(math.RoundToEven(float64(s-nh)/2 - 0.1))
	l.w, l.h, l.nw, l.nh, l.left, l.top, l.gain = w, h, nw, nh, left, top, r
	l.x0, l.x1, l.wx = resizeTaps(l.x0, l.x1, l.wx, w, nw, 3)
	l.y0, l.y1, l.wy = resizeTaps(l.y0, l.y1, l.wy, h, nh, 3*w)
}

// resizeTaps fills the two source taps (multiplied by stride) and the weight
// of the second for each of n output samples resampling m inputs with
// half-pixel centres, clamped at the edges as OpenCV's resize.
func resizeTaps(i0, i1 []int32, wt []float32, m, n, stride int) ([]int32, []int32, []float32) {
	i0, i1, wt = i0[:0], i1[:0], wt[:0]
	sc := float64(m) / float64(n)
	for u := range n {
		f := (float64(u)+0.5)*sc - 0.5
		if f < 0 {
			f = 0
		}
		a := int(f)
		t := f - float64(a)
		if a >= m-1 {
			a, t = m-1, 0
		}
		b := min(a+1, m-1)
		i0 = append(i0, int32(a*stride))
		i1 = append(i1, int32(b*stride))
		wt = append(wt, float32(t))
	}
	return i0, i1, wt
}

// Range fills the output rows [lo, hi); it implements par.Body.
func (l *Letterbox) Range(lo, hi int) {
	s := l.size
	plane := s * s
	pix := l.img.Pix
	d0, d1, d2 := l.dst[0:plane], l.dst[plane:2*plane], l.dst[2*plane:3*plane]
	p0, p1, p2 := l.padVal[0], l.padVal[1], l.padVal[2]
	m0, m1, m2 := l.mul[0], l.mul[1], l.mul[2]
	a0, a1, a2 := l.add[0], l.add[1], l.add[2]
	s0, s1, s2 := l.src[0], l.src[1], l.src[2]
	x0, x1, wx := l.x0, l.x1[:len(l.x0)], l.wx[:len(l.x0)]
	for v := lo; v < hi; v++ {
		row := v * s
		r0, r1, r2 := d0[row:row+s], d1[row:row+s], d2[row:row+s]
		cv := v - l.top
		if cv < 0 || cv >= l.nh {
			fill(r0, p0)
			fill(r1, p1)
			fill(r2, p2)
			continue
		}
		fill(r0[:l.left], p0)
		fill(r1[:l.left], p1)
		fill(r2[:l.left], p2)
		end := l.left + l.nw
		fill(r0[end:], p0)
		fill(r1[end:], p1)
		fill(r2[end:], p2)
		ya, yb := int(l.y0[cv]), int(l.y1[cv])
		wy := l.wy[cv]
		top := pix[ya : ya+3*l.w]
		bot := pix[yb : yb+3*l.w]
		c0, c1, c2 := r0[l.left:end], r1[l.left:end], r2[l.left:end]
		c1, c2 = c1[:len(c0)], c2[:len(c0)]
		for u := range c0 {
			xa, xb := x0[u], x1[u]
			t := wx[u]
			var px [3]float32
			for c := range 3 {
				tl := float32(top[int(xa)+c])
				tr := float32(top[int(xb)+c])
				bl := float32(bot[int(xa)+c])
				br := float32(bot[int(xb)+c])
				up := tl + (tr-tl)*t
				dn := bl + (br-bl)*t
				px[c] = up + (dn-up)*wy
			}
			c0[u] = px[s0]*m0 + a0
			c1[u] = px[s1]*m1 + a1
			c2[u] = px[s2]*m2 + a2
		}
	}
}

func fill(d []float32, v float32) {
	for i := range d {
		d[i] = v
	}
}
