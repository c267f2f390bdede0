package head

import (
	"cmp"
	"math"
	"slices"
)

// Config describes a CenterPoint head's output grid and decoding thresholds.
type Config struct {
	// NumClasses is the number of heatmap channels K. Required.
	NumClasses int
	// Stride is the head's output stride in BEV voxels (CenterPoint's
	// out_size_factor); default 1.
	Stride int
	// Resolution is the BEV voxel size in metres; one head cell covers
	// Stride·Resolution metres. Required.
	Resolution float64
	// MinX and MinY are the grid's lower corner in metres in the output frame
	// (the point-cloud range minimum, e.g. −51.2).
	MinX, MinY float64
	// TopK caps the number of decoded boxes (CenterPoint's max_num); default
	// 500.
	TopK int
	// ScoreThreshold drops peaks whose score (after the sigmoid) is below it;
	// default 0.1. A negative value keeps every peak.
	ScoreThreshold float64
	// HeatmapLogits says the heatmap holds logits, so the decoder applies the
	// sigmoid; false when the model already applies it.
	HeatmapLogits bool
	// PoolSize is the odd side of the max-pool window a peak must dominate;
	// default 3. 1 keeps every cell above the threshold.
	PoolSize int
	// LinearSize says dim holds sizes in metres; by default it holds their
	// natural logarithm and the decoder applies exp.
	LinearSize bool
	// DimOrder is the channel order of dim: "lwh" (default) or "wlh".
	DimOrder string
	// HeightIsBottom says the height head gives the box's bottom z; the
	// decoder then adds half the height so that Box.Z is the centre.
	HeightIsBottom bool
	// XAlongRows says the tensors are stored [C, X, Y] (rows along +x,
	// columns along +y), as some mmdet3d/BEVFusion exports do; by default rows
	// run along +y and columns along +x (bev.Grid's convention). The offset
	// channels stay (x, y) either way.
	XAlongRows bool
}

// Tensors holds one frame's head outputs, each channel-major [C,H,W] with
// rows along +y and columns along +x (transposed when Config.XAlongRows). Slices are read, never kept.
type Tensors struct {
	H, W    int       // head grid rows and columns
	Heatmap []float32 // [K,H,W] class scores (probabilities or logits per Config.HeatmapLogits)
	Reg     []float32 // [2,H,W] centre offset (x, y) in cells
	Height  []float32 // [1,H,W] centre (or bottom) z in metres
	Dim     []float32 // [3,H,W] log-size or size in metres per Config
	Rot     []float32 // [2,H,W] (sin yaw, cos yaw)
	Vel     []float32 // [2,H,W] (vx, vy) in m/s; nil when the head has none
}

// candidate is one peak: its flat heatmap index and score (or logit).
type candidate struct {
	idx int
	v   float32
}

// Decoder turns head tensors into boxes, reusing its buffers between frames.
// A Decoder is not safe for concurrent use.
type Decoder struct {
	cfg    Config
	thr    float32 // threshold in heatmap units (logit when HeatmapLogits)
	cell   float64 // metres per head cell
	radius int
	swapLW bool
	cands  []candidate
}

// New validates cfg, fills its defaults and returns a Decoder.
func New(cfg Config) (*Decoder, error) {
	if cfg.NumClasses <= 0 {
		return nil, configErr("Config.NumClasses", cfg.NumClasses, "want > 0")
	}
	if cfg.Stride == 0 {
		cfg.Stride = 1
	}
	if cfg.Stride < 0 {
		return nil, configErr("Config.Stride", cfg.Stride, "want > 0")
	}
	if !(cfg.Resolution > 0) || math.IsInf(cfg.Resolution, 0) {
		return nil, configErr("Config.Resolution", cfg.Resolution, "want a finite value > 0 m")
	}
	if math.IsNaN(cfg.MinX) || math.IsInf(cfg.MinX, 0) {
		return nil, configErr("Config.MinX", cfg.MinX, "must be finite")
	}
	if math.IsNaN(cfg.MinY) || math.IsInf(cfg.MinY, 0) {
		return nil, configErr("Config.MinY", cfg.MinY, "must be finite")
	}
	if cfg.TopK == 0 {
		cfg.TopK = 500
	}
	if cfg.TopK < 0 {
		return nil, configErr("Config.TopK", cfg.TopK, "want > 0")
	}
	if cfg.ScoreThreshold == 0 {
		cfg.ScoreThreshold = 0.1
	}
	if math.IsNaN(cfg.ScoreThreshold) || cfg.ScoreThreshold >= 1 {
		return nil, configErr("Config.ScoreThreshold", cfg.ScoreThreshold, "want < 1")
	}
	if cfg.PoolSize == 0 {
		cfg.PoolSize = 3
	}
	if cfg.PoolSize < 1 || cfg.PoolSize%2 == 0 {
		return nil, configErr("Config.PoolSize", cfg.PoolSize, "want an odd number ≥ 1")
	}
	d := &Decoder{cfg: cfg, cell: float64(cfg.Stride) * cfg.Resolution, radius: cfg.PoolSize / 2}
	switch cfg.DimOrder {
	case "", "lwh":
		d.cfg.DimOrder = "lwh"
	case "wlh":
		d.swapLW = true
	default:
		return nil, configErr("Config.DimOrder", cfg.DimOrder, "want lwh or wlh")
	}
	switch {
	case cfg.ScoreThreshold <= 0:
		d.thr = float32(math.Inf(-1))
	case cfg.HeatmapLogits:
		t := cfg.ScoreThreshold
		d.thr = float32(math.Log(t / (1 - t)))
	default:
		d.thr = float32(cfg.ScoreThreshold)
	}
	return d, nil
}

// Config returns the decoder's configuration with defaults filled in.
func (d *Decoder) Config() Config { return d.cfg }

// CellSize returns the side of one head cell in metres (Stride·Resolution).
func (d *Decoder) CellSize() float64 { return d.cell }

func (d *Decoder) check(t *Tensors) error {
	if t.H <= 0 || t.W <= 0 {
		return &ShapeError{Tensor: "heatmap", Got: len(t.Heatmap), Want: 0}
	}
	hw := t.H * t.W
	for _, c := range [...]struct {
		name string
		s    []float32
		ch   int
	}{{"heatmap", t.Heatmap, d.cfg.NumClasses}, {"reg", t.Reg, 2}, {"height", t.Height, 1}, {"dim", t.Dim, 3}, {"rot", t.Rot, 2}} {
		if len(c.s) != c.ch*hw {
			return &ShapeError{Tensor: c.name, Got: len(c.s), Want: c.ch * hw}
		}
	}
	if t.Vel != nil && len(t.Vel) != 2*hw {
		return &ShapeError{Tensor: "vel", Got: len(t.Vel), Want: 2 * hw}
	}
	return nil
}

// Decode appends the boxes of t to dst, best score first, and returns it.
// Peaks are cells at least as large as every other cell of their PoolSize
// window in the same class (ties keep both, as CenterPoint's max-pool
// comparison does); the best TopK above ScoreThreshold are decoded. Cells
// with NaN scores are never peaks.
func (d *Decoder) Decode(t *Tensors, dst []Box) ([]Box, error) {
	if err := d.check(t); err != nil {
		return dst, err
	}
	H, W, r := t.H, t.W, d.radius
	hw := H * W
	thr := d.thr
	cands := d.cands[:0]
	for k := range d.cfg.NumClasses {
		hm := t.Heatmap[k*hw : (k+1)*hw]
		for y := range H {
			row := hm[y*W : (y+1)*W]
			y0, y1 := max(y-r, 0), min(y+r, H-1)
			for x, v := range row {
				if !(v >= thr) {
					continue
				}
				x0, x1 := max(x-r, 0), min(x+r, W-1)
				peak := true
			window:
				for yy := y0; yy <= y1; yy++ {
					nb := hm[yy*W : (yy+1)*W]
					for xx := x0; xx <= x1; xx++ {
						if nb[xx] > v {
							peak = false
							break window
						}
					}
				}
				if peak {
					cands = append(cands, candidate{idx: k*hw + y*W + x, v: v})
				}
			}
		}
	}
	// Best first; equal scores in index order so the result is deterministic.
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
		k := c.idx / hw
		p := c.idx - k*hw
		y, x := p/W, p%W
		if d.cfg.XAlongRows {
			x, y = y, x
		}
		b := Box{Class: k}
		b.Score = float64(c.v)
		if d.cfg.HeatmapLogits {
			b.Score = 1 / (1 + math.Exp(-float64(c.v)))
		}
		b.X = (float64(x)+float64(t.Reg[p]))*d.cell + d.cfg.MinX
		b.Y = (float64(y)+float64(t.Reg[hw+p]))*d.cell + d.cfg.MinY
		d.fillBox(&b, p, hw, t.Dim, t.Height, t.Rot, t.Vel)
		dst = append(dst, b)
	}
	return dst, nil
}
