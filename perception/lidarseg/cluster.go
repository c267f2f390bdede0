package lidarseg

import (
	"fmt"
	"math"
)

// ClusterConfig configures Euclidean clustering on the range image: two
// non-ground pixels are connected when they are within NeighbourRows rows
// and NeighbourCols columns of each other (the rows being rings on a
// ring-projected image) and their points are closer than
// Distance + RangeFactor × range; instances are the connected components,
// as in depth clustering and PASS3D's ring-based first stage.
type ClusterConfig struct {
	// Distance is the base distance threshold in metres; default 0.5.
	Distance float64
	// RangeFactor widens the threshold with range (metres per metre of the
	// nearer point's range), for the beams spreading apart; default 0.02.
	RangeFactor float64
	// NeighbourRows and NeighbourCols are the reach of a pixel in rows and
	// columns; defaults 1 and 2.
	NeighbourRows, NeighbourCols int
	// MinPoints is the smallest instance in points; smaller components get
	// instance 0. Default 5.
	MinPoints int
	// Wrap connects the first and last columns (a full 360° image).
	Wrap bool
}

// DefaultClusterConfig returns the defaults (Wrap true).
func DefaultClusterConfig() ClusterConfig {
	return ClusterConfig{Distance: 0.5, RangeFactor: 0.02, NeighbourRows: 1, NeighbourCols: 2, MinPoints: 5, Wrap: true}
}

func (c *ClusterConfig) defaults() error {
	d := DefaultClusterConfig()
	if c.Distance == 0 {
		c.Distance = d.Distance
	}
	if c.NeighbourRows == 0 {
		c.NeighbourRows = d.NeighbourRows
	}
	if c.NeighbourCols == 0 {
		c.NeighbourCols = d.NeighbourCols
	}
	if c.MinPoints == 0 {
		c.MinPoints = d.MinPoints
	}
	switch {
	case !(c.Distance > 0) || math.IsInf(c.Distance, 0):
		return configErr("ClusterConfig.Distance", c.Distance, "want finite > 0 m")
	case c.RangeFactor < 0 || math.IsNaN(c.RangeFactor):
		return configErr("ClusterConfig.RangeFactor", c.RangeFactor, "want ≥ 0")
	case c.NeighbourRows < 0 || c.NeighbourRows > 8:
		return configErr("ClusterConfig.NeighbourRows", c.NeighbourRows, "want 0..8")
	case c.NeighbourCols < 1 || c.NeighbourCols > 32:
		return configErr("ClusterConfig.NeighbourCols", c.NeighbourCols, "want 1..32")
	case c.MinPoints < 1:
		return configErr("ClusterConfig.MinPoints", c.MinPoints, "want ≥ 1")
	}
	return nil
}

// Clusterer finds instances on range images. It is not safe for concurrent
// use.
type Clusterer struct {
	cfg   ClusterConfig
	comp  []int32 // per pixel component, −1 unvisited or excluded
	queue []int32
	size  []int32 // points per component
	remap []uint32
}

// NewClusterer returns a Clusterer.
func NewClusterer(cfg ClusterConfig) (*Clusterer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Clusterer{cfg: cfg}, nil
}

// Config returns the configuration with defaults applied.
func (cl *Clusterer) Config() ClusterConfig { return cl.cfg }

// connected reports whether points a and b are close enough.
func (cl *Clusterer) connected(c *Cloud, a, b int32, ra, rb float32) bool {
	dx, dy, dz := c.X[a]-c.X[b], c.Y[a]-c.Y[b], c.Z[a]-c.Z[b]
	thr := cl.cfg.Distance + cl.cfg.RangeFactor*float64(min(ra, rb))
	return float64(dx*dx+dy*dy+dz*dz) <= thr*thr
}

// Cluster writes an instance id per point into instance: 0 for ground
// points (ground may be nil), points without a pixel and points in
// components smaller than MinPoints; 1.. otherwise, numbered in order of
// first pixel. An occluded point takes the instance of its pixel's point
// when it is within the distance threshold of it. It returns the number of
// instances.
func (cl *Clusterer) Cluster(p *Projection, c Cloud, ground []bool, instance []uint32) (int, error) {
	n := p.NumPoints()
	if len(c.X) != n || len(c.Y) != n || len(c.Z) != n || len(instance) != n || (ground != nil && len(ground) != n) {
		return 0, fmt.Errorf("%w: cloud of %d points, projection of %d, %d instances", ErrInput, len(c.X), n, len(instance))
	}
	h, w := p.Height, p.Width
	cl.comp = grow(cl.comp, h*w)
	for pix, j := range p.PixelPoint {
		cl.comp[pix] = -1
		if j >= 0 && ground != nil && ground[j] {
			cl.comp[pix] = -2 // excluded
		}
	}
	cl.size = cl.size[:0]
	rows, cols := cl.cfg.NeighbourRows, cl.cfg.NeighbourCols
	for seed, j := range p.PixelPoint {
		if j < 0 || cl.comp[seed] != -1 {
			continue
		}
		id := int32(len(cl.size))
		cl.comp[seed] = id
		cl.queue = append(cl.queue[:0], int32(seed))
		for q := 0; q < len(cl.queue); q++ {
			pix := int(cl.queue[q])
			a := p.PixelPoint[pix]
			ra := p.PixelRange[pix]
			y, x := pix/w, pix%w
			for dy := -rows; dy <= rows; dy++ {
				yy := y + dy
				if yy < 0 || yy >= h {
					continue
				}
				for dx := -cols; dx <= cols; dx++ {
					xx := x + dx
					if xx < 0 || xx >= w {
						if !cl.cfg.Wrap {
							continue
						}
						xx = (xx + w) % w
					}
					nb := yy*w + xx
					if cl.comp[nb] != -1 {
						continue
					}
					b := p.PixelPoint[nb]
					if b < 0 || !cl.connected(&c, a, b, ra, p.PixelRange[nb]) {
						continue
					}
					cl.comp[nb] = id
					cl.queue = append(cl.queue, int32(nb))
				}
			}
		}
		cl.size = append(cl.size, 0)
	}
	// Points: pixel's component, occluded ones only when near.
	for i := range instance {
		instance[i] = 0
		u := p.PointU[i]
		if u < 0 || (ground != nil && ground[i]) {
			continue
		}
		pix := int(p.PointV[i])*w + int(u)
		id := cl.comp[pix]
		if id < 0 {
			continue
		}
		if j := p.PixelPoint[pix]; j != int32(i) && !cl.connected(&c, j, int32(i), p.PixelRange[pix], p.PointRange[i]) {
			continue
		}
		instance[i] = uint32(id) + 1
		cl.size[id]++
	}
	// Number the components that are large enough 1, 2, ...
	cl.remap = grow(cl.remap, len(cl.size))
	next := uint32(0)
	for id, s := range cl.size {
		cl.remap[id] = 0
		if int(s) >= cl.cfg.MinPoints {
			next++
			cl.remap[id] = next
		}
	}
	for i, v := range instance {
		if v > 0 {
			instance[i] = cl.remap[v-1]
		}
	}
	return int(next), nil
}
