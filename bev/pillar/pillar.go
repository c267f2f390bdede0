package pillar

import (
	"fmt"

	"github.com/gopercept/gopercept/bev"
)

// Pillar channels, in output order.
const (
	ChanCount = iota
	ChanMaxZ
	ChanMeanZ
	ChanMeanIntensity
	ChanOccupancy
	// NumChannels is the number of output planes.
	NumChannels
)

// Config configures a Pillarizer.
type Config struct {
	// Grid is the BEV grid in base_link. Default bev.BEVFusionGrid.
	Grid bev.Grid
	// Layout is the memory order of each plane. Default bev.LayoutYX.
	Layout bev.Layout
	// ZMin and ZMax bound the kept heights, m: ZMin ≤ z < ZMax. Default
	// (both zero) −5 and 5.
	ZMin, ZMax float64
}

// Pillarizer bins lidar points into pillar statistics. It holds no
// per-frame state; Run is safe for concurrent use with distinct outputs.
type Pillarizer struct {
	cfg    Config
	w, h   int
	xy     bool
	fw, fh float64
}

// New validates cfg and returns a Pillarizer.
func New(cfg Config) (*Pillarizer, error) {
	if cfg.Grid == (bev.Grid{}) {
		cfg.Grid = bev.BEVFusionGrid
	}
	if cfg.ZMin == 0 && cfg.ZMax == 0 {
		cfg.ZMin, cfg.ZMax = -5, 5
	}
	if err := cfg.Grid.Validate(); err != nil {
		return nil, fmt.Errorf("%w: Grid: %w", ErrConfig, err)
	}
	if !(cfg.ZMax > cfg.ZMin) {
		return nil, fmt.Errorf("%w: ZMax %v must exceed ZMin %v", ErrConfig, cfg.ZMax, cfg.ZMin)
	}
	if cfg.Layout != bev.LayoutYX && cfg.Layout != bev.LayoutXY {
		return nil, fmt.Errorf("%w: Layout %v", ErrConfig, cfg.Layout)
	}
	w, h := cfg.Grid.Width(), cfg.Grid.Height()
	return &Pillarizer{cfg: cfg, w: w, h: h, xy: cfg.Layout == bev.LayoutXY, fw: float64(w), fh: float64(h)}, nil
}

// Config returns the configuration with defaults filled in.
func (p *Pillarizer) Config() Config { return p.cfg }

// OutputLen returns NumChannels·cells, the length Run's out must have.
func (p *Pillarizer) OutputLen() int { return NumChannels * p.w * p.h }

// Run writes the pillar planes of the points (x[i], y[i], z[i],
// intensity[i]) into out ([NumChannels, cells], fully overwritten) and
// returns how many points fell in the grid. intensity may be nil. It does
// not allocate.
func (p *Pillarizer) Run(x, y, z, intensity []float32, out []float32) (int, error) {
	n := len(x)
	if len(y) != n || len(z) != n {
		return 0, shapeError("y/z", min(len(y), len(z)), n)
	}
	if intensity != nil && len(intensity) != n {
		return 0, shapeError("intensity", len(intensity), n)
	}
	if len(out) != p.OutputLen() {
		return 0, shapeError("out", len(out), p.OutputLen())
	}
	clear(out)
	cells := p.w * p.h
	count := out[ChanCount*cells : (ChanCount+1)*cells]
	maxZ := out[ChanMaxZ*cells : (ChanMaxZ+1)*cells]
	sumZ := out[ChanMeanZ*cells : (ChanMeanZ+1)*cells]
	sumI := out[ChanMeanIntensity*cells : (ChanMeanIntensity+1)*cells]
	occ := out[ChanOccupancy*cells : (ChanOccupancy+1)*cells]
	g := p.cfg.Grid
	zmin, zmax := float32(p.cfg.ZMin), float32(p.cfg.ZMax)
	y, z = y[:n], z[:n]
	kept := 0
	for k, px := range x {
		pz := z[k]
		if !(pz >= zmin && pz < zmax) {
			continue
		}
		fi := (float64(px) - g.XMin) / g.Resolution
		fj := (float64(y[k]) - g.YMin) / g.Resolution
		if !(fi >= 0 && fi < p.fw && fj >= 0 && fj < p.fh) {
			continue
		}
		var c int
		if p.xy {
			c = int(fi)*p.h + int(fj)
		} else {
			c = int(fj)*p.w + int(fi)
		}
		if count[c] == 0 || pz > maxZ[c] {
			maxZ[c] = pz
		}
		count[c]++
		sumZ[c] += pz
		if intensity != nil {
			sumI[c] += intensity[k]
		}
		kept++
	}
	for c, cnt := range count {
		if cnt > 0 {
			inv := 1 / cnt
			sumZ[c] *= inv
			sumI[c] *= inv
			occ[c] = 1
		}
	}
	return kept, nil
}
