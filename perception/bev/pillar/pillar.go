package pillar

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/bev"
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

// Pillarizer bins lidar points into pillar statistics. It keeps one
// interleaved accumulator (16 bytes per cell) so each point touches a
// single cache line; Run is not safe for concurrent calls.
type Pillarizer struct {
	cfg    Config
	w, h   int
	xy     bool
	fw, fh float64
	acc    [][4]float32 // per cell: count, max z, Σz, Σintensity
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
		return nil, fmt.Errorf("pillar: Config.Grid: %w", err)
	}
	if !(cfg.ZMax > cfg.ZMin) {
		return nil, configerr.New("pillar.Config.ZMax", cfg.ZMax, "must exceed ZMin %v", cfg.ZMin)
	}
	if cfg.Layout != bev.LayoutYX && cfg.Layout != bev.LayoutXY {
		return nil, configerr.New("pillar.Config.Layout", cfg.Layout, "not LayoutYX or LayoutXY")
	}
	w, h := cfg.Grid.Width(), cfg.Grid.Height()
	return &Pillarizer{cfg: cfg, w: w, h: h, xy: cfg.Layout == bev.LayoutXY, fw: float64(w), fh: float64(h),
		acc: make([][4]float32, w*h)}, nil
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
	cells := p.w * p.h
	acc := p.acc
	clear(acc)
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
		a := &acc[c]
		if a[0] == 0 || pz > a[1] {
			a[1] = pz
		}
		a[0]++
		a[2] += pz
		if intensity != nil {
			a[3] += intensity[k]
		}
		kept++
	}
	count := out[ChanCount*cells : (ChanCount+1)*cells]
	maxZ := out[ChanMaxZ*cells : (ChanMaxZ+1)*cells]
	meanZ := out[ChanMeanZ*cells : (ChanMeanZ+1)*cells]
	meanI := out[ChanMeanIntensity*cells : (ChanMeanIntensity+1)*cells]
	occ := out[ChanOccupancy*cells : (ChanOccupancy+1)*cells]
	maxZ, meanZ, meanI, occ = maxZ[:len(count)], meanZ[:len(count)], meanI[:len(count)], occ[:len(count)]
	for c := range count {
		a := acc[c]
		if a[0] == 0 {
			count[c], maxZ[c], meanZ[c], meanI[c], occ[c] = 0, 0, 0, 0, 0
			continue
		}
		inv := 1 / a[0]
		count[c], maxZ[c], meanZ[c], meanI[c], occ[c] = a[0], a[1], a[2]*inv, a[3]*inv, 1
	}
	return kept, nil
}
