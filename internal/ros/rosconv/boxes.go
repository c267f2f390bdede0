package rosconv

import (
	"math"
	"strconv"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/bev/metrics"
)

// ArrowKey says which detection a velocity arrow belongs to.
type ArrowKey int

const (
	// ByIndex: the arrow's ID is the detection's index in the array (the
	// bevfusion node's markers).
	ByIndex ArrowKey = iota
	// ByInstance: the arrow's ID is the detection's ID field, an instance
	// number (the simulator's ground truth, whose boxes may be filtered).
	ByInstance
)

// Boxes3D converts a Detection3DArray into bev/metrics boxes, the velocity
// of each taken from the arrow markers of namespace ns (vision_msgs has no
// velocity field). classes maps a class name to its metrics index; a
// detection of another class, or without a hypothesis, is skipped and
// counted in unknown. A box without an arrow (markers nil, a model without
// a velocity head) has a NaN velocity, which AVE leaves out.
func Boxes3D(d *vision_msgs.Detection3DArray, markers *visualization_msgs.MarkerArray, ns string, key ArrowKey, classes []string) (boxes []metrics.Box, unknown int) {
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	vel := map[int32][2]float64{}
	if markers != nil {
		for _, m := range markers.Markers {
			if m.NS == ns && m.Type == visualization_msgs.Marker_ARROW && len(m.Points) == 2 {
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
		id, found := int32(i), key == ByIndex
		if key == ByInstance {
			n, err := strconv.ParseInt(det.ID, 10, 32)
			id, found = int32(n), err == nil
		}
		v := [2]float64{math.NaN(), math.NaN()}
		if a, ok := vel[id]; ok && found {
			v = a
		}
		p := det.Bbox.Center
		q := p.Orientation
		yaw := math.Atan2(2*(q.W*q.Z+q.X*q.Y), 1-2*(q.Y*q.Y+q.Z*q.Z))
		boxes = append(boxes, metrics.Box{X: p.Position.X, Y: p.Position.Y, Z: p.Position.Z,
			L: det.Bbox.Size.X, W: det.Bbox.Size.Y, H: det.Bbox.Size.Z, Yaw: yaw, VX: v[0], VY: v[1],
			Score: det.Results[0].Hypothesis.Score, Class: c})
	}
	return boxes, unknown
}
