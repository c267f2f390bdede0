package lss

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/perception/bev"
)

// MovingGeometry is the geometry of a rig whose cameras are each moved
// every frame by a small rigid ego motion (bevfusion's motion
// compensation: base_link at the cloud's stamp ← base_link at the image's),
// without redoing the lift and sort of every frustum point each frame.
//
// It lifts and sorts the rig once per calibration (NewMovingGeometry),
// over the grid widened by a margin, and splits each cell's points into
// runs of one camera. Move then places each run as a whole: the run's
// representative point — its cell's centre at the middle height of its
// points — goes through its camera's motion, and the run joins the cell
// that point lands in. The precomputed points and their order stay; only
// the intervals change, so a Pooler reset to the moved geometry keeps its
// per-point offsets.
//
// # Approximation bound
//
// A point p of a run with representative q is placed in the cell of M·q,
// while a full rebuild (NewGeometry of the moved cameras) places it in the
// cell of M·p. In the ground plane the two differ by
//
//	|(R·(p − q))_xy| ≤ res/√2 + sin(tilt)·Δz
//
// where res is the cell size, tilt the angle by which M's rotation R tips
// the vertical and Δz half the run's height spread (Bound computes it for a
// frame's motions). With res 0.4 m, the bound is below one cell for tilts
// under a degree, so every point is at most one cell from where a full
// rebuild puts it in each axis; a translation by whole cells without
// rotation places every point exactly (up to rounding on cell edges). Points a full rebuild keeps or drops
// differently lie within the bound of the grid's edge, or within the
// motion's height change (|tz| + sin(tilt)·range) of ZMin or ZMax, since
// the height filter is the static one; a point moved in from beyond the
// margin is missing.
type MovingGeometry struct {
	cfg    Config    // the output configuration (defaults filled in)
	static *Geometry // the rig lifted over the widened grid, camera-major runs inside each cell
	margin int       // cells added on each side of the grid
	runs   []run
	dzHalf float64 // the largest half height spread of a run, m
	moved  Geometry
	target []int32 // per run: its cell this frame, −1 outside
	count  []int32
}

// run is one camera's points in one cell of the static geometry.
type run struct {
	start, n int32
	cam      int32
	x, y, z  float64 // representative point in base_link, m
}

// DefaultMargin is the margin NewMovingGeometry uses for margin 0: 2 m
// covers 0.4 m of translation and 0.02 rad of yaw at the corners of
// BEVFusion's ±51.2 m grid.
const DefaultMargin = 2.0

// NewMovingGeometry lifts cams under cfg once, over cfg's grid widened by
// margin metres on every side (0 means DefaultMargin; rounded up to whole
// cells), for Move. Errors are NewGeometry's.
func NewMovingGeometry(cfg Config, cams []bev.Camera, margin float64) (*MovingGeometry, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	if margin == 0 {
		margin = DefaultMargin
	}
	if !(margin >= 0) || margin > 1e3 {
		return nil, configErr("NewMovingGeometry margin", margin, "need 0..1000 m")
	}
	res := c.Grid.Resolution
	mc := int(math.Ceil(margin/res - 1e-9))
	wide := c
	wide.Layout = bev.LayoutYX
	wide.Grid = bev.Grid{XMin: c.Grid.XMin - float64(mc)*res, XMax: c.Grid.XMin + float64(c.Grid.Width()+mc)*res,
		YMin: c.Grid.YMin - float64(mc)*res, YMax: c.Grid.YMin + float64(c.Grid.Height()+mc)*res, Resolution: res}
	var b Builder
	g, err := b.build(wide, cams)
	if err != nil {
		return nil, err
	}
	m := &MovingGeometry{cfg: c, static: g, margin: mc}
	// Runs: inside a cell the points are in (camera, bin, row, column)
	// order, so each camera's are contiguous. Their heights come from the
	// builder's rays.
	dhw := int32(g.D * g.FH * g.FW)
	gw := g.Config.Grid.Width()
	for _, iv := range g.Intervals {
		cx := wide.Grid.XMin + (float64(int(iv.Cell)%gw)+0.5)*res
		cy := wide.Grid.YMin + (float64(int(iv.Cell)/gw)+0.5)*res
		for s := iv.Start; s < iv.Start+iv.Len; {
			cam := g.DepthIndex[s] / dhw
			e := s
			zlo, zhi := math.Inf(1), math.Inf(-1)
			for ; e < iv.Start+iv.Len && g.DepthIndex[e]/dhw == cam; e++ {
				z := b.pointZ(int(g.DepthIndex[e]))
				zlo, zhi = min(zlo, z), max(zhi, z)
			}
			m.runs = append(m.runs, run{start: s, n: e - s, cam: cam, x: cx, y: cy, z: (zlo + zhi) / 2})
			m.dzHalf = max(m.dzHalf, (zhi-zlo)/2)
			s = e
		}
	}
	m.target = make([]int32, len(m.runs))
	m.count = make([]int32, c.Grid.Cells()+1)
	m.moved = Geometry{Config: c, NCam: g.NCam, D: g.D, FH: g.FH, FW: g.FW,
		Fingerprint: Fingerprint(c, cams), DepthIndex: g.DepthIndex, featIndex: g.featIndex, points: g.points, moved: true,
		Intervals: make([]Interval, 0, len(m.runs))}
	return m, nil
}

// pointZ is the base_link height of frustum point idx of the last build,
// in the arithmetic of liftSlabs.
func (b *Builder) pointZ(idx int) float64 {
	p := idx % b.hw
	s := idx / b.hw
	cr := &b.rays[s/b.nd]
	return cr.t[2] + b.c.depth(s%b.nd)*cr.dir[3*p+2]
}

// Fingerprint is Fingerprint(cfg, cams) of the static rig: the calibration
// this geometry is for.
func (m *MovingGeometry) Fingerprint() uint64 { return m.moved.Fingerprint }

// Static returns the rig's geometry over the widened grid (LayoutYX).
func (m *MovingGeometry) Static() *Geometry { return m.static }

// Move returns the geometry of the rig with camera n moved by motions[n]
// (row-major 4×4 rigid transforms, base_link after ← base_link before; the
// moved extrinsic is motions[n]·Extrinsic). It is valid until the next
// Move; reset a Pooler to it (Pooler.Reset), which then keeps its
// per-point offsets. Move does not allocate.
func (m *MovingGeometry) Move(motions [][16]float64) (*Geometry, error) {
	if len(motions) != m.static.NCam {
		return nil, configErr("MovingGeometry.Move motions", len(motions), "motions for %d cameras", m.static.NCam)
	}
	for i := range motions {
		for _, v := range motions[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, configErr(fmt.Sprintf("MovingGeometry.Move motions[%d]", i), nil, "not finite")
			}
		}
	}
	grid := m.cfg.Grid
	res := grid.Resolution
	gw, gh := grid.Width(), grid.Height()
	fgw, fgh := float64(gw), float64(gh)
	cells := gw * gh
	// Each camera's motion as the map from base_link before to grid
	// coordinates after: (i, j) = ((M·p)_xy − (XMin, YMin)) / res.
	var aff [MaxCameras][8]float64
	for n, mo := range motions {
		aff[n] = [8]float64{mo[0] / res, mo[1] / res, mo[2] / res, (mo[3] - grid.XMin) / res,
			mo[4] / res, mo[5] / res, mo[6] / res, (mo[7] - grid.YMin) / res}
	}
	xy := m.cfg.Layout == bev.LayoutXY
	count := m.count[:cells+1]
	clear(count)
	target := m.target[:len(m.runs)]
	for r := range m.runs {
		rn := &m.runs[r]
		a := &aff[rn.cam&(MaxCameras-1)]
		fi := a[0]*rn.x + a[1]*rn.y + a[2]*rn.z + a[3]
		fj := a[4]*rn.x + a[5]*rn.y + a[6]*rn.z + a[7]
		if !(fi >= 0 && fi < fgw && fj >= 0 && fj < fgh) {
			target[r] = -1
			continue
		}
		i, j := int(fi), int(fj)
		cell := j*gw + i
		if xy {
			cell = i*gh + j
		}
		target[r] = int32(cell)
		count[cell+1]++
	}
	sum := int32(0)
	for c, n := range count {
		sum += n
		count[c] = sum
	}
	ivs := m.moved.Intervals[:count[cells]]
	kept := 0
	for r, t := range target {
		if t < 0 {
			continue
		}
		rn := &m.runs[r]
		ivs[count[t]] = Interval{Start: rn.start, Len: rn.n, Cell: t}
		count[t]++
		kept += int(rn.n)
	}
	m.moved.Intervals, m.moved.kept = ivs, kept
	return &m.moved, nil
}

// Bound returns the ground-plane distance, m, within which Move(motions)
// places every point of its geometry from where a full rebuild of the
// moved cameras would: res/√2 + sin(tilt)·Δz over the cameras, where tilt
// is the angle by which a camera's motion tips the vertical and Δz half the
// largest height spread of a run.
func (m *MovingGeometry) Bound(motions [][16]float64) float64 {
	var tilt float64
	for _, mo := range motions {
		tilt = max(tilt, math.Hypot(mo[2], mo[6])) // |R·ẑ in the ground plane| = sin(tilt)
	}
	return m.cfg.Grid.Resolution/math.Sqrt2 + tilt*m.dzHalf
}
