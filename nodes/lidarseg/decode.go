package lidarsegnode

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gopercept/gopercept/lidarseg"
	"github.com/gopercept/gopercept/pointcloud"
	"github.com/gopercept/gopercept/rosmsg/sensor_msgs"
)

// decoder turns PointCloud2 messages into lidarseg.Cloud slices, reusing
// its buffers from cloud to cloud.
type decoder struct {
	maxPoints int
	layout    pointcloud.Layout
	acc       pointcloud.XYZI
	x, y, z   []float32
	intensity []float32
	ring      []uint16
}

// decode validates m's layout and reads its points. Errors wrap
// pointcloud's layout sentinels or ErrCloud.
func (d *decoder) decode(m *sensor_msgs.PointCloud2) (lidarseg.Cloud, error) {
	d.layout.Width, d.layout.Height = m.Width, m.Height
	d.layout.PointStep, d.layout.RowStep = m.PointStep, m.RowStep
	d.layout.BigEndian = m.IsBigendian
	d.layout.Fields = d.layout.Fields[:0]
	for _, f := range m.Fields {
		d.layout.Fields = append(d.layout.Fields, pointcloud.Field{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	acc, err := d.layout.Lidar(len(m.Data), d.maxPoints)
	if err != nil {
		return lidarseg.Cloud{}, err
	}
	d.acc = acc
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
	data := m.Data
	fx, _ := d.layout.Find("x")
	fy, _ := d.layout.Find("y")
	fz, _ := d.layout.Find("z")
	if fx.Datatype == pointcloud.Float32 && fy.Datatype == pointcloud.Float32 && fz.Datatype == pointcloud.Float32 && !m.IsBigendian {
		// The common layout: little-endian float32 coordinates, read row by
		// row without a division per point.
		w, h := int(m.Width), int(m.Height)
		step, rowStep := int(m.PointStep), int(m.RowStep)
		ox, oy, oz := int(fx.Offset), int(fy.Offset), int(fz.Offset)
		le := binary.LittleEndian
		i := 0
		for row := 0; row < h; row++ {
			base := row * rowStep
			for col := 0; col < w; col++ {
				p := data[base+col*step : base+col*step+step]
				d.x[i] = math.Float32frombits(le.Uint32(p[ox:]))
				d.y[i] = math.Float32frombits(le.Uint32(p[oy:]))
				d.z[i] = math.Float32frombits(le.Uint32(p[oz:]))
				i++
			}
		}
	} else {
		for i := 0; i < n; i++ {
			d.x[i] = acc.X.Float32(data, i)
			d.y[i] = acc.Y.Float32(data, i)
			d.z[i] = acc.Z.Float32(data, i)
		}
	}
	if c.Intensity != nil {
		for i := 0; i < n; i++ {
			d.intensity[i] = acc.Intensity.Float32(data, i)
		}
	}
	if c.Ring != nil {
		for i := 0; i < n; i++ {
			r := acc.Ring.Float(data, i)
			if !(r >= 0) {
				r = 0
			}
			d.ring[i] = uint16(min(r, math.MaxUint16))
		}
	}
	return c, nil
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}
