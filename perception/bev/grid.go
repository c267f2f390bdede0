package bev

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/configerr"
)

// MaxCells caps the number of cells of a valid Grid (W·H), so that a bad
// parameter cannot make the BEV code allocate gigabytes: 4096×4096.
const MaxCells = 4096 * 4096

// Grid is an axis-aligned BEV grid in base_link, metres. See the package
// documentation for the exact indexing convention.
type Grid struct {
	// XMin is the lower x bound (rear edge of the grid), m.
	XMin float64
	// XMax is the upper x bound (front edge), m. If (XMax−XMin) is not a
	// whole number of cells the grid is extended to the next whole cell.
	XMax float64
	// YMin is the lower y bound (right edge, y points left), m.
	YMin float64
	// YMax is the upper y bound (left edge), m.
	YMax float64
	// Resolution is the side of a square cell, m.
	Resolution float64
}

// BEVFusionGrid is BEVFusion's paper grid: 0.4 m cells over ±51.2 m,
// 256×256.
var BEVFusionGrid = Grid{XMin: -51.2, XMax: 51.2, YMin: -51.2, YMax: 51.2, Resolution: 0.4}

// Validate reports a *configerr.Error naming the field ("bev.Grid.XMax")
// for a non-finite
// bound, an empty extent, a non-positive resolution or more than MaxCells
// cells.
func (g Grid) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"XMin", g.XMin}, {"XMax", g.XMax}, {"YMin", g.YMin}, {"YMax", g.YMax}, {"Resolution", g.Resolution}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return configerr.New("bev.Grid."+f.name, f.v, "not finite")
		}
	}
	if !(g.Resolution > 0) {
		return configerr.New("bev.Grid.Resolution", g.Resolution, "must be > 0 m")
	}
	if !(g.XMax > g.XMin) {
		return configerr.New("bev.Grid.XMax", g.XMax, "must exceed XMin %v", g.XMin)
	}
	if !(g.YMax > g.YMin) {
		return configerr.New("bev.Grid.YMax", g.YMax, "must exceed YMin %v", g.YMin)
	}
	w := cellsAlong(g.XMax-g.XMin, g.Resolution)
	h := cellsAlong(g.YMax-g.YMin, g.Resolution)
	if w*h > MaxCells {
		return configerr.New("bev.Grid.Resolution", g.Resolution, "gives %d×%d cells, more than %d", w, h, MaxCells)
	}
	return nil
}

// cellsAlong returns the number of whole cells covering extent, tolerating
// a rounding error of 1e-6 cell (so 102.4/0.4 is 256, not 257).
func cellsAlong(extent, res float64) int {
	n := extent / res
	if n > 1<<30 {
		return 1 << 30
	}
	return int(math.Ceil(n - 1e-6))
}

// Width returns the number of cells along x (columns, OccupancyGrid
// info.width).
func (g Grid) Width() int { return cellsAlong(g.XMax-g.XMin, g.Resolution) }

// Height returns the number of cells along y (rows, OccupancyGrid
// info.height).
func (g Grid) Height() int { return cellsAlong(g.YMax-g.YMin, g.Resolution) }

// Cells returns Width()·Height().
func (g Grid) Cells() int { return g.Width() * g.Height() }

// Origin returns the lower-left corner of cell (0, 0) in base_link, m: the
// position of OccupancyGrid info.origin (orientation identity).
func (g Grid) Origin() (x, y float64) { return g.XMin, g.YMin }

// Cell returns the column i (along x) and row j (along y) of the cell
// holding the base_link point (x, y), m, and whether it is inside the grid.
// NaN is outside.
func (g Grid) Cell(x, y float64) (i, j int, ok bool) {
	fi := (x - g.XMin) / g.Resolution
	fj := (y - g.YMin) / g.Resolution
	w, h := g.Width(), g.Height()
	if !(fi >= 0 && fi < float64(w) && fj >= 0 && fj < float64(h)) {
		return 0, 0, false
	}
	return int(fi), int(fj), true
}

// Index returns the row-major index j·Width()+i of the cell holding (x, y)
// and whether the point is inside the grid.
func (g Grid) Index(x, y float64) (int, bool) {
	i, j, ok := g.Cell(x, y)
	if !ok {
		return -1, false
	}
	return j*g.Width() + i, true
}

// Center returns the base_link centre of cell (i, j), m. Indices outside
// the grid extrapolate.
func (g Grid) Center(i, j int) (x, y float64) {
	return g.XMin + (float64(i)+0.5)*g.Resolution, g.YMin + (float64(j)+0.5)*g.Resolution
}

// Layout is the memory order of a [C, ·, ·] BEV tensor.
type Layout int

const (
	// LayoutYX is [C, H, W]: rows along y, columns along x, element
	// c·H·W + j·W + i; the OccupancyGrid order and gopercept's default.
	LayoutYX Layout = iota
	// LayoutXY is [C, W, H]: rows along x, columns along y, element
	// c·W·H + i·H + j; the order of mmdet3d/BEVFusion's bev_pool output.
	LayoutXY
)

// String returns "yx" or "xy".
func (l Layout) String() string {
	switch l {
	case LayoutYX:
		return "yx"
	case LayoutXY:
		return "xy"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Offset returns the offset of cell (i, j) inside one channel plane of a
// tensor in layout l over g.
func (g Grid) Offset(l Layout, i, j int) int {
	if l == LayoutXY {
		return i*g.Height() + j
	}
	return j*g.Width() + i
}
