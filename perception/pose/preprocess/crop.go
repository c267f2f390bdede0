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

// CropConfig configures a Cropper.
type CropConfig struct {
	// Width and Height are the model input size in pixels; default 192×256.
	Width, Height int
	// Padding enlarges each box about its centre; default 1.25.
	Padding float64
	// Norm normalises the pixels; the zero value means ImageNet.
	Norm Norm
	// Border is the pixel value (0..255) sampled outside the image, as
	// OpenCV's warpAffine constant border; default 0.
	Border uint8
	// Workers bounds the goroutines used; 0 means GOMAXPROCS.
	Workers int
}

// Cropper cuts top-down crops: for each person box it computes the centre
// and scale as SimpleBaseline and mmpose do (box ×Padding about its centre,
// then the shorter side grown to the input aspect ratio W/H), and samples the
// image bilinearly through the 2×3 affine transform that maps the scaled box
// onto the W×H input, writing ImageNet-normalised planes into [N,3,H,W]. It
// is not safe for concurrent use; make one per goroutine.
type Cropper struct {
	w, h     int
	padding  float64
	border   [3]float32 // border value per tensor channel, normalised
	borderPx float32
	workers  int
	src      [3]int
	mul, add [3]float32

	img   *imageconv.RGB
	dst   []float32
	inv   []pose.Affine // input → image per crop
	xa    []int32       // per crop and column: byte offset of the left tap, −1 when outside
	xb    []int32
	wx    []float32
	wg    sync.WaitGroup
	nCrop int
}

// NewCropper validates cfg and returns a Cropper.
func NewCropper(cfg CropConfig) (*Cropper, error) {
	if cfg.Width == 0 && cfg.Height == 0 {
		cfg.Width, cfg.Height = 192, 256
	}
	if cfg.Width < 1 || cfg.Width > 4096 {
		return nil, configerr.New("preprocess.CropConfig.Width", cfg.Width, "want 1..4096")
	}
	if cfg.Height < 1 || cfg.Height > 4096 {
		return nil, configerr.New("preprocess.CropConfig.Height", cfg.Height, "want 1..4096")
	}
	if cfg.Padding == 0 {
		cfg.Padding = 1.25
	}
	if !(cfg.Padding > 0) || math.IsInf(cfg.Padding, 0) {
		return nil, configerr.New("preprocess.CropConfig.Padding", cfg.Padding, "want finite > 0")
	}
	if cfg.Norm == (Norm{}) {
		cfg.Norm = ImageNet
	}
	c := &Cropper{w: cfg.Width, h: cfg.Height, padding: cfg.Padding, workers: cfg.Workers, borderPx: float32(cfg.Border)}
	var err error
	if c.src, c.mul, c.add, err = cfg.Norm.coeffs("preprocess.CropConfig.Norm"); err != nil {
		return nil, err
	}
	for ch := range 3 {
		c.border[ch] = c.borderPx*c.mul[ch] + c.add[ch]
	}
	return c, nil
}

// Size returns the input width and height in pixels.
func (c *Cropper) Size() (w, h int) { return c.w, c.h }

// TensorLen returns the number of floats Run writes for n crops: n·3·H·W.
func (c *Cropper) TensorLen(n int) int { return n * 3 * c.w * c.h }

// CenterScale returns the centre (pixels) and the scaled box size (w, h in
// pixels) that box (x1, y1, x2, y2) maps onto the input: the box enlarged by
// the padding factor and grown to the input aspect ratio, as mmpose's
// bbox_xyxy2cs with padding 1.25 and fixed aspect ratio.
func (c *Cropper) CenterScale(box [4]float32) (cx, cy, sw, sh float64, err error) {
	x1, y1, x2, y2 := float64(box[0]), float64(box[1]), float64(box[2]), float64(box[3])
	bw, bh := x2-x1, y2-y1
	if !(bw > 0) || !(bh > 0) || math.IsInf(bw, 0) || math.IsInf(bh, 0) {
		return 0, 0, 0, 0, fmt.Errorf("%w: %v", ErrBox, box)
	}
	cx, cy = (x1+x2)/2, (y1+y2)/2
	sw, sh = bw*c.padding, bh*c.padding
	aspect := float64(c.w) / float64(c.h)
	if sw > sh*aspect {
		sh = sw / aspect
	} else {
		sw = sh * aspect
	}
	return cx, cy, sw, sh, nil
}

// BoxTransform returns the transform from image pixels to input pixels for
// box: the scaled box's centre goes to (W/2, H/2) and its size to (W, H), as
// mmpose's get_warp_matrix without rotation.
func (c *Cropper) BoxTransform(box [4]float32) (pose.Affine, error) {
	cx, cy, sw, _, err := c.CenterScale(box)
	if err != nil {
		return pose.Affine{}, err
	}
	k := float64(c.w) / sw
	return pose.Affine{k, 0, float64(c.w)/2 - cx*k, 0, k, float64(c.h)/2 - cy*k}, nil
}

// Run crops every box of boxes from img into dst[:n·3·H·W] (n = len(boxes),
// crop i at dst[i·3·H·W:]) and stores in xf[i] the transform from image
// pixels to crop i's input pixels; xf must have length ≥ len(boxes).
func (c *Cropper) Run(img *imageconv.RGB, boxes [][4]float32, dst []float32, xf []pose.Affine) error {
	if err := checkImage(img); err != nil {
		return fmt.Errorf("crop: %w", err)
	}
	n := len(boxes)
	if len(dst) < c.TensorLen(n) {
		return fmt.Errorf("crop %d boxes into [%d,3,%d,%d]: %w: have %d floats, want %d", n, n, c.h, c.w, ErrTensor, len(dst), c.TensorLen(n))
	}
	if len(xf) < n {
		return fmt.Errorf("crop %d boxes: %w: %d transforms", n, ErrTensor, len(xf))
	}
	if cap(c.inv) < n {
		c.inv = make([]pose.Affine, n)
		c.xa = make([]int32, n*c.w)
		c.xb = make([]int32, n*c.w)
		c.wx = make([]float32, n*c.w)
	}
	c.inv = c.inv[:n]
	for i, b := range boxes {
		a, err := c.BoxTransform(b)
		if err != nil {
			return fmt.Errorf("crop %d of %d: %w", i, n, err)
		}
		inv, err := a.Inverse()
		if err != nil {
			return fmt.Errorf("crop %d of %d: %w", i, n, err)
		}
		xf[i], c.inv[i] = a, inv
		// Columns are separable without rotation: x_img = inv[0]·u + inv[2].
		for u := range c.w {
			f := inv[0]*float64(u) + inv[2]
			x0 := math.Floor(f)
			t := float32(f - x0)
			ia, ib := int32(-1), int32(-1)
			if x0 >= 0 && x0 < float64(img.Width) {
				ia = int32(x0) * 3
			}
			if x0+1 >= 0 && x0+1 < float64(img.Width) {
				ib = int32(x0+1) * 3
			}
			c.xa[i*c.w+u], c.xb[i*c.w+u], c.wx[i*c.w+u] = ia, ib, t
		}
	}
	c.img, c.dst, c.nCrop = img, dst, n
	par.For(n*c.h, c.workers, c, &c.wg)
	c.img, c.dst = nil, nil
	return nil
}

// Range fills the crop rows [lo, hi) of all crops (row r is row r mod H of
// crop r / H); it implements par.Body.
func (c *Cropper) Range(lo, hi int) {
	w, h := c.w, c.h
	plane := w * h
	pix := c.img.Pix
	iw, ih := c.img.Width, c.img.Height
	bp := c.borderPx
	m0, m1, m2 := c.mul[0], c.mul[1], c.mul[2]
	a0, a1, a2 := c.add[0], c.add[1], c.add[2]
	s0, s1, s2 := c.src[0], c.src[1], c.src[2]
	for r := lo; r < hi; r++ {
		i, v := r/h, r%h
		inv := c.inv[i]
		base := i * 3 * plane
		o0 := c.dst[base+v*w : base+v*w+w]
		o1 := c.dst[base+plane+v*w : base+plane+v*w+w]
		o2 := c.dst[base+2*plane+v*w : base+2*plane+v*w+w]
		fy := inv[4]*float64(v) + inv[5]
		y0 := math.Floor(fy)
		ty := float32(fy - y0)
		rowA, rowB := -1, -1
		if y0 >= 0 && y0 < float64(ih) {
			rowA = int(y0) * 3 * iw
		}
		if y0+1 >= 0 && y0+1 < float64(ih) {
			rowB = int(y0+1) * 3 * iw
		}
		if rowA < 0 && rowB < 0 {
			fill(o0, c.border[0])
			fill(o1, c.border[1])
			fill(o2, c.border[2])
			continue
		}
		xa, xb, wx := c.xa[i*w:i*w+w], c.xb[i*w:i*w+w], c.wx[i*w:i*w+w]
		for u := range o0 {
			ia, ib := int(xa[u]), int(xb[u])
			tx := wx[u]
			var px [3]float32
			if ia >= 0 && ib >= 0 && rowA >= 0 && rowB >= 0 {
				pa, pb := pix[rowA+ia:rowA+ia+6], pix[rowB+ia:rowB+ia+6]
				for ch := range 3 {
					tl, tr := float32(pa[ch]), float32(pa[3+ch])
					bl, br := float32(pb[ch]), float32(pb[3+ch])
					up := tl + (tr-tl)*tx
					dn := bl + (br-bl)*tx
					px[ch] = up + (dn-up)*ty
				}
			} else {
				for ch := range 3 {
					tl, tr, bl, br := bp, bp, bp, bp
					if rowA >= 0 && ia >= 0 {
						tl = float32(pix[rowA+ia+ch])
					}
					if rowA >= 0 && ib >= 0 {
						tr = float32(pix[rowA+ib+ch])
					}
					if rowB >= 0 && ia >= 0 {
						bl = float32(pix[rowB+ia+ch])
					}
					if rowB >= 0 && ib >= 0 {
						br = float32(pix[rowB+ib+ch])
					}
					up := tl + (tr-tl)*tx
					dn := bl + (br-bl)*tx
					px[ch] = up + (dn-up)*ty
				}
			}
			o0[u] = px[s0]*m0 + a0
			o1[u] = px[s1]*m1 + a1
			o2[u] = px[s2]*m2 + a2
		}
	}
}
