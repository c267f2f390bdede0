package bevfusionnode

import (
	"encoding/binary"
	"math"

	"github.com/gopercept/gopercept/bev"
	"github.com/gopercept/gopercept/pointcloud"
	"github.com/gopercept/gopercept/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// lidarChannels is the number of pillar feature planes: occupancy (0/1),
// maximum height above z_min (m) and mean intensity.
const lidarChannels = 3

// pillars holds one cloud's BEV statistics on the node's grid, each plane in
// the grid's row-major layout (index j·W + i).
type pillars struct {
	w, h     int
	count    []int32
	ground   []int32   // points at or below the obstacle height
	maxZ     []float32 // m above z_min
	sumI     []float32
	features []float32 // [3,H,W]: occupancy, max height, mean intensity
}

func newPillars(g bev.Grid) *pillars {
	w, h := g.Width(), g.Height()
	n := w * h
	return &pillars{w: w, h: h, count: make([]int32, n), ground: make([]int32, n), maxZ: make([]float32, n),
		sumI: make([]float32, n), features: make([]float32, lidarChannels*n)}
}

// fill bins the cloud (points in the lidar frame, moved to base_link by
// toBase) into the grid and computes the feature planes. Points with a
// non-finite coordinate or outside [zMin, zMax] are skipped; it returns the
// number of points binned.
//
// f32 says x, y and z are little-endian float32 (the common driver layout),
// which takes a direct read instead of the generic accessor.
func (p *pillars) fill(g bev.Grid, acc pointcloud.XYZI, data []byte, n int, toBase tf.Transform, zMin, zMax, obstacleZ float64, f32 bool) int {
	clear(p.count)
	clear(p.ground)
	clear(p.maxZ)
	clear(p.sumI)
	hasI := acc.Intensity.Valid()
	binned := 0
	m := toBase.ToMatrix()
	gw, gh := g.Width(), g.Height()
	inv := 1 / g.Resolution
	for i := range n {
		var x, y, z float64
		if f32 {
			x = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[acc.X.Offset(i):])))
			y = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[acc.Y.Offset(i):])))
			z = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[acc.Z.Offset(i):])))
		} else {
			x, y, z = acc.X.Float(data, i), acc.Y.Float(data, i), acc.Z.Float(data, i)
		}
		q := r3.Vec{X: m[0]*x + m[1]*y + m[2]*z + m[3], Y: m[4]*x + m[5]*y + m[6]*z + m[7], Z: m[8]*x + m[9]*y + m[10]*z + m[11]}
		if !(q.Z >= zMin && q.Z <= zMax) {
			continue
		}
		// Cell index as bev.Grid.Index computes it (half-open cells).
		fi, fj := math.Floor((q.X-g.XMin)*inv), math.Floor((q.Y-g.YMin)*inv)
		if !(fi >= 0 && fi < float64(gw) && fj >= 0 && fj < float64(gh)) {
			continue
		}
		c := int(fj)*gw + int(fi)
		binned++
		p.count[c]++
		if q.Z <= obstacleZ {
			p.ground[c]++
		}
		if z := float32(q.Z - zMin); z > p.maxZ[c] {
			p.maxZ[c] = z
		}
		if hasI {
			if v := acc.Intensity.Float(data, i); !math.IsNaN(v) {
				p.sumI[c] += float32(v)
			}
		}
	}
	hw := p.w * p.h
	for c := range hw {
		occ, mz, mi := float32(0), float32(0), float32(0)
		if k := p.count[c]; k > 0 {
			occ, mz, mi = 1, p.maxZ[c], p.sumI[c]/float32(k)
		}
		p.features[c], p.features[hw+c], p.features[2*hw+c] = occ, mz, mi
	}
	return binned
}

// occupancy writes the lidar-only occupancy grid: 100 where some point lies
// above the obstacle height, 0 where only ground points fell, −1 where no
// point fell.
func (p *pillars) occupancy(dst []int8) []int8 {
	dst = dst[:0]
	for c, k := range p.count {
		switch {
		case k == 0:
			dst = append(dst, -1)
		case p.ground[c] < k:
			dst = append(dst, 100)
		default:
			dst = append(dst, 0)
		}
	}
	return dst
}

// copyTo writes the feature planes into dst in the model's layout: as they
// are for bev.LayoutYX, transposed to [3, W, H] for bev.LayoutXY.
func (p *pillars) copyTo(dst []float32, l bev.Layout) {
	if l != bev.LayoutXY {
		copy(dst, p.features)
		return
	}
	hw := p.w * p.h
	for c := range lidarChannels {
		src, out := p.features[c*hw:(c+1)*hw], dst[c*hw:(c+1)*hw]
		for j := range p.h {
			for i := range p.w {
				out[i*p.h+j] = src[j*p.w+i]
			}
		}
	}
}
