package lidarseg

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/parallel"
	"gonum.org/v1/gonum/spatial/r3"
)

// Camera painting (PointPainting, VIASeg, FuseSeg): each point of the range
// image takes the colour of the camera pixel it projects to, as extra
// model-input channels after the five geometric ones.

// Paint channel names, as a model card's paint.channels lists them.
const (
	PaintR     = "r"     // red of the point's pixel, 0..1
	PaintG     = "g"     // green, 0..1
	PaintB     = "b"     // blue, 0..1
	PaintValid = "valid" // 1 when a camera sees the point, else 0 (and r, g, b 0)
)

// PaintChannelNames lists the channels a painter can write.
var PaintChannelNames = []string{PaintR, PaintG, PaintB, PaintValid}

// PaintConfig configures a Painter.
type PaintConfig struct {
	// Channels names the extra channels in tensor order, each one of
	// PaintChannelNames at most once (RangeNet++-style painting: r, g, b,
	// valid). Required.
	Channels []string
	// Means and Stds normalise the raw values per channel, as the five
	// geometric channels are: (value − mean) / std for pixels holding a
	// point; empty pixels get 0. Nil means mean 0 and std 1 (raw values).
	Means, Stds []float32
}

// PaintCamera is one camera for one frame.
type PaintCamera struct {
	// Model is the camera's calibration (intrinsics and distortion).
	Model *camera.Model
	// FromSensor maps the cloud's frame to the camera's optical frame
	// (z forward, x right, y down): a homogeneous row-major 4×4 matrix as
	// tf.Transform.ToMatrix returns it.
	FromSensor [16]float64
	// RGB is the image, rgb8 rows of Model.Width×3 bytes. Nil leaves the
	// camera out of this frame (no image near the cloud's stamp).
	RGB []byte
}

// Painter fills the paint channels of a range image. It is not safe for
// concurrent use; its buffers are reused, so a warmed-up Painter allocates
// nothing per frame.
type Painter struct {
	cfg    PaintConfig
	source []int // per tensor channel: 0 r, 1 g, 2 b, 3 valid
	mean   []float32
	std    []float32
	par    parallel.Loop
	fn     func(lo, hi int)
	// The frame being painted, for fn's chunks.
	dst    []float32
	proj   *Projection
	cloud  Cloud
	cams   []PaintCamera
	counts []int // painted pixels per chunk, by its first row
}

// NewPainter checks cfg and returns a Painter.
func NewPainter(cfg PaintConfig) (*Painter, error) {
	if len(cfg.Channels) == 0 {
		return nil, configErr("PaintConfig.Channels", nil, "empty, want some of %s", strings.Join(PaintChannelNames, ", "))
	}
	p := &Painter{cfg: cfg}
	for i, c := range cfg.Channels {
		k := slices.Index(PaintChannelNames, c)
		if k < 0 {
			return nil, configErr(fmt.Sprintf("PaintConfig.Channels[%d]", i), c, "want one of %s", strings.Join(PaintChannelNames, ", "))
		}
		if slices.Contains(cfg.Channels[:i], c) {
			return nil, configErr(fmt.Sprintf("PaintConfig.Channels[%d]", i), c, "repeated")
		}
		p.source = append(p.source, k)
	}
	n := len(cfg.Channels)
	p.mean, p.std = make([]float32, n), make([]float32, n)
	for i := range p.std {
		p.std[i] = 1
	}
	if cfg.Means != nil || cfg.Stds != nil {
		if len(cfg.Means) != n || len(cfg.Stds) != n {
			return nil, configErr("PaintConfig.Means", nil, "%d means and %d stds for %d channels", len(cfg.Means), len(cfg.Stds), n)
		}
		for i, s := range cfg.Stds {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return nil, configErr(fmt.Sprintf("PaintConfig.Stds[%d]", i), s, "want finite > 0")
			}
		}
		copy(p.mean, cfg.Means)
		copy(p.std, cfg.Stds)
	}
	p.fn = p.paintRows
	return p, nil
}

// Channels returns the number of channels the painter writes.
func (p *Painter) Channels() int { return len(p.source) }

// Paint writes the paint channels of proj, the projection of c, into dst:
// Channels planes of Height×Width in tensor order (the slice of the model
// input after the geometric channels). Each pixel's point (the nearest, as
// the projection keeps it) is moved into every camera's optical frame and
// projected with its calibration; it takes the colour of the nearest pixel
// (centres at integers) of the camera whose projection lies nearest its
// image centre, relative to the image size (the first camera on ties).
// Points behind every camera, outside every image, or only in cameras
// without an image get valid 0 and colour 0. Occlusion between the lidar
// and a camera is not modelled: a point hidden from the camera takes its
// occluder's colour, as in PointPainting. It returns the pixels painted.
func (p *Painter) Paint(dst []float32, proj *Projection, c Cloud, cams []PaintCamera) (int, error) {
	plane := proj.Height * proj.Width
	if len(dst) != len(p.source)*plane {
		return 0, fmt.Errorf("%w: paint holds %d values, want %d×%d×%d", ErrInput, len(dst), len(p.source), proj.Height, proj.Width)
	}
	if len(c.X) != proj.NumPoints() || len(c.Y) != len(c.X) || len(c.Z) != len(c.X) {
		return 0, fmt.Errorf("%w: cloud of %d points for a projection of %d", ErrInput, len(c.X), proj.NumPoints())
	}
	for i := range cams {
		m := cams[i].Model
		if cams[i].RGB == nil {
			continue
		}
		if m == nil {
			return 0, fmt.Errorf("%w: paint camera %d has an image but no calibration", ErrInput, i)
		}
		if len(cams[i].RGB) < 3*m.Width*m.Height {
			return 0, fmt.Errorf("%w: paint camera %d image holds %d bytes, want %d×%d×3", ErrInput, i, len(cams[i].RGB), m.Width, m.Height)
		}
	}
	p.dst, p.proj, p.cloud, p.cams = dst, proj, c, cams
	p.counts = grow(p.counts, proj.Height)
	clear(p.counts)
	p.par.For(proj.Height, 4, p.fn)
	p.dst, p.proj, p.cloud, p.cams = nil, nil, Cloud{}, nil
	n := 0
	for _, k := range p.counts {
		n += k
	}
	return n, nil
}

// paintRows paints range-image rows [lo, hi).
func (p *Painter) paintRows(lo, hi int) {
	w := p.proj.Width
	plane := p.proj.Height * w
	painted := 0
	for pix := lo * w; pix < hi*w; pix++ {
		j := p.proj.PixelPoint[pix]
		if j < 0 {
			for ch := range p.source {
				p.dst[ch*plane+pix] = 0
			}
			continue
		}
		raw, ok := Sample(p.cams, p.cloud.X[j], p.cloud.Y[j], p.cloud.Z[j])
		if ok {
			painted++
		}
		for ch, s := range p.source {
			p.dst[ch*plane+pix] = (raw[s] - p.mean[ch]) / p.std[ch]
		}
	}
	p.counts[lo] = painted
}

// Sample returns the raw paint values (r, g, b in 0..1, valid 0 or 1) of
// one point (x, y, z) of the cloud's frame, as Paint computes them, and
// whether a camera sees it.
func Sample(cams []PaintCamera, x, y, z float32) ([4]float32, bool) {
	best, bestD := -1, math.Inf(1)
	var bu, bv int
	px, py, pz := float64(x), float64(y), float64(z)
	for i := range cams {
		c := &cams[i]
		if c.RGB == nil {
			continue
		}
		m := &c.FromSensor
		q := r3.Vec{
			X: m[0]*px + m[1]*py + m[2]*pz + m[3],
			Y: m[4]*px + m[5]*py + m[6]*pz + m[7],
			Z: m[8]*px + m[9]*py + m[10]*pz + m[11],
		}
		if !(q.Z > 0) {
			continue // behind the camera (the pinhole models' half space)
		}
		u, v, ok := c.Model.Project(q)
		if !ok || !c.Model.InImage(u, v) {
			continue
		}
		W, H := float64(c.Model.Width), float64(c.Model.Height)
		du, dv := (u+0.5)/W-0.5, (v+0.5)/H-0.5
		if d := du*du + dv*dv; d < bestD {
			best, bestD = i, d
			bu, bv = int(math.Floor(u+0.5)), int(math.Floor(v+0.5))
		}
	}
	if best < 0 {
		return [4]float32{}, false
	}
	c := &cams[best]
	// InImage keeps u < W − ½, so the rounded pixel is inside.
	k := 3 * (bv*c.Model.Width + bu)
	return [4]float32{float32(c.RGB[k]) / 255, float32(c.RGB[k+1]) / 255, float32(c.RGB[k+2]) / 255, 1}, true
}
