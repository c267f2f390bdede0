package evaluate

import (
	"math"
	"testing"

	"github.com/gopercept/gopercept/pose"
	"github.com/gopercept/gopercept/pose/metrics"
	"github.com/gopercept/gopercept/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/rosmsg/gopercept_msgs"
)

// TestJointErrors: two people, the node's arrays in the other order than
// the ground truth's; each is paired through the 2D match, only visible and
// lifted joints count, and a crowd (ignored) person adds nothing.
func TestJointErrors(t *testing.T) {
	person2D := func(x0 float32, vis uint8) pose.Person {
		p := pose.Person{Box: [4]float32{x0, 100, x0 + 40, 200}, Score: 1}
		for k := range pose.NumKeypoints {
			p.Keypoints = append(p.Keypoints, pose.Keypoint{X: x0 + float32(2*k), Y: 100 + float32(5*k), Score: 1, Visibility: vis})
		}
		return p
	}
	skel3D := func(id uint64, x, z float64, vis uint8) gopercept_msgs.Skeleton3D {
		s := gopercept_msgs.Skeleton3D{TrackID: id}
		for k := range pose.NumKeypoints {
			s.Keypoints = append(s.Keypoints, gopercept_msgs.Keypoint3D{Position: geometry_msgs.Point{X: x, Y: 0.1 * float64(k), Z: z}, Visibility: vis})
		}
		return s
	}
	gtA, gtB, gtC := person2D(10, pose.Visible), person2D(300, pose.Visible), person2D(600, pose.Visible)
	g2 := &gopercept_msgs.Skeleton2DArray{Skeletons: []gopercept_msgs.Skeleton2D{{TrackID: 7}, {TrackID: 9}, {TrackID: 11}}}
	g3 := &gopercept_msgs.Skeleton3DArray{Skeletons: []gopercept_msgs.Skeleton3D{skel3D(9, 1, 5, pose.Visible), skel3D(7, -1, 4, pose.Visible), skel3D(11, 3, 9, pose.Visible)}}
	g3.Skeletons[1].Keypoints[0].Visibility = pose.Occluded // not measured by depth: left out
	img := metrics.Image{
		Pred: []pose.Person{person2D(300, pose.Visible), person2D(10, pose.Visible), person2D(600, pose.Visible)},
		GT:   []metrics.Annotation{{Person: gtA}, {Person: gtB}, {Person: gtC, Crowd: true}},
	}
	p3 := &gopercept_msgs.Skeleton3DArray{Skeletons: []gopercept_msgs.Skeleton3D{skel3D(0, 1, 5.2, 1), skel3D(0, -1, 4.1, 1), skel3D(0, 3, 1, 1)}}
	p3.Skeletons[0].Keypoints[3].Visibility = 0 // not lifted: left out
	sum, n, err := jointErrors(img, g2, g3, p3)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2*pose.NumKeypoints-2 {
		t.Fatalf("%d joints, want %d", n, 2*pose.NumKeypoints-2)
	}
	want := 0.2*float64(pose.NumKeypoints-1) + 0.1*float64(pose.NumKeypoints-1)
	if math.Abs(sum-want) > 1e-9 {
		t.Fatalf("error sum %g, want %g", sum, want)
	}
	p3.Skeletons = p3.Skeletons[:2]
	if _, _, err := jointErrors(img, g2, g3, p3); err == nil {
		t.Fatal("3D and 2D arrays of different lengths accepted")
	}
}
