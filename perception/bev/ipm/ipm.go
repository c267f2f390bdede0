package ipm

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/parallel"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// Blend chooses how cameras that see the same cell are combined.
type Blend int

const (
	// BlendCentral takes the camera whose view of the cell is nearest its
	// principal point.
	BlendCentral Blend = iota
	// BlendAverage averages all cameras that see the cell.
	BlendAverage
)

// Orientation is the pixel order of the rendered image.
type Orientation int

const (
	// OrientGrid is the grid order: Width() columns along +x, Height()
	// rows along +y.
	OrientGrid Orientation = iota
	// OrientForwardUp puts +x (forward) at the top and +y (left) at the
	// left: Height() columns, Width() rows.
	OrientForwardUp
)

// MinDepth is the smallest optical depth, m, at which a ground point
// counts as visible.
const MinDepth = 0.1

// Config configures a Mapper.
type Config struct {
	// Grid is the BEV grid in base_link. Default bev.BEVFusionGrid.
	Grid bev.Grid
	// GroundZ is the height of the ground plane in base_link, m. Default 0.
	GroundZ float64
	// Blend combines overlapping cameras. Default BlendCentral.
	Blend Blend
	// Orientation is the output pixel order. Default OrientGrid.
	Orientation Orientation
}

// sample is one camera's view of one cell.
type sample struct {
	cam   uint8
	u, v  float32 // original image pixel
	score float32 // normalised squared distance from the principal point
}

// Mapper holds the precomputed ground-to-image lookup of one rig.
type Mapper struct {
	cfg   Config
	cams  []bev.Camera
	w, h  int
	start []int32 // per cell (grid order j·W+i): first sample; start[cells] = len(samples)
	samp  []sample
	fp    uint64

	// Reset and Render run over bands of rows on both cores: each band
	// builds its samples apart (parts), then they are joined into samp.
	par                       parallel.Loop
	parts                     [][]sample
	base                      []int32 // per band, its first sample in samp
	r2max                     [255]float64
	buildFn, joinFn, renderFn func(lo, hi int)
	images                    []*imageconv.RGB // Render's, for renderFn
	out                       *imageconv.RGB
}

// NewMapper precomputes the lookup for cams under cfg. A bad cfg or camera
// count is a *configerr.Error; a bad camera wraps bev.ErrInvalidCamera.
func NewMapper(cfg Config, cams []bev.Camera) (*Mapper, error) {
	if cfg.Grid == (bev.Grid{}) {
		cfg.Grid = bev.BEVFusionGrid
	}
	if err := cfg.Grid.Validate(); err != nil {
		return nil, fmt.Errorf("ipm: %w", err)
	}
	if math.IsNaN(cfg.GroundZ) || math.IsInf(cfg.GroundZ, 0) {
		return nil, configerr.New("ipm.Config.GroundZ", cfg.GroundZ, "not finite")
	}
	if cfg.Blend != BlendCentral && cfg.Blend != BlendAverage {
		return nil, configerr.New("ipm.Config.Blend", cfg.Blend, "not BlendCentral or BlendAverage")
	}
	if cfg.Orientation != OrientGrid && cfg.Orientation != OrientForwardUp {
		return nil, configerr.New("ipm.Config.Orientation", cfg.Orientation, "not OrientGrid or OrientForwardUp")
	}
	m := &Mapper{cfg: cfg}
	if err := m.Reset(cams); err != nil {
		return nil, err
	}
	return m, nil
}

// Reset rebuilds the lookup for cams (another pose of the rig, as ego
// motion moves it every frame) in the Mapper's own storage: after the first
// build of a rig it allocates nothing. On an error the Mapper is unchanged.
func (m *Mapper) Reset(cams []bev.Camera) error {
	if len(cams) == 0 || len(cams) > 255 {
		return fmt.Errorf("ipm: %w", configerr.New("cameras", len(cams), "want 1..255 cameras"))
	}
	for i := range cams {
		if err := cams[i].Validate(); err != nil {
			return fmt.Errorf("ipm: camera %d: %w", i, err)
		}
	}
	cfg := m.cfg
	g := cfg.Grid
	m.cams = append(m.cams[:0], cams...)
	m.w, m.h = g.Width(), g.Height()
	m.fp = bev.Fingerprint(cams, g.XMin, g.XMax, g.YMin, g.YMax, g.Resolution, cfg.GroundZ)
	cells := m.w * m.h
	if cap(m.start) < cells+1 {
		m.start = make([]int32, cells+1)
	}
	m.start = m.start[:cells+1]
	for n := range cams {
		m.r2max[n] = cams[n].MaxRadius2() * 1.02
	}
	if m.buildFn == nil {
		m.buildFn, m.joinFn, m.renderFn = m.buildBands, m.joinBands, m.renderRows
	}
	bands := m.bands()
	for len(m.parts) < bands {
		m.parts = append(m.parts, nil)
		m.base = append(m.base, 0)
	}
	m.par.For(bands, 1, m.buildFn)
	total := 0
	for b := range bands {
		m.base[b] = int32(total)
		total += len(m.parts[b])
	}
	if cap(m.samp) < total {
		m.samp = make([]sample, total, total+total/4)
	}
	m.samp = m.samp[:total]
	m.par.For(bands, 1, m.joinFn)
	m.start[cells] = int32(total)
	return nil
}

// maxBands is the most bands of rows Reset builds apart: enough for both
// cores of the vehicles we measure to take turns, few enough that each
// band's samples are a long run.
const maxBands = 8

// bands returns the number of bands of rows the lookup is built in.
func (m *Mapper) bands() int { return min(maxBands, m.h) }

// band returns the rows [lo, hi) of band b.
func (m *Mapper) band(b int) (lo, hi int) {
	n := m.bands()
	return b * m.h / n, (b + 1) * m.h / n
}

// buildBands builds the samples of bands [lo, hi) into their parts, each
// cell's start relative to its band.
func (m *Mapper) buildBands(lo, hi int) {
	g, z := m.cfg.Grid, m.cfg.GroundZ
	for b := lo; b < hi; b++ {
		samp := m.parts[b][:0]
		j0, j1 := m.band(b)
		for j := j0; j < j1; j++ {
			for i := 0; i < m.w; i++ {
				x, y := g.Center(i, j)
				m.start[j*m.w+i] = int32(len(samp))
				first := len(samp)
				for n := range m.cams {
					c := &m.cams[n]
					if u, v, ok := view(c, m.r2max[n], r3.Vec{X: x, Y: y, Z: z}); ok {
						du := (u - c.Cx) / float64(c.Width)
						dv := (v - c.Cy) / float64(c.Height)
						samp = append(samp, sample{cam: uint8(n), u: float32(u), v: float32(v), score: float32(du*du + dv*dv)})
					}
				}
				// Most central first, ties in rig order: an insertion sort of
				// the cell's few samples.
				cell := samp[first:]
				for a := 1; a < len(cell); a++ {
					for k := a; k > 0 && cell[k].score < cell[k-1].score; k-- {
						cell[k], cell[k-1] = cell[k-1], cell[k]
					}
				}
			}
		}
		m.parts[b] = samp
	}
}

// joinBands copies the parts of bands [lo, hi) into samp and makes their
// cells' starts absolute.
func (m *Mapper) joinBands(lo, hi int) {
	for b := lo; b < hi; b++ {
		base := m.base[b]
		copy(m.samp[base:], m.parts[b])
		j0, j1 := m.band(b)
		for c := j0 * m.w; c < j1*m.w; c++ {
			m.start[c] += base
		}
	}
}

// view projects the base_link point p into camera c: the original-image
// pixel and whether it is visible (depth ≥ MinDepth, ray within the field
// of view r2max = 1.02·MaxRadius2, inside the image).
func view(c *bev.Camera, r2max float64, p r3.Vec) (u, v float64, ok bool) {
	e := c.Extrinsic
	dx, dy, dz := p.X-e[3], p.Y-e[7], p.Z-e[11]
	q := r3.Vec{
		X: e[0]*dx + e[4]*dy + e[8]*dz,
		Y: e[1]*dx + e[5]*dy + e[9]*dz,
		Z: e[2]*dx + e[6]*dy + e[10]*dz,
	}
	if !(q.Z >= MinDepth) || q.X*q.X+q.Y*q.Y > r2max*q.Z*q.Z {
		return 0, 0, false
	}
	if c.Lens == nil { // bev.Pinhole, without boxing it in a Lens every rebuild
		u, v, ok = c.Fx*q.X/q.Z+c.Cx, c.Fy*q.Y/q.Z+c.Cy, true
	} else {
		u, v, ok = c.Lens.Project(q)
	}
	if !ok || !(u >= -0.5 && u < float64(c.Width)-0.5 && v >= -0.5 && v < float64(c.Height)-0.5) {
		return 0, 0, false
	}
	return u, v, true
}

// Fingerprint returns the bev.Fingerprint of the rig and grid the Mapper
// was built for; rebuild when lss.Fingerprint-style checks change.
func (m *Mapper) Fingerprint() uint64 { return m.fp }

// Size returns the rendered image size, px.
func (m *Mapper) Size() (width, height int) {
	if m.cfg.Orientation == OrientForwardUp {
		return m.h, m.w
	}
	return m.w, m.h
}

// Coverage returns the fraction of cells at least one camera sees.
func (m *Mapper) Coverage() float64 {
	seen := 0
	for c := 0; c+1 < len(m.start); c++ {
		if m.start[c+1] > m.start[c] {
			seen++
		}
	}
	return float64(seen) / float64(len(m.start)-1)
}

// Render writes the top-down image of images (one per camera, in rig
// order; nil for a camera without an image this frame) into out, resizing
// out.Pix only if it is too small. Each image must be
// Camera.Width×Camera.Height packed rgb8.
func (m *Mapper) Render(images []*imageconv.RGB, out *imageconv.RGB) error {
	if len(images) != len(m.cams) {
		return shapeErrorf("%d images for %d cameras", len(images), len(m.cams))
	}
	for n, im := range images {
		if im == nil {
			continue
		}
		c := &m.cams[n]
		if im.Width != c.Width || im.Height != c.Height || len(im.Pix) < 3*im.Width*im.Height {
			return shapeErrorf("camera %d (%s): image %d×%d with %d bytes, want %d×%d", n, c.Name, im.Width, im.Height, len(im.Pix), c.Width, c.Height)
		}
	}
	ow, oh := m.Size()
	out.Width, out.Height = ow, oh
	if cap(out.Pix) < 3*ow*oh {
		out.Pix = make([]uint8, 3*ow*oh)
	}
	out.Pix = out.Pix[:3*ow*oh]
	if m.renderFn == nil {
		m.renderFn = m.renderRows
	}
	m.images, m.out = images, out
	m.par.For(m.h, 16, m.renderFn)
	m.images, m.out = nil, nil
	return nil
}

// renderRows renders grid rows [lo, hi) into m.out.
func (m *Mapper) renderRows(lo, hi int) {
	ow, _ := m.Size()
	pix := m.out.Pix
	for j := lo; j < hi; j++ {
		for i := 0; i < m.w; i++ {
			var px int
			if m.cfg.Orientation == OrientForwardUp {
				px = (m.w-1-i)*ow + (m.h - 1 - j)
			} else {
				px = j*ow + i
			}
			rgb := m.cell(m.images, j*m.w+i)
			pix[3*px], pix[3*px+1], pix[3*px+2] = rgb[0], rgb[1], rgb[2]
		}
	}
}

// cell blends the samples of cell c.
func (m *Mapper) cell(images []*imageconv.RGB, c int) [3]uint8 {
	var acc [3]float32
	n := 0
	for _, s := range m.samp[m.start[c]:m.start[c+1]] {
		im := images[s.cam]
		if im == nil {
			continue
		}
		rgb := bilinear(im, s.u, s.v)
		acc[0] += rgb[0]
		acc[1] += rgb[1]
		acc[2] += rgb[2]
		n++
		if m.cfg.Blend == BlendCentral {
			break
		}
	}
	if n == 0 {
		return [3]uint8{}
	}
	inv := 1 / float32(n)
	return [3]uint8{uint8(acc[0]*inv + 0.5), uint8(acc[1]*inv + 0.5), uint8(acc[2]*inv + 0.5)}
}

// bilinear samples im at (u, v) with pixel centres at integers, clamping
// neighbours to the image.
func bilinear(im *imageconv.RGB, u, v float32) [3]float32 {
	x0, y0 := int(math.Floor(float64(u))), int(math.Floor(float64(v)))
	a, b := u-float32(x0), v-float32(y0)
	x1, y1 := min(max(x0+1, 0), im.Width-1), min(max(y0+1, 0), im.Height-1)
	x0, y0 = min(max(x0, 0), im.Width-1), min(max(y0, 0), im.Height-1)
	p00, p10 := im.Pix[3*(y0*im.Width+x0):], im.Pix[3*(y0*im.Width+x1):]
	p01, p11 := im.Pix[3*(y1*im.Width+x0):], im.Pix[3*(y1*im.Width+x1):]
	var out [3]float32
	for k := 0; k < 3; k++ {
		out[k] = (1-a)*(1-b)*float32(p00[k]) + a*(1-b)*float32(p10[k]) + (1-a)*b*float32(p01[k]) + a*b*float32(p11[k])
	}
	return out
}
