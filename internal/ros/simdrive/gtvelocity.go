package simdrive

import (
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/bev/metrics"
)

// VelocityNS is the marker namespace of the ground-truth velocity arrows on
// TopicBoxMarkers.
const VelocityNS = "gt/velocity"

// VelocityMarkers draws each box's velocity as bevfusion draws its
// predictions' (an ARROW from the centre to where the box will be in one
// second, in the boxes' frame), since vision_msgs/Detection3D has no
// velocity. The velocity is the map-frame velocity expressed in the boxes'
// axes, not relative to the ego, as sim.Box3D and the training targets
// have it. Marker IDs are the instance ids (the detections' ID field), so
// the arrows still pair with the boxes after some boxes are dropped. The
// first marker deletes the previous frame's.
func VelocityMarkers(boxes []sim.Box3D, h std_msgs.Header) *visualization_msgs.MarkerArray {
	out := &visualization_msgs.MarkerArray{Markers: make([]visualization_msgs.Marker, 0, len(boxes)+1)}
	out.Markers = append(out.Markers, visualization_msgs.Marker{Header: h, NS: "gt", Action: visualization_msgs.Marker_DELETEALL})
	for _, b := range boxes {
		c := b.Center
		out.Markers = append(out.Markers, visualization_msgs.Marker{Header: h, NS: VelocityNS, ID: int32(b.Instance),
			Type: visualization_msgs.Marker_ARROW, Action: visualization_msgs.Marker_ADD,
			Pose:   geometry_msgs.Pose{Orientation: geometry_msgs.Quaternion{W: 1}},
			Scale:  geometry_msgs.Vector3{X: 0.15, Y: 0.3, Z: 0.3},
			Color:  std_msgs.ColorRGBA{R: 1, G: 1, B: 1, A: 1},
			Points: []geometry_msgs.Point{{X: c.X, Y: c.Y, Z: c.Z}, {X: c.X + b.Velocity.X, Y: c.Y + b.Velocity.Y, Z: c.Z}}})
	}
	return out
}

// EvalBoxes converts ground truth written by Run, the boxes of TopicBoxes
// and the velocity arrows of TopicBoxMarkers of the same stamp, into
// bev/metrics boxes: classes maps a class name to its metrics class index.
// A box takes the velocity of the arrow whose ID is its instance (its ID
// field); without one (markers nil, as in bags written before the arrows)
// its velocity is NaN, unknown, which AVE leaves out as nuScenes does.
// Boxes of a class not in classes are skipped and counted in unknown.
func EvalBoxes(d *vision_msgs.Detection3DArray, markers *visualization_msgs.MarkerArray, classes []string) (boxes []metrics.Box, unknown int) {
	return rosconv.Boxes3D(d, markers, VelocityNS, rosconv.ByInstance, classes)
}
