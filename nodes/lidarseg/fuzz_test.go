package lidarsegnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// FuzzHandle feeds the node arbitrary CDR and arbitrary cloud layouts: it
// must never panic, and every failure must be a drop.
func FuzzHandle(f *testing.F) {
	pts := scene(4, 16)
	for _, lay := range layouts {
		m := encodeCloud(pts, lay.fields, lay.big, 1, 0)
		f.Add(cdr.Marshal(m), m.Width, m.Height, m.PointStep, m.RowStep, uint8(7), uint32(8), false)
	}
	f.Add([]byte{0, 1, 0, 0}, uint32(1), uint32(1), uint32(0), uint32(0), uint8(0), uint32(0), true)
	n, _ := newNode(f, map[string]any{"projection.height": 8, "projection.width": 32, "max_points": 4096})
	f.Fuzz(func(t *testing.T, data []byte, w, h, step, rowStep uint32, dt uint8, off uint32, relayout bool) {
		var pub capture
		check := func(err error) {
			if err != nil && node.DropReason(err) == "error" {
				t.Fatalf("failure that is not a drop: %v", err)
			}
		}
		check(n.Handle(&node.Msg{Topic: "lidar/points", Data: data}, &pub))
		if !relayout {
			return
		}
		m := &sensor_msgs.PointCloud2{Width: w % 64, Height: h % 8, PointStep: step % 64, RowStep: rowStep % 4096, Data: data,
			Fields: []sensor_msgs.PointField{{Name: "x", Offset: 0, Datatype: pointcloud.Float32, Count: 1},
				{Name: "y", Offset: 4, Datatype: pointcloud.Float32, Count: 1},
				{Name: "z", Offset: off % 64, Datatype: dt, Count: 1}}}
		check(n.Handle(msgOf(m), &pub))
	})
}
