package lss

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gopercept/gopercept/perception/bev"
)

// MaxCameras is the largest rig NewGeometry accepts.
const MaxCameras = 8

// maxFrustumPoints caps Ncam·D·fH·fW so indices fit in int32 and a bad
// parameter cannot allocate gigabytes.
const maxFrustumPoints = 1 << 27

// Sampling says where a feature cell sits in the network input image.
type Sampling int

const (
	// SampleCentre puts feature cell u at the centre of the input pixels it
	// covers: u_in = (u + ½)·InputWidth/FeatWidth − ½ (pixel centres at
	// integer coordinates, OpenCV's convention).
	SampleCentre Sampling = iota
	// SampleLinspace spreads the cells over [0, InputWidth−1] like
	// BEVDet's and BEVFusion's create_frustum (torch.linspace):
	// u_in = u·(InputWidth−1)/(FeatWidth−1). Use it for models trained
	// that way.
	SampleLinspace
)

// String returns the model-card spelling: "pixel_centers" or "linspace".
func (s Sampling) String() string {
	switch s {
	case SampleCentre:
		return "pixel_centers"
	case SampleLinspace:
		return "linspace"
	}
	return fmt.Sprintf("Sampling(%d)", int(s))
}

// ParseSampling maps a model card's frustum value, "linspace" (BEVFusion's
// and CUDA-BEVFusion's create_frustum) or "pixel_centers", to its Sampling.
func ParseSampling(s string) (Sampling, error) {
	switch s {
	case "linspace":
		return SampleLinspace, nil
	case "pixel_centers":
		return SampleCentre, nil
	}
	return 0, configErr("Config.Sampling", s, "want frustum linspace or pixel_centers")
}

// Config describes the frustum and the BEV grid. Zero fields take the
// documented defaults (BEVFusion's nuScenes configuration).
type Config struct {
	// Grid is the BEV grid in base_link. Default bev.BEVFusionGrid.
	Grid bev.Grid
	// Layout is the memory order of the pooled tensor. Default
	// bev.LayoutYX ([C, H, W]).
	Layout bev.Layout
	// ZMin and ZMax bound the kept points' base_link height, m: a point is
	// kept if ZMin ≤ z < ZMax. Default (both zero) −10 and 10.
	ZMin, ZMax float64
	// DepthMin, DepthMax and DepthStep define the depth bins along the
	// optical axis, m: bin k has depth DepthMin + k·DepthStep for all k with
	// that depth < DepthMax. Default (DepthStep zero) 1, 60, 0.5 → 118 bins.
	DepthMin, DepthMax, DepthStep float64
	// InputWidth and InputHeight are the network input image size, px.
	// Default 704×256.
	InputWidth, InputHeight int
	// FeatWidth and FeatHeight are the feature map size, cells. Default
	// 88×32.
	FeatWidth, FeatHeight int
	// Sampling places feature cells in the input image. Default
	// SampleCentre (the zero value); BEVFusion exports need SampleLinspace.
	Sampling Sampling
}

// withDefaults returns c with zero fields replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Grid == (bev.Grid{}) {
		c.Grid = bev.BEVFusionGrid
	}
	if c.ZMin == 0 && c.ZMax == 0 {
		c.ZMin, c.ZMax = -10, 10
	}
	if c.DepthStep == 0 {
		if c.DepthMin == 0 && c.DepthMax == 0 {
			c.DepthMin, c.DepthMax = 1, 60
		}
		c.DepthStep = 0.5
	}
	if c.InputWidth == 0 && c.InputHeight == 0 {
		c.InputWidth, c.InputHeight = 704, 256
	}
	if c.FeatWidth == 0 && c.FeatHeight == 0 {
		c.FeatWidth, c.FeatHeight = 88, 32
	}
	return c
}

// DepthBins returns the number of depth bins of c (after defaults).
func (c Config) DepthBins() int {
	c = c.withDefaults()
	return int(math.Ceil((c.DepthMax-c.DepthMin)/c.DepthStep - 1e-9))
}

// validate checks a defaulted config.
func (c Config) validate() error {
	if err := c.Grid.Validate(); err != nil {
		return fmt.Errorf("lss: Config.Grid: %w", err)
	}
	switch {
	case c.Layout != bev.LayoutYX && c.Layout != bev.LayoutXY:
		return configErr("Config.Layout", c.Layout, "unknown layout")
	case !(c.ZMax > c.ZMin):
		return configErr("Config.ZMax", c.ZMax, "must exceed ZMin %v m", c.ZMin)
	case !(c.DepthMin > 0):
		return configErr("Config.DepthMin", c.DepthMin, "must be > 0 m")
	case !(c.DepthMax > c.DepthMin) || math.IsInf(c.DepthMax, 0):
		return configErr("Config.DepthMax", c.DepthMax, "must be finite and exceed DepthMin %v m", c.DepthMin)
	case !(c.DepthStep > 0):
		return configErr("Config.DepthStep", c.DepthStep, "must be > 0 m")
	}
	if nb := (c.DepthMax - c.DepthMin) / c.DepthStep; !(nb <= 1<<16) {
		return configErr("Config.DepthStep", c.DepthStep, "%v bins over [%v, %v) m, more than %d", nb, c.DepthMin, c.DepthMax, 1<<16)
	}
	switch {
	case c.InputWidth <= 0:
		return configErr("Config.InputWidth", c.InputWidth, "must be positive")
	case c.InputHeight <= 0:
		return configErr("Config.InputHeight", c.InputHeight, "must be positive")
	case c.FeatWidth <= 0:
		return configErr("Config.FeatWidth", c.FeatWidth, "must be positive")
	case c.FeatHeight <= 0:
		return configErr("Config.FeatHeight", c.FeatHeight, "must be positive")
	case c.Sampling != SampleCentre && c.Sampling != SampleLinspace:
		return configErr("Config.Sampling", c.Sampling, "unknown sampling")
	}
	return nil
}

// fingerprintNumbers lists every defaulted config number for
// bev.Fingerprint.
func (c Config) fingerprintNumbers() []float64 {
	g := c.Grid
	return []float64{g.XMin, g.XMax, g.YMin, g.YMax, g.Resolution, float64(c.Layout),
		c.ZMin, c.ZMax, c.DepthMin, c.DepthMax, c.DepthStep,
		float64(c.InputWidth), float64(c.InputHeight), float64(c.FeatWidth), float64(c.FeatHeight), float64(c.Sampling)}
}

// Fingerprint returns the hash that changes whenever NewGeometry(c, cams)
// would give another result (up to changes hidden inside a bev.Lens). It
// costs about a microsecond per camera; call it every frame and rebuild
// the Geometry when it changes.
func Fingerprint(c Config, cams []bev.Camera) uint64 {
	return bev.Fingerprint(cams, c.withDefaults().fingerprintNumbers()...)
}

// InputPixel returns the network-input pixel, px, of feature cell (u, v)
// under c (after defaults).
func (c Config) InputPixel(u, v int) (x, y float64) {
	return c.withDefaults().inputPixel(u, v)
}

// FrustumPoint returns frustum point (k, v, u) under c (after defaults):
// the network-input pixel of feature cell (u, v) and the depth of bin k, m,
// as BEVFusion's create_frustum lays out frustum[k, v, u] = (x, y, d).
func (c Config) FrustumPoint(k, v, u int) (x, y, d float64) {
	c = c.withDefaults()
	x, y = c.inputPixel(u, v)
	return x, y, c.depth(k)
}

// depth is the depth of bin k on a defaulted config, m.
func (c Config) depth(k int) float64 { return c.DepthMin + float64(k)*c.DepthStep }

// inputPixel is InputPixel on a defaulted config.
func (c Config) inputPixel(u, v int) (x, y float64) {
	if c.Sampling == SampleLinspace {
		x, y = 0, 0
		if c.FeatWidth > 1 {
			x = float64(u) * float64(c.InputWidth-1) / float64(c.FeatWidth-1)
		}
		if c.FeatHeight > 1 {
			y = float64(v) * float64(c.InputHeight-1) / float64(c.FeatHeight-1)
		}
		return x, y
	}
	return (float64(u)+0.5)*float64(c.InputWidth)/float64(c.FeatWidth) - 0.5,
		(float64(v)+0.5)*float64(c.InputHeight)/float64(c.FeatHeight) - 0.5
}

// Interval is a run of sorted frustum points that fall in one BEV cell.
type Interval struct {
	// Start is the index of the first point in Geometry.DepthIndex.
	Start int32
	// Len is the number of points, ≥ 1.
	Len int32
	// Cell is the cell's offset inside one channel plane of the pooled
	// tensor, in Config.Layout (for bev.LayoutYX, j·W + i).
	Cell int32
}

// Geometry is the precomputed lift of a camera rig: the kept frustum
// points sorted by BEV cell and their intervals. It is immutable once
// built and safe for concurrent use.
type Geometry struct {
	// Config is the configuration with defaults filled in.
	Config Config
	// NCam, D, FH, FW are the depth tensor dimensions [NCam, D, FH, FW].
	NCam, D, FH, FW int
	// Fingerprint is Fingerprint(Config, cams) at construction.
	Fingerprint uint64
	// DepthIndex holds, for each kept point in cell order, its index
	// ((n·D + k)·FH + v)·FW + u into the depth tensor.
	DepthIndex []int32
	// Intervals lists the non-empty cells in increasing Cell order. In a
	// geometry from MovingGeometry.Move the order is non-decreasing: a
	// cell may have several intervals, one after the other.
	Intervals []Interval
	// pointCell holds the plane offset of every frustum point in tensor
	// order, −1 when dropped.
	pointCell []int32
	// featIndex holds, for each kept point in cell order, its feature
	// cell n·FH·FW + v·FW + u (DepthIndex without the depth bin), so that a
	// pooler need not divide.
	featIndex []int32
	// points identifies the contents of DepthIndex and featIndex: a
	// Pooler reset to a geometry with the same non-zero value keeps its
	// per-point offsets. Each Build takes a new value; a moved geometry
	// has its static geometry's.
	points uint64
	// moved marks a MovingGeometry's frame: DepthIndex holds the static
	// points, of which the intervals keep kept.
	moved bool
	kept  int
}

// pointsSerial numbers the point sets built (Geometry.points).
var pointsSerial atomic.Uint64

// Frustum returns the number of frustum points NCam·D·FH·FW.
func (g *Geometry) Frustum() int { return g.NCam * g.D * g.FH * g.FW }

// Kept returns the number of frustum points inside the grid.
func (g *Geometry) Kept() int {
	if g.moved {
		return g.kept
	}
	return len(g.DepthIndex)
}

// Cells returns the number of cells of one channel plane.
func (g *Geometry) Cells() int { return g.Config.Grid.Cells() }

// Source returns the camera n, depth bin k and feature cell (u, v) of the
// i-th sorted point.
func (g *Geometry) Source(i int) (n, k, v, u int) {
	idx := int(g.DepthIndex[i])
	u = idx % g.FW
	idx /= g.FW
	v = idx % g.FH
	idx /= g.FH
	k = idx % g.D
	return idx / g.D, k, v, u
}

// PointCells returns the plane offset of every frustum point in depth
// tensor order, −1 for points outside the grid or the height range. It is
// what ScatterAdd consumes; do not modify it. A moved geometry
// (MovingGeometry.Move) has no such table: it is made from the intervals,
// in a new slice, on every call.
func (g *Geometry) PointCells() []int32 {
	if len(g.pointCell) == g.Frustum() {
		return g.pointCell
	}
	pc := make([]int32, g.Frustum())
	for i := range pc {
		pc[i] = -1
	}
	for _, iv := range g.Intervals {
		for _, idx := range g.DepthIndex[iv.Start : iv.Start+iv.Len] {
			pc[idx] = iv.Cell
		}
	}
	return pc
}

// NewGeometry lifts every frustum point of cams (1 to MaxCameras cameras)
// under cfg and sorts the kept ones by BEV cell. A bad cfg or camera count
// is a *configerr.Error naming it; a bad camera wraps ErrCamera.
func NewGeometry(cfg Config, cams []bev.Camera) (*Geometry, error) {
	var b Builder
	g, err := b.build(cfg, cams)
	if err != nil {
		return nil, err
	}
	b.g = nil // the geometry is the caller's alone: the builder is dropped
	return g, nil
}

// Builder rebuilds the geometry of one rig frame after frame, as ego-motion
// compensation moves the cameras, without allocating: the rays of every
// feature cell (the augmentation, lens and undistortion, which do not
// depend on the extrinsic) are kept per camera until its intrinsics
// change, and the point, index and interval buffers are reused. Build does
// exactly what NewGeometry does, in the same arithmetic, so the geometry
// is identical to a fresh NewGeometry of the same cameras. The zero value
// is ready; a Builder is not safe for concurrent use.
type Builder struct {
	g        *Geometry // the last geometry built: its buffers are reused
	rays     []camRays
	counts   [][]int32
	slabs    int
	nd, hw   int
	cams     []bev.Camera
	c        Config
	wg       sync.WaitGroup
	workers  int
	gw, gh   int
	pointBuf []int32
}

// camRays is one camera's undistorted normalised rays per feature cell,
// valid for the intrinsics of intr.
type camRays struct {
	intr bev.Camera // the camera they were made for, without its extrinsic
	xy   []float64  // per feature cell x, y on the z = 1 plane
	ok   []bool
	// dir and t are base_link ray directions for unit depth and the
	// camera's position, from the current extrinsic.
	dir []float64
	t   [3]float64
}

// Build returns the geometry of cams under cfg. The geometry is valid until
// the next Build: it shares the Builder's buffers, so a Pooler using it
// must be Reset to each new geometry before pooling (Pooler.Reset).
func (b *Builder) Build(cfg Config, cams []bev.Camera) (*Geometry, error) {
	return b.build(cfg, cams)
}

func (b *Builder) build(cfg Config, cams []bev.Camera) (*Geometry, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	if len(cams) < 1 || len(cams) > MaxCameras {
		return nil, configErr("NewGeometry cams", len(cams), "need 1 to %d cameras", MaxCameras)
	}
	nd := c.DepthBins()
	fh, fw := c.FeatHeight, c.FeatWidth
	hw := fh * fw
	total := len(cams) * nd * hw
	if total > maxFrustumPoints {
		return nil, configErr("Config.DepthStep", c.DepthStep, "%d frustum points exceed %d", total, maxFrustumPoints)
	}
	if b.g != nil && b.g.Config != c {
		*b = Builder{} // another configuration: nothing to reuse
	}
	b.rays = growSlice(b.rays, len(cams))
	for n := range cams {
		cam := &cams[n]
		if err := cam.Validate(); err != nil {
			return nil, fmt.Errorf("%w: camera %d: %w", ErrCamera, n, err)
		}
		cr := &b.rays[n]
		// The rays depend on everything but the extrinsic.
		if cr.xy == nil || !sameIntrinsics(&cr.intr, cam) || len(cr.ok) != hw {
			cr.intr = *cam
			cr.intr.D = slices.Clone(cam.D)
			cr.xy, cr.ok, cr.dir = growSlice(cr.xy, 2*hw), growSlice(cr.ok, hw), growSlice(cr.dir, 3*hw)
			ainv, _ := bev.Invert3(cam.AugMatrix())
			lens := cam.LensModel()
			for v := 0; v < fh; v++ {
				for u := 0; u < fw; u++ {
					px, py := c.inputPixel(u, v)
					ox := ainv[0]*px + ainv[1]*py + ainv[2]
					oy := ainv[3]*px + ainv[4]*py + ainv[5]
					ow := ainv[6]*px + ainv[7]*py + ainv[8]
					x, y := lens.Undistort(ox/ow, oy/ow)
					p := v*fw + u
					cr.ok[p] = !(math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0))
					cr.xy[2*p], cr.xy[2*p+1] = x, y
				}
			}
		}
		e := cam.Extrinsic
		cr.t = [3]float64{e[3], e[7], e[11]}
		for p, ok := range cr.ok {
			if !ok {
				continue
			}
			x, y := cr.xy[2*p], cr.xy[2*p+1]
			cr.dir[3*p] = e[0]*x + e[1]*y + e[2]
			cr.dir[3*p+1] = e[4]*x + e[5]*y + e[6]
			cr.dir[3*p+2] = e[8]*x + e[9]*y + e[10]
		}
	}

	grid := c.Grid
	gw, gh := grid.Width(), grid.Height()
	cells := gw * gh
	var pointCell []int32
	if b.g != nil {
		pointCell = b.g.pointCell
	}
	pointCell = growSlice(pointCell, total)
	// Each worker lifts a contiguous range of (camera, depth bin) slabs and
	// counts its points per cell; the counts give every worker its own
	// write position per cell, so the scatter of the stable counting sort
	// also runs in parallel and still keeps tensor order inside a cell.
	slabs := len(cams) * nd
	workers := max(1, min(runtime.GOMAXPROCS(0), slabs))
	b.counts = growSlice(b.counts, workers)
	for w := range b.counts {
		b.counts[w] = growSlice(b.counts[w], cells)
	}
	b.c, b.cams, b.slabs, b.nd, b.hw, b.workers, b.gw, b.gh = c, cams, slabs, nd, hw, workers, gw, gh
	b.pointBuf = pointCell
	b.wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go b.liftSlabs(w)
	}
	b.liftSlabs(0)
	b.wg.Wait()

	// Prefix sums: intervals, and each worker's first slot per cell.
	var g *Geometry
	if b.g != nil {
		g = b.g
	} else {
		g = &Geometry{}
	}
	nInt := 0
	for cell := 0; cell < cells; cell++ {
		var l int32
		for w := range b.counts {
			l += b.counts[w][cell]
		}
		if l > 0 {
			nInt++
		}
	}
	intervals := growSlice(g.Intervals, nInt)[:0]
	pos := int32(0)
	for cell := 0; cell < cells; cell++ {
		start := pos
		for w := range b.counts {
			n := b.counts[w][cell]
			b.counts[w][cell] = pos
			pos += n
		}
		if pos > start {
			intervals = append(intervals, Interval{Start: start, Len: pos - start, Cell: int32(cell)})
		}
	}
	*g = Geometry{
		Config: c, NCam: len(cams), D: nd, FH: fh, FW: fw,
		Fingerprint: Fingerprint(c, cams),
		DepthIndex:  growSlice(g.DepthIndex, int(pos)),
		Intervals:   intervals,
		pointCell:   pointCell,
		featIndex:   growSlice(g.featIndex, int(pos)),
		points:      pointsSerial.Add(1),
	}
	b.g = g
	b.wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go b.scatterSlabs(w)
	}
	b.scatterSlabs(0)
	b.wg.Wait()
	b.cams = nil
	return g, nil
}

// sameIntrinsics reports whether b has a's intrinsics, distortion and
// augmentation: every number Fingerprint reads but the extrinsic, and
// whether a Lens is set (a Lens's contents are, as for Fingerprint, not
// seen).
func sameIntrinsics(a, b *bev.Camera) bool {
	return a.Width == b.Width && a.Height == b.Height && a.Fx == b.Fx && a.Fy == b.Fy && a.Cx == b.Cx && a.Cy == b.Cy &&
		a.Distortion == b.Distortion && slices.Equal(a.D, b.D) && a.AugMatrix() == b.AugMatrix() && (a.Lens == nil) == (b.Lens == nil)
}

// slabRange returns worker w's (camera, depth bin) slabs.
func (b *Builder) slabRange(w int) (int, int) {
	return w * b.slabs / b.workers, (w + 1) * b.slabs / b.workers
}

// liftSlabs finds the cell of every point of worker w's slabs and counts
// the points per cell.
func (b *Builder) liftSlabs(w int) {
	if w > 0 {
		defer b.wg.Done()
	}
	c := &b.c
	cnt := b.counts[w]
	clear(cnt)
	grid := c.Grid
	xmin, ymin, res := grid.XMin, grid.YMin, grid.Resolution
	fgw, fgh := float64(b.gw), float64(b.gh)
	hw, nd := b.hw, b.nd
	s0, s1 := b.slabRange(w)
	for s := s0; s < s1; s++ {
		n, k := s/nd, s%nd
		cg := &b.rays[n]
		depth := c.depth(k)
		out := b.pointBuf[s*hw : (s+1)*hw]
		for p := range out {
			out[p] = -1
			if !cg.ok[p] {
				continue
			}
			z := cg.t[2] + depth*cg.dir[3*p+2]
			if !(z >= c.ZMin && z < c.ZMax) {
				continue
			}
			fi := (cg.t[0] + depth*cg.dir[3*p] - xmin) / res
			fj := (cg.t[1] + depth*cg.dir[3*p+1] - ymin) / res
			if !(fi >= 0 && fi < fgw && fj >= 0 && fj < fgh) {
				continue
			}
			i, j := int(fi), int(fj)
			var cell int
			if c.Layout == bev.LayoutXY {
				cell = i*b.gh + j
			} else {
				cell = j*b.gw + i
			}
			out[p] = int32(cell)
			cnt[cell]++
		}
	}
}

// scatterSlabs writes the depth index of every kept point of worker w's
// slabs at its place in cell order.
func (b *Builder) scatterSlabs(w int) {
	if w > 0 {
		defer b.wg.Done()
	}
	fill := b.counts[w]
	s0, s1 := b.slabRange(w)
	di, fi, pc := b.g.DepthIndex, b.g.featIndex, b.pointBuf
	hw := b.hw
	for s := s0; s < s1; s++ {
		base := s * hw
		feat := int32((s / b.nd) * hw) // camera n's first feature cell
		for p, cell := range pc[base : base+hw] {
			if cell >= 0 {
				j := fill[cell]
				di[j] = int32(base + p)
				fi[j] = feat + int32(p)
				fill[cell]++
			}
		}
	}
}

// growSlice returns s resized to n, reallocating only when its capacity
// is short.
func growSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
