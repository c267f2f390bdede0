// Package testfix holds the test fixtures shared between packages: the BEV
// camera rig (NuScenesRig) and small rosbag2 MCAP files: TF, clouds and
// deliberately broken messages with known counts.
package testfix

import (
	"encoding/binary"
	"math"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
)

// T0 is the first stamp of the bags written here (ns since the epoch).
const T0 = int64(1_700_000_000_000_000_000)

// Cloud returns an x, y, z float32 cloud in frame "lidar".
func Cloud(stamp int64, pts [][3]float32) *sensor_msgs.PointCloud2 {
	data := make([]byte, 12*len(pts))
	for i, p := range pts {
		for k := 0; k < 3; k++ {
			binary.LittleEndian.PutUint32(data[12*i+4*k:], math.Float32bits(p[k]))
		}
	}
	return &sensor_msgs.PointCloud2{
		Header: std_msgs.Header{Stamp: node.TimeFromNS(stamp), FrameID: "lidar"},
		Height: 1, Width: uint32(len(pts)), PointStep: 12, RowStep: uint32(12 * len(pts)), Data: data, IsDense: true,
		Fields: []sensor_msgs.PointField{
			{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
			{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		},
	}
}

// TF returns a TFMessage with one translation along x.
func TF(parent, child string, stamp int64, x float64) *tf2_msgs.TFMessage {
	ts := geometry_msgs.TransformStamped{Header: std_msgs.Header{Stamp: node.TimeFromNS(stamp), FrameID: parent}, ChildFrameID: child}
	ts.Transform.Translation.X = x
	ts.Transform.Rotation.W = 1
	return &tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{ts}}
}

// WriteTFCloudBag writes /tf_static (base_link→lidar, +1 m in x), /tf
// (odom→base_link at 10 Hz) and five two-point clouds on /lidar/points 1 µs
// after each TF: the third cloud is truncated and the fourth is in an
// unknown frame, so a TF-using node processes 3 and drops 2.
func WriteTFCloudBag(path string) error {
	w, err := bag.CreateMCAP(path, bag.WriterConfig{})
	if err != nil {
		return err
	}
	var ids [3]uint16
	for i, t := range []struct {
		name string
		m    cdr.Message
	}{{"/tf_static", &tf2_msgs.TFMessage{}}, {"/tf", &tf2_msgs.TFMessage{}}, {"/lidar/points", &sensor_msgs.PointCloud2{}}} {
		if ids[i], err = w.AddTopic(bag.Topic{Name: t.name, Type: t.m.TypeName(), SchemaText: t.m.Schema()}); err != nil {
			return err
		}
	}
	if err := w.Write(ids[0], T0, T0, cdr.Marshal(TF("base_link", "lidar", T0, 1))); err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		ts := T0 + int64(i)*100_000_000
		if err := w.Write(ids[1], ts, ts, cdr.Marshal(TF("odom", "base_link", ts, float64(i)))); err != nil {
			return err
		}
		c := Cloud(ts, [][3]float32{{1, 2, 3}, {4, 5, 6}})
		if i == 3 {
			c.Header.FrameID = "lidar_unknown"
		}
		data := cdr.Marshal(c)
		if i == 2 {
			data = data[:len(data)-10]
		}
		if err := w.Write(ids[2], ts+1000, ts+1000, data); err != nil {
			return err
		}
	}
	return w.Close()
}
