package warp

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// EgoMotion returns now←prev, the transform that maps a point in
// base_link at the previous stamp into base_link at the current stamp,
// from odom←base_link at both stamps (tf Lookup("odom", "base_link",
// stamp)).
func EgoMotion(odomFromPrev, odomFromNow tf.Transform) tf.Transform {
	return odomFromNow.Inverse().Compose(odomFromPrev)
}

// snapEps is the distance, in cells, within which a sample snaps to a
// cell centre.
const snapEps = 1e-6

// Warper warps [C, cells] BEV maps on one grid. SetMotion builds the
// per-cell sampling table once per frame; Warp applies it to any number of
// maps. A Warper is not safe for concurrent SetMotion.
type Warper struct {
	grid   bev.Grid
	layout bev.Layout
	w, h   int
	idx    [][4]int32   // per current cell: the four previous-cell offsets
	wt     [][4]float32 // and their weights (0 for outside neighbours)
	set    bool
}

// New returns a Warper for grid g and layout l.
func New(g bev.Grid, l bev.Layout) (*Warper, error) {
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("warp: %w", err)
	}
	if l != bev.LayoutYX && l != bev.LayoutXY {
		return nil, fmt.Errorf("warp: %w", configerr.New("layout", l, "not LayoutYX or LayoutXY"))
	}
	n := g.Cells()
	return &Warper{grid: g, layout: l, w: g.Width(), h: g.Height(), idx: make([][4]int32, n), wt: make([][4]float32, n)}, nil
}

// offset is Grid.Offset with the cached size.
func (w *Warper) offset(i, j int) int {
	if w.layout == bev.LayoutXY {
		return i*w.h + j
	}
	return j*w.w + i
}

// sampleAt returns the continuous previous-grid coordinates (column,
// row), in cells, with cell centres at integers, of the current cell
// (i, j) under prev←now, snapped to integers within snapEps.
func (w *Warper) sampleAt(prevFromNow tf.Transform, i, j int) (fi, fj float64) {
	x, y := w.grid.Center(i, j)
	p := prevFromNow.Apply(r3.Vec{X: x, Y: y})
	fi = (p.X-w.grid.XMin)/w.grid.Resolution - 0.5
	fj = (p.Y-w.grid.YMin)/w.grid.Resolution - 0.5
	if r := math.Round(fi); math.Abs(fi-r) < snapEps {
		fi = r
	}
	if r := math.Round(fj); math.Abs(fj-r) < snapEps {
		fj = r
	}
	return fi, fj
}

// SetMotion prepares the sampling table for nowFromPrev (EgoMotion). It
// does not allocate.
func (w *Warper) SetMotion(nowFromPrev tf.Transform) error {
	m := nowFromPrev.ToMatrix()
	for _, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: non-finite transform %v", ErrMotion, nowFromPrev)
		}
	}
	inv := nowFromPrev.Inverse()
	for j := 0; j < w.h; j++ {
		for i := 0; i < w.w; i++ {
			fi, fj := w.sampleAt(inv, i, j)
			c := w.offset(i, j)
			var idx [4]int32
			var wt [4]float32
			if fi > -1 && fi < float64(w.w) && fj > -1 && fj < float64(w.h) {
				i0, j0 := int(math.Floor(fi)), int(math.Floor(fj))
				a, b := fi-float64(i0), fj-float64(j0)
				ws := [4]float64{(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b}
				for k, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					ii, jj := i0+d[0], j0+d[1]
					if ii < 0 || ii >= w.w || jj < 0 || jj >= w.h || ws[k] == 0 {
						continue
					}
					idx[k] = int32(w.offset(ii, jj))
					wt[k] = float32(ws[k])
				}
			}
			w.idx[c], w.wt[c] = idx, wt
		}
	}
	w.set = true
	return nil
}

// Warp writes into out the map prev ([channels, cells] on the previous
// ego frame) resampled on the current ego frame, with the table of the
// last SetMotion. Cells that sample outside the previous grid are 0. out
// and prev must not overlap. A NaN or Inf in prev can leak into cells
// that give it zero weight. It does not allocate.
func (w *Warper) Warp(prev []float32, channels int, out []float32) error {
	if !w.set {
		return fmt.Errorf("%w: Warp before SetMotion", ErrMotion)
	}
	plane := w.w * w.h
	if channels <= 0 {
		return fmt.Errorf("warp: %w", configerr.New("channels", channels, "must be > 0"))
	}
	if len(prev) != channels*plane {
		return shapeError("prev", len(prev), channels*plane)
	}
	if len(out) != channels*plane {
		return shapeError("out", len(out), channels*plane)
	}
	// Cells in blocks so the block's sampling table stays in L1 across
	// channels.
	const block = 512
	for lo := 0; lo < plane; lo += block {
		hi := min(lo+block, plane)
		idx, wts := w.idx[lo:hi], w.wt[lo:hi]
		for ch := 0; ch < channels; ch++ {
			src := prev[ch*plane : (ch+1)*plane]
			dst := out[ch*plane+lo : ch*plane+hi]
			dst = dst[:len(idx)]
			for c := range dst {
				ix, wt := &idx[c], &wts[c]
				dst[c] = wt[0]*src[ix[0]] + wt[1]*src[ix[1]] + wt[2]*src[ix[2]] + wt[3]*src[ix[3]]
			}
		}
	}
	return nil
}

// Warp is the one-shot form: it warps prev ([channels, cells] on g in
// layout l) by nowFromPrev into a new slice.
func Warp(prev []float32, channels int, g bev.Grid, l bev.Layout, nowFromPrev tf.Transform) ([]float32, error) {
	w, err := New(g, l)
	if err != nil {
		return nil, err
	}
	if err := w.SetMotion(nowFromPrev); err != nil {
		return nil, err
	}
	out := make([]float32, len(prev))
	if err := w.Warp(prev, channels, out); err != nil {
		return nil, err
	}
	return out, nil
}
