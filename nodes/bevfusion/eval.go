package bevfusionnode

import (
	"math"

	"github.com/gopercept/gopercept/bev/metrics"
	"github.com/gopercept/gopercept/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/rosmsg/visualization_msgs"
)

// EvalBoxes converts the node's published detections into bev/metrics
// boxes for `gopercept eval`: classes maps a class name to its metrics class
// index (its position in the slice). Velocities come from the velocity
// arrows of markers (namespace "bevfusion/velocity", ID = detection index),
// since vision_msgs/Detection3D has no velocity; markers may be nil.
// Detections of a class not in classes are skipped and counted in unknown.
func EvalBoxes(d *vision_msgs.Detection3DArray, markers *visualization_msgs.MarkerArray, classes []string) (boxes []metrics.Box, unknown int) {
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	vel := map[int32][2]float64{}
	if markers != nil {
		for _, m := range markers.Markers {
			if m.NS == "bevfusion/velocity" && m.Type == visualization_msgs.Marker_ARROW && len(m.Points) == 2 {
				vel[m.ID] = [2]float64{m.Points[1].X - m.Points[0].X, m.Points[1].Y - m.Points[0].Y}
			}
		}
	}
	for i, det := range d.Detections {
		if len(det.Results) == 0 {
			unknown++
			continue
		}
		c, ok := index[det.Results[0].Hypothesis.ClassID]
		if !ok {
			unknown++
			continue
		}
		p := det.Bbox.Center
		q := p.Orientation
		yaw := math.Atan2(2*(q.W*q.Z+q.X*q.Y), 1-2*(q.Y*q.Y+q.Z*q.Z))
		v := vel[int32(i)]
		boxes = append(boxes, metrics.Box{X: p.Position.X, Y: p.Position.Y, Z: p.Position.Z,
			L: det.Bbox.Size.X, W: det.Bbox.Size.Y, H: det.Bbox.Size.Z, Yaw: yaw, VX: v[0], VY: v[1],
			Score: det.Results[0].Hypothesis.Score, Class: c})
	}
	return boxes, unknown
}
