// Package rosconv converts between ROS message types and the ROS-free types
// of gopercept's algorithm packages, in one place, so that every node and
// tool reads clouds, images, camera calibrations, transforms and boxes the
// same way.
package rosconv

import (
	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
	"slices"
)

// Layout returns the point layout of pc, reusing fields' capacity when dst
// is given (pass nil for a new slice).
func Layout(pc *sensor_msgs.PointCloud2, dst []pointcloud.Field) pointcloud.Layout {
	l := pointcloud.Layout{Width: pc.Width, Height: pc.Height, PointStep: pc.PointStep, RowStep: pc.RowStep, BigEndian: pc.IsBigendian, Fields: dst[:0]}
	for _, f := range pc.Fields {
		l.Fields = append(l.Fields, pointcloud.Field{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	return l
}

// Raw describes an Image message for imageconv; the data is not copied.
func Raw(img *sensor_msgs.Image) imageconv.Raw {
	return imageconv.Raw{Encoding: img.Encoding, Width: int(img.Width), Height: int(img.Height), Step: int(img.Step), BigEndian: img.IsBigendian != 0, Data: img.Data}
}

// Transform converts a geometry_msgs/Transform (parent ← child) to tf's.
func Transform(tr *geometry_msgs.Transform) tf.Transform {
	return tf.Transform{
		Translation: r3.Vec{X: tr.Translation.X, Y: tr.Translation.Y, Z: tr.Translation.Z},
		Rotation:    quat.Number{Real: tr.Rotation.W, Imag: tr.Rotation.X, Jmag: tr.Rotation.Y, Kmag: tr.Rotation.Z},
	}
}

// CameraModel is the calibrated camera of a CameraInfo (its K, D and
// distortion model at the calibrated size).
func CameraModel(ci *sensor_msgs.CameraInfo) (*camera.Model, error) {
	return camera.FromCameraInfo(ci.Width, ci.Height, ci.DistortionModel, ci.D, ci.K)
}

// SameCalibration reports whether ci describes the camera c was built from
// (size, distortion model, D and the K terms the model uses). A driver
// sends its CameraInfo with every image; nodes rebuild only on a change.
func SameCalibration(c *camera.Model, ci *sensor_msgs.CameraInfo) bool {
	return c != nil && c.Width == int(ci.Width) && c.Height == int(ci.Height) && c.Distortion == ci.DistortionModel &&
		c.Fx == ci.K[0] && c.Fy == ci.K[4] && c.Cx == ci.K[2] && c.Cy == ci.K[5] && slices.Equal(c.D, ci.D)
}

// AppendFields appends fields as PointField messages to dst (reusing its
// capacity), the way a node describes the layout of a cloud it publishes.
func AppendFields(dst []sensor_msgs.PointField, fields []pointcloud.Field) []sensor_msgs.PointField {
	for _, f := range fields {
		dst = append(dst, sensor_msgs.PointField{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	return dst
}
