package lidarsegnode

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// decoder turns PointCloud2 messages into lidarseg.Cloud slices, reusing
// its buffers from cloud to cloud.
type decoder struct {
	maxPoints int
	layout    pointcloud.Layout
	x, y, z   []float32
	intensity []float32
	ring      []uint16

	// The cloud being read, for read's chunks.
	data       []byte
	fx, fy, fz pointcloud.Field
	fi, fr     pointcloud.Field
	hasI, hasR bool
	par        lidarseg.Parallel
	readFn     func(lo, hi int)
}

// decode validates m's layout and reads its points. Errors wrap
// pointcloud's layout sentinels or ErrCloud.
func (d *decoder) decode(m *sensor_msgs.PointCloud2) (lidarseg.Cloud, error) {
	d.layout = rosconv.Layout(m, d.layout.Fields)
	acc, err := d.layout.Lidar(len(m.Data), d.maxPoints)
	if err != nil {
		return lidarseg.Cloud{}, err
	}
	n := d.layout.NumPoints()
	if n == 0 {
		return lidarseg.Cloud{}, fmt.Errorf("%w: no points (width %d, height %d)", ErrCloud, m.Width, m.Height)
	}
	d.x, d.y, d.z = grow(d.x, n), grow(d.y, n), grow(d.z, n)
	c := lidarseg.Cloud{X: d.x, Y: d.y, Z: d.z}
	if acc.Intensity.Valid() {
		d.intensity = grow(d.intensity, n)
		c.Intensity = d.intensity
	}
	if acc.Ring.Valid() {
		d.ring = grow(d.ring, n)
		c.Ring = d.ring
	}
	d.data = m.Data
	d.fx, _ = d.layout.Find("x")
	d.fy, _ = d.layout.Find("y")
	d.fz, _ = d.layout.Find("z")
	d.fi, d.hasI = d.layout.Find(pointcloud.IntensityNames...)
	d.fr, d.hasR = d.layout.Find(pointcloud.RingNames...)
	if d.readFn == nil {
		d.readFn = d.read
	}
	d.par.For(n, 16384, d.readFn)
	d.data = nil
	return c, nil
}

// read decodes points [lo, hi): the offset of each point is advanced along
// its row, so no point costs a division.
func (d *decoder) read(lo, hi int) {
	w := int(d.layout.Width)
	step, rowStep := int(d.layout.PointStep), int(d.layout.RowStep)
	big := d.layout.BigEndian
	row, col := lo/w, lo%w
	fast := !big && d.fx.Datatype == pointcloud.Float32 && d.fy.Datatype == pointcloud.Float32 && d.fz.Datatype == pointcloud.Float32
	ox, oy, oz := int(d.fx.Offset), int(d.fy.Offset), int(d.fz.Offset)
	le := binary.LittleEndian
	for i := lo; i < hi; i++ {
		base := row*rowStep + col*step
		p := d.data[base : base+step]
		if fast {
			d.x[i] = math.Float32frombits(le.Uint32(p[ox:]))
			d.y[i] = math.Float32frombits(le.Uint32(p[oy:]))
			d.z[i] = math.Float32frombits(le.Uint32(p[oz:]))
		} else {
			d.x[i] = float32(field(p, d.fx, big))
			d.y[i] = float32(field(p, d.fy, big))
			d.z[i] = float32(field(p, d.fz, big))
		}
		if d.hasI {
			d.intensity[i] = float32(field(p, d.fi, big))
		}
		if d.hasR {
			r := field(p, d.fr, big)
			if !(r >= 0) {
				r = 0
			}
			d.ring[i] = uint16(min(r, math.MaxUint16))
		}
		if col++; col == w {
			row, col = row+1, 0
		}
	}
}

// field reads field f of the point p (the point's bytes) as float64.
func field(p []byte, f pointcloud.Field, big bool) float64 {
	b := p[f.Offset:]
	switch f.Datatype {
	case pointcloud.Float32:
		if big {
			return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case pointcloud.Float64:
		if big {
			return math.Float64frombits(binary.BigEndian.Uint64(b))
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case pointcloud.Uint8:
		return float64(b[0])
	case pointcloud.Int8:
		return float64(int8(b[0]))
	case pointcloud.Uint16, pointcloud.Int16:
		v := binary.LittleEndian.Uint16(b)
		if big {
			v = binary.BigEndian.Uint16(b)
		}
		if f.Datatype == pointcloud.Int16 {
			return float64(int16(v))
		}
		return float64(v)
	case pointcloud.Uint32, pointcloud.Int32:
		v := binary.LittleEndian.Uint32(b)
		if big {
			v = binary.BigEndian.Uint32(b)
		}
		if f.Datatype == pointcloud.Int32 {
			return float64(int32(v))
		}
		return float64(v)
	}
	return math.NaN()
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}
