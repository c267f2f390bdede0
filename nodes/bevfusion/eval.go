package bevfusionnode

import (
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/bev/metrics"
)

// EvalBoxes converts the node's published detections into bev/metrics
// boxes for `gopercept eval`: classes maps a class name to its metrics class
// index (its position in the slice). Velocities come from the velocity
// arrows of markers (namespace "bevfusion/velocity", ID = detection index),
// since vision_msgs/Detection3D has no velocity; markers may be nil (the
// velocities are then NaN, unknown).
// Detections of a class not in classes are skipped and counted in unknown.
func EvalBoxes(d *vision_msgs.Detection3DArray, markers *visualization_msgs.MarkerArray, classes []string) (boxes []metrics.Box, unknown int) {
	return rosconv.Boxes3D(d, markers, "bevfusion/velocity", rosconv.ByIndex, classes)
}
