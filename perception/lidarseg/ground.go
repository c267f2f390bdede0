package lidarseg

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/gopercept/gopercept/internal/parallel"
)

// GroundConfig configures sector-wise ground-plane fitting: the plane
// around the sensor is split into regions (azimuth sectors × range zones),
// and each region fits its own plane from its lowest points, refined a few
// times, as in PASS3D's first stage and Zermas et al.'s ground-plane
// fitting.
type GroundConfig struct {
	// Sectors is the number of azimuth sectors; default 32.
	Sectors int
	// ZoneEdges are the horizontal ranges in metres where range zones
	// start, ascending; points nearer than the first are not ground
	// candidates (the vehicle itself). Default [1, 8, 16, 30, 50].
	ZoneEdges []float64
	// SensorHeight is the sensor's height above the ground in metres;
	// points more than BelowGround under −SensorHeight (reflections) are
	// not used to seed planes. Default 1.73 (KITTI).
	SensorHeight float64
	// BelowGround in metres; default 1.
	BelowGround float64
	// SeedCount is how many of a region's lowest points are averaged to
	// give its lowest-point representative; default 20.
	SeedCount int
	// SeedThreshold is how far above that representative, in metres, a
	// point may be to seed the plane; default 0.4.
	SeedThreshold float64
	// DistThreshold is how far above the fitted plane, in metres, a point
	// may be and still be ground; default 0.15.
	DistThreshold float64
	// MaxStep is how far, in metres, a region's plane may stand above the
	// nearer zone's plane where the two zones meet; a higher one takes the
	// nearer plane instead. Where a sparse lidar's rings no longer reach
	// the ground, a far region's lowest points are the sides of cars and
	// buildings, and a plane fitted to them takes in their lower half.
	// Default 0.25 (a curb is 0.15), which 0 also takes, as every zero
	// field here; negative disables the check.
	MaxStep float64
	// StepFrom is the range in metres from which zones are checked
	// against MaxStep (zones whose inner edge is at least this far);
	// default 16, where a 16-beam lidar's rings thin out. Nearer ground is
	// never replaced: a false obstacle beside the vehicle costs more than
	// a far car's lower half.
	StepFrom float64
	// Iterations of fit-and-select; default 3.
	Iterations int
	// MinPoints a region needs to fit a plane; default 10.
	MinPoints int
	// MaxSlopeDeg is the steepest plane taken as ground, in degrees;
	// default 20. Steeper regions (walls) have no ground.
	MaxSlopeDeg float64
}

// DefaultGroundConfig returns the defaults.
func DefaultGroundConfig() GroundConfig {
	return GroundConfig{Sectors: 32, ZoneEdges: []float64{1, 8, 16, 30, 50}, SensorHeight: 1.73, BelowGround: 1,
		SeedCount: 20, SeedThreshold: 0.2, DistThreshold: 0.15, MaxStep: 0.25, StepFrom: 16, Iterations: 3, MinPoints: 10, MaxSlopeDeg: 20}
}

func (c *GroundConfig) defaults() error {
	d := DefaultGroundConfig()
	if c.Sectors == 0 {
		c.Sectors = d.Sectors
	}
	if c.ZoneEdges == nil {
		c.ZoneEdges = d.ZoneEdges
	}
	if c.SensorHeight == 0 {
		c.SensorHeight = d.SensorHeight
	}
	if c.BelowGround == 0 {
		c.BelowGround = d.BelowGround
	}
	if c.SeedCount == 0 {
		c.SeedCount = d.SeedCount
	}
	if c.SeedThreshold == 0 {
		c.SeedThreshold = d.SeedThreshold
	}
	if c.DistThreshold == 0 {
		c.DistThreshold = d.DistThreshold
	}
	if c.MaxStep == 0 {
		c.MaxStep = d.MaxStep
	}
	if c.StepFrom == 0 {
		c.StepFrom = d.StepFrom
	}
	if c.Iterations == 0 {
		c.Iterations = d.Iterations
	}
	if c.MinPoints == 0 {
		c.MinPoints = d.MinPoints
	}
	if c.MaxSlopeDeg == 0 {
		c.MaxSlopeDeg = d.MaxSlopeDeg
	}
	switch {
	case c.Sectors < 1 || c.Sectors > 4096:
		return configErr("GroundConfig.Sectors", c.Sectors, "want 1..4096")
	case len(c.ZoneEdges) == 0 || !slices.IsSorted(c.ZoneEdges) || c.ZoneEdges[0] < 0:
		return configErr("GroundConfig.ZoneEdges", c.ZoneEdges, "want ascending non-negative ranges")
	case c.SeedCount < 1:
		return configErr("GroundConfig.SeedCount", c.SeedCount, "want ≥ 1")
	case c.Iterations < 1 || c.Iterations > 100:
		return configErr("GroundConfig.Iterations", c.Iterations, "want 1..100")
	case c.MinPoints < 3:
		return configErr("GroundConfig.MinPoints", c.MinPoints, "want ≥ 3 (a plane)")
	case !(c.DistThreshold > 0):
		return configErr("GroundConfig.DistThreshold", c.DistThreshold, "want > 0 m")
	case !(c.SeedThreshold > 0):
		return configErr("GroundConfig.SeedThreshold", c.SeedThreshold, "want > 0 m")
	case math.IsNaN(c.MaxStep):
		return configErr("GroundConfig.MaxStep", c.MaxStep, "want a height in m (negative: no check)")
	case !(c.StepFrom >= 0):
		return configErr("GroundConfig.StepFrom", c.StepFrom, "want ≥ 0 m")
	case !(c.MaxSlopeDeg > 0 && c.MaxSlopeDeg <= 90):
		return configErr("GroundConfig.MaxSlopeDeg", c.MaxSlopeDeg, "want (0, 90] degrees")
	}
	return nil
}

// Plane is n·p + d = 0 with a unit normal n pointing up.
type Plane struct {
	Normal [3]float64
	D      float64
}

// Distance returns the signed distance of (x, y, z) above the plane in
// metres.
func (p Plane) Distance(x, y, z float64) float64 {
	return p.Normal[0]*x + p.Normal[1]*y + p.Normal[2]*z + p.D
}

// Ground segments ground points. It is not safe for concurrent use.
type Ground struct {
	cfg      GroundConfig
	regions  int
	region   []int32       // per point, −1 when not a candidate
	start    []int32       // per region+1, offsets into order
	pts      []groundPoint // the candidates grouped by region
	sel      []bool        // ground flags in that order
	fill     []int32
	fitters  []fitter // one per sector: sectors are fitted in parallel
	par      parallel.Loop
	regionFn func(lo, hi int)
	fitFn    func(lo, hi int)
	cloud    Cloud     // the cloud being segmented, for the chunks
	out      []bool    // its ground flags
	secTab   stepTable // sector from the diamond angle
	cosSlope float64
	edges2   []float64 // ZoneEdges squared
	// stepChecked is, per zone, whether its planes are checked against
	// the nearer zone's (MaxStep ≥ 0 and the zone starts at StepFrom or
	// beyond; never the first zone, which has no nearer one).
	stepChecked []bool
	planes      []Plane
	hasPlane    []bool
}

// groundPoint is a candidate point and its index in the cloud. Packed, the
// gather by region writes one stream per region instead of four, which
// the caches hold (160 regions by default).
type groundPoint struct {
	x, y, z float32
	i       int32
}

// NewGround returns a ground segmenter.
func NewGround(cfg GroundConfig) (*Ground, error) {
	cfg.ZoneEdges = slices.Clone(cfg.ZoneEdges)
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	g := &Ground{cfg: cfg, regions: cfg.Sectors * len(cfg.ZoneEdges)}
	g.start = make([]int32, g.regions+1)
	g.fill = make([]int32, g.regions)
	// Workspace query, so that every later Dsyev call reuses it.
	var q [1]float64
	var a [9]float64
	var ev [3]float64
	lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: 3, Stride: 3, Uplo: blas.Upper, Data: a[:]}, ev[:], q[:], -1)
	g.fitters = make([]fitter, cfg.Sectors)
	for i := range g.fitters {
		g.fitters[i] = fitter{g: g, work: make([]float64, int(q[0])), lowest: make([]float32, 0, cfg.SeedCount)}
	}
	g.regionFn = g.assign
	g.fitFn = g.fitSectors
	// Sector boundaries at angles −π + 2πk/Sectors, as diamond angles.
	thr := make([]float64, 0, cfg.Sectors-1)
	for k := 1; k < cfg.Sectors; k++ {
		a := -math.Pi + 2*math.Pi*float64(k)/float64(cfg.Sectors)
		thr = append(thr, diamond(math.Cos(a), math.Sin(a)))
	}
	g.secTab = newStepTable(thr, 4*cfg.Sectors+16)
	g.cosSlope = math.Cos(cfg.MaxSlopeDeg * math.Pi / 180)
	for z, e := range cfg.ZoneEdges {
		g.edges2 = append(g.edges2, e*e)
		g.stepChecked = append(g.stepChecked, z > 0 && cfg.MaxStep >= 0 && e >= cfg.StepFrom)
	}
	g.planes = make([]Plane, g.regions)
	g.hasPlane = make([]bool, g.regions)
	return g, nil
}

// Config returns the configuration with defaults applied.
func (g *Ground) Config() GroundConfig { return g.cfg }

// Plane returns the plane fitted in region (zone × Sectors + sector) by
// the last Segment, and whether there was one.
func (g *Ground) Plane(region int) (Plane, bool) { return g.planes[region], g.hasPlane[region] }

// Segment marks in ground (one value per point) the points of c on the
// ground. A region with fewer than MinPoints points uses the plane of the
// nearer zone of its sector. Points that are NaN, infinite, nearer than the
// first zone edge or in regions without a plane are not ground.
func (g *Ground) Segment(c Cloud, ground []bool) error {
	n := len(c.X)
	if len(c.Y) != n || len(c.Z) != n || len(ground) != n {
		return fmt.Errorf("%w: x, y, z, ground have %d, %d, %d, %d values", ErrInput, n, len(c.Y), len(c.Z), len(ground))
	}
	g.region = grow(g.region, n)
	g.cloud, g.out = c, ground
	g.par.For(n, 16384, g.regionFn)
	clear(g.start)
	for _, r := range g.region {
		if r >= 0 {
			g.start[r+1]++
		}
	}
	for r := 0; r < g.regions; r++ {
		g.start[r+1] += g.start[r]
	}
	// Gather each region's points contiguously, so that the fits below
	// read memory in order.
	g.pts = grow(g.pts, n)
	g.sel = grow(g.sel, n)
	copy(g.fill, g.start[:g.regions])
	xs, ys, zs := c.X[:n], c.Y[:n], c.Z[:n]
	for i, r := range g.region[:n] {
		if r >= 0 {
			k := g.fill[r]
			g.pts[k] = groundPoint{xs[i], ys[i], zs[i], int32(i)}
			g.fill[r]++
		}
	}
	g.par.For(g.cfg.Sectors, 1, g.fitFn)
	g.cloud, g.out = Cloud{}, nil
	return nil
}

// assign finds the region of points [lo, hi) and clears their flags.
func (g *Ground) assign(lo, hi int) {
	c := &g.cloud
	edges := g.edges2
	for i := lo; i < hi; i++ {
		g.out[i] = false
		x, y, z := float64(c.X[i]), float64(c.Y[i]), float64(c.Z[i])
		// Squared ranges against squared edges: no square root. v − v is 0
		// for finite v only, so one test drops NaN and infinite points.
		rho2 := x*x + y*y
		if v := rho2 + z; v-v != 0 || rho2 < edges[0] {
			g.region[i] = -1
			continue
		}
		zone := 0
		for zone+1 < len(edges) && rho2 >= edges[zone+1] {
			zone++
		}
		sec := 0
		if g.cfg.Sectors > 1 {
			sec = min(g.secTab.count(diamond(x, y)), g.cfg.Sectors-1)
		}
		g.region[i] = int32(zone*g.cfg.Sectors + sec)
	}
}

// fitSectors fits the regions of sectors [lo, hi), zone by zone outwards.
func (g *Ground) fitSectors(lo, hi int) {
	for sec := lo; sec < hi; sec++ {
		f := &g.fitters[sec]
		for r := sec; r < g.regions; r += g.cfg.Sectors {
			g.hasPlane[r] = false
			a, b := g.start[r], g.start[r+1]
			pts, sel := g.pts[a:b], g.sel[a:b]
			clear(sel)
			in := r - g.cfg.Sectors
			near := in >= 0 && g.hasPlane[in]
			carry := near && len(pts) < g.cfg.MinPoints
			if len(pts) >= g.cfg.MinPoints {
				f.fitRegion(r, pts, sel)
				carry = near && g.hasPlane[r] && g.stepChecked[r/g.cfg.Sectors] && g.stepUp(r, g.planes[r], g.planes[in], pts, sel) > g.cfg.MaxStep
			}
			if carry {
				// Too few points to fit (a far zone crossed by one ring of
				// a sparse sensor), or a plane on objects: carry the plane
				// of the nearer zone over.
				pl := g.planes[in]
				g.classify(pl, pts, sel)
				g.planes[r], g.hasPlane[r] = pl, true
			}
			for k, s := range sel {
				g.out[pts[k].i] = s
			}
		}
	}
}

// stepUp is how far plane pl of region r stands above plane near where
// their zones meet, in the direction of the first point of pts that pl
// selected: continuous ground meets there, up to a curb, while a plane
// fitted to cars' sides stands their clearance and more above it.
func (g *Ground) stepUp(r int, pl, near Plane, pts []groundPoint, sel []bool) float64 {
	edge := math.Sqrt(g.edges2[r/g.cfg.Sectors])
	for k, s := range sel {
		if s {
			x, y := float64(pts[k].x), float64(pts[k].y)
			f := edge / math.Hypot(x, y)
			x, y = x*f, y*f
			return pl.heightAt(x, y) - near.heightAt(x, y)
		}
	}
	return 0
}

// heightAt is the plane's z at (x, y); planes taken as ground are never
// vertical.
func (p Plane) heightAt(x, y float64) float64 {
	return -(p.Normal[0]*x + p.Normal[1]*y + p.D) / p.Normal[2]
}

// classify marks the points up to DistThreshold above the plane (or below
// it) as ground.
func (g *Ground) classify(pl Plane, pts []groundPoint, sel []bool) {
	nx, ny, nz, d, thr := pl.Normal[0], pl.Normal[1], pl.Normal[2], pl.D, g.cfg.DistThreshold
	sel = sel[:len(pts)]
	for k, p := range pts {
		sel[k] = nx*float64(p.x)+ny*float64(p.y)+nz*float64(p.z)+d < thr
	}
}

// moments are the sums over selected points of their offsets from a
// reference point near the region (keeping float64 cancellation small)
// and of the offsets' products.
type moments struct {
	n                                  int
	sx, sy, sz, xx, xy, xz, yy, yz, zz float64
}

// add accumulates the point (x, y, z), offsets from the reference.
func (m *moments) add(dx, dy, dz float64) {
	m.n++
	m.sx += dx
	m.sy += dy
	m.sz += dz
	m.xx += dx * dx
	m.xy += dx * dy
	m.xz += dx * dz
	m.yy += dy * dy
	m.yz += dy * dz
	m.zz += dz * dz
}

// classifyMoments is classify that also returns the moments of the points
// it marks about o, so that the next fit needs no pass of its own.
func (g *Ground) classifyMoments(pl Plane, pts []groundPoint, sel []bool, o [3]float64) moments {
	nx, ny, nz, d, thr := pl.Normal[0], pl.Normal[1], pl.Normal[2], pl.D, g.cfg.DistThreshold
	sel = sel[:len(pts)]
	var m moments
	for k, p := range pts {
		x, y, z := float64(p.x), float64(p.y), float64(p.z)
		s := nx*x+ny*y+nz*z+d < thr
		sel[k] = s
		if s {
			m.add(x-o[0], y-o[1], z-o[2])
		}
	}
	return m
}

// fitter holds one worker's plane-fitting state.
type fitter struct {
	g       *Ground
	a       [9]float64 // covariance, then eigenvectors (row-major)
	eigvals [3]float64
	work    []float64 // LAPACK workspace, sized once
	lowest  []float32
}

// fitPlane fits a plane to the selected points of xs, ys, zs (see
// fitter.planeOf); the tests' entry.
func (g *Ground) fitPlane(xs, ys, zs []float32, sel []bool) (Plane, bool) {
	var m moments
	var o [3]float64
	first := true
	for k, s := range sel {
		if !s {
			continue
		}
		if first {
			o, first = [3]float64{float64(xs[k]), float64(ys[k]), float64(zs[k])}, false
		}
		m.add(float64(xs[k])-o[0], float64(ys[k])-o[1], float64(zs[k])-o[2])
	}
	return g.fitters[0].planeOf(m, o)
}

// fitRegion fits a region's plane to its points and marks its ground
// points in sel. Each refinement classifies and gathers the next fit's
// moments in one pass.
func (f *fitter) fitRegion(r int, pts []groundPoint, sel []bool) {
	g := f.g
	// Lowest-point representative: mean z of the SeedCount lowest points
	// that are not far below the expected ground.
	floor := float32(-g.cfg.SensorHeight - g.cfg.BelowGround)
	low := f.lowest[:0]
	k := g.cfg.SeedCount
	for _, p := range pts {
		z := p.z
		if z < floor {
			continue
		}
		if len(low) == k && z >= low[k-1] {
			continue
		}
		if len(low) < k {
			low = append(low, z)
		}
		j := len(low) - 1
		for j > 0 && z < low[j-1] {
			low[j] = low[j-1]
			j--
		}
		low[j] = z
	}
	if len(low) == 0 {
		return
	}
	lpr := 0.0
	for _, z := range low {
		lpr += float64(z)
	}
	lpr /= float64(len(low))
	seedTop := float32(lpr + g.cfg.SeedThreshold)
	// Moments about the first seed point: a stray return far off (which
	// the region's outermost zone admits) would cost them their precision.
	var o [3]float64
	for _, p := range pts {
		if p.z < seedTop && p.z >= floor {
			o = [3]float64{float64(p.x), float64(p.y), float64(p.z)}
			break
		}
	}
	var m moments
	sel = sel[:len(pts)]
	for k, p := range pts {
		s := p.z < seedTop && p.z >= floor
		sel[k] = s
		if s {
			m.add(float64(p.x)-o[0], float64(p.y)-o[1], float64(p.z)-o[2])
		}
	}
	var pl Plane
	for it := 0; it < g.cfg.Iterations; it++ {
		var ok bool
		pl, ok = f.planeOf(m, o)
		if !ok || pl.Normal[2] < g.cosSlope {
			clear(sel)
			return
		}
		if it == g.cfg.Iterations-1 {
			g.classify(pl, pts, sel)
		} else {
			m = g.classifyMoments(pl, pts, sel, o)
		}
	}
	g.planes[r], g.hasPlane[r] = pl, true
}

// planeOf fits a plane to points with moments m about o by principal
// component analysis: the normal is the eigenvector of the covariance with
// the smallest eigenvalue.
func (f *fitter) planeOf(m moments, o [3]float64) (Plane, bool) {
	if m.n < 3 {
		return Plane{}, false
	}
	nf := float64(m.n)
	mx, my, mz := m.sx/nf, m.sy/nf, m.sz/nf
	c := [6]float64{m.xx - nf*mx*mx, m.xy - nf*mx*my, m.xz - nf*mx*mz, m.yy - nf*my*my, m.yz - nf*my*mz, m.zz - nf*mz*mz}
	return f.planeFromMoments(mx+o[0], my+o[1], mz+o[2], c)
}

// planeFromMoments solves the 3×3 symmetric eigenproblem with gonum's
// LAPACK (Dsyev) in preallocated storage.
func (f *fitter) planeFromMoments(mx, my, mz float64, m [6]float64) (Plane, bool) {
	f.a = [9]float64{m[0], m[1], m[2], 0, m[3], m[4], 0, 0, m[5]}
	sym := blas64.Symmetric{N: 3, Stride: 3, Uplo: blas.Upper, Data: f.a[:]}
	if !lapack64.Syev(lapack.EVCompute, sym, f.eigvals[:], f.work, len(f.work)) {
		return Plane{}, false
	}
	// Eigenvalues ascend; the eigenvectors are the columns of a. Points
	// along a line (one ring's arc in a far region) leave the plane's tilt
	// about that line undetermined: take the level plane through them.
	if f.eigvals[1] < 0.01*f.eigvals[2] {
		return Plane{Normal: [3]float64{0, 0, 1}, D: -mz}, true
	}
	nx, ny, nz := f.a[0], f.a[3], f.a[6]
	norm := math.Sqrt(nx*nx + ny*ny + nz*nz)
	if !(norm > 0) {
		return Plane{}, false
	}
	if nz < 0 {
		norm = -norm
	}
	nx, ny, nz = nx/norm, ny/norm, nz/norm
	return Plane{Normal: [3]float64{nx, ny, nz}, D: -(nx*mx + ny*my + nz*mz)}, true
}
