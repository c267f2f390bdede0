package rosconv

import (
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
)

// TestBoxes3DArrows: velocities come from the arrow of the detection's
// index or instance; a detection without one has an unknown (NaN) velocity,
// not zero; unknown classes are counted.
func TestBoxes3DArrows(t *testing.T) {
	det := func(id, class string) vision_msgs.Detection3D {
		return vision_msgs.Detection3D{ID: id, Results: []vision_msgs.ObjectHypothesisWithPose{{Hypothesis: vision_msgs.ObjectHypothesis{ClassID: class, Score: 0.9}}}}
	}
	d := &vision_msgs.Detection3DArray{Detections: []vision_msgs.Detection3D{det("7", "car"), det("3", "car"), det("1", "bus")}}
	arrow := func(ns string, id int32, vx float64) visualization_msgs.Marker {
		return visualization_msgs.Marker{NS: ns, ID: id, Type: visualization_msgs.Marker_ARROW, Points: []geometry_msgs.Point{{}, {X: vx}}}
	}
	ma := &visualization_msgs.MarkerArray{Markers: []visualization_msgs.Marker{arrow("v", 0, 2), arrow("v", 3, 5), arrow("other", 1, 9)}}
	byIndex, unknown := Boxes3D(d, ma, "v", ByIndex, []string{"car"})
	if unknown != 1 || len(byIndex) != 2 || byIndex[0].VX != 2 || !math.IsNaN(byIndex[1].VX) {
		t.Fatalf("by index: %+v, %d unknown", byIndex, unknown)
	}
	byInstance, _ := Boxes3D(d, ma, "v", ByInstance, []string{"car"})
	if !math.IsNaN(byInstance[0].VX) || byInstance[1].VX != 5 {
		t.Fatalf("by instance: %+v", byInstance)
	}
	none, _ := Boxes3D(d, nil, "v", ByIndex, []string{"car"})
	if !math.IsNaN(none[0].VX) {
		t.Fatalf("without markers: %+v", none)
	}
}
