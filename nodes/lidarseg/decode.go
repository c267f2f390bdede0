package lidarsegnode

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/parallel"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// decoder turns PointCloud2 messages into lidarseg.Cloud slices through
// pointcloud.Reader, reusing its columns from cloud to cloud and reading a
// large sweep's points on both cores.
type decoder struct {
	maxPoints int
	layout    pointcloud.Layout
	rd        pointcloud.Reader
	par       parallel.Loop
	readFn    func(lo, hi int) // d.rd.Read, bound once: a method value per cloud allocates
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
	d.rd.Start(acc, m.Data, n, false, 0, 0)
	if d.readFn == nil {
		d.readFn = d.rd.Read
	}
	d.par.For(n, 16384, d.readFn)
	d.rd.Done()
	c := lidarseg.Cloud{X: d.rd.X, Y: d.rd.Y, Z: d.rd.Z}
	// The projection tells absent fields by nil.
	if acc.Intensity.Valid() {
		c.Intensity = d.rd.Intensity
	}
	if acc.Ring.Valid() {
		c.Ring = d.rd.Ring
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
