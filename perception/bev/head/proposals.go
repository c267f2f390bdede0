package head

import (
	"cmp"
	"math"
	"slices"
)

// Proposals holds one frame's query-based head outputs (TransFusion, as
// CUDA-BEVFusion exports it): N proposals, each a column of channel-major
// [C,N] tensors. Slices are read, never kept.
type Proposals struct {
	N      int       // number of proposals
	Score  []float32 // [K,N] class scores (probabilities, or logits per Config.HeatmapLogits)
	Center []float32 // [2,N] centre (x, y) in head cells from the grid minimum (query position + offset)
	Height []float32 // [1,N] centre (or bottom) z, m
	Dim    []float32 // [3,N] log-size or size per Config
	Rot    []float32 // [2,N] (sin yaw, cos yaw)
	Vel    []float32 // [2,N] (vx, vy) m/s; nil when absent
}

func (d *Decoder) checkProposals(p *Proposals) error {
	if p.N <= 0 {
		return &ShapeError{Tensor: "score", Got: len(p.Score), Want: 0}
	}
	for _, c := range [...]struct {
		name string
		s    []float32
		ch   int
	}{{"score", p.Score, d.cfg.NumClasses}, {"center", p.Center, 2}, {"height", p.Height, 1}, {"dim", p.Dim, 3}, {"rot", p.Rot, 2}} {
		if len(c.s) != c.ch*p.N {
			return &ShapeError{Tensor: c.name, Got: len(c.s), Want: c.ch * p.N}
		}
	}
	if p.Vel != nil && len(p.Vel) != 2*p.N {
		return &ShapeError{Tensor: "vel", Got: len(p.Vel), Want: 2 * p.N}
	}
	return nil
}

// DecodeProposals appends the boxes of p to dst, best score first, and
// returns it: each proposal takes its best class, is kept when that score
// reaches ScoreThreshold, and is placed at x = center_x·Stride·Resolution +
// MinX (likewise y); the TopK best are kept. There is no peak finding: the
// proposals already are peaks. Proposals with NaN scores are dropped.
func (d *Decoder) DecodeProposals(p *Proposals, dst []Box) ([]Box, error) {
	if err := d.checkProposals(p); err != nil {
		return dst, err
	}
	n := p.N
	cands := d.cands[:0]
	for i := range n {
		best, bv := -1, d.thr
		for k := range d.cfg.NumClasses {
			if v := p.Score[k*n+i]; v >= bv {
				best, bv = k, v
			}
		}
		if best >= 0 {
			cands = append(cands, candidate{idx: best*n + i, v: bv})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	if len(cands) > d.cfg.TopK {
		cands = cands[:d.cfg.TopK]
	}
	d.cands = cands
	for _, c := range cands {
		k, i := c.idx/n, c.idx%n
		b := Box{Class: k, Score: float64(c.v)}
		if d.cfg.HeatmapLogits {
			b.Score = 1 / (1 + math.Exp(-float64(c.v)))
		}
		b.X = float64(p.Center[i])*d.cell + d.cfg.MinX
		b.Y = float64(p.Center[n+i])*d.cell + d.cfg.MinY
		d.fillBox(&b, i, n, p.Dim, p.Height, p.Rot, p.Vel)
		dst = append(dst, b)
	}
	return dst, nil
}

// fillBox sets b's size, z, yaw and velocity from element p of the [C,n]
// tensors.
func (d *Decoder) fillBox(b *Box, p, n int, dim, height, rot, vel []float32) {
	d0, d1, d2 := float64(dim[p]), float64(dim[n+p]), float64(dim[2*n+p])
	if !d.cfg.LinearSize {
		d0, d1, d2 = math.Exp(d0), math.Exp(d1), math.Exp(d2)
	}
	if d.swapLW {
		d0, d1 = d1, d0
	}
	b.L, b.W, b.H = d0, d1, d2
	b.Z = float64(height[p])
	if d.cfg.HeightIsBottom {
		b.Z += b.H / 2
	}
	b.Yaw = math.Atan2(float64(rot[p]), float64(rot[n+p]))
	if vel != nil {
		b.VX, b.VY = float64(vel[p]), float64(vel[n+p])
	}
}
