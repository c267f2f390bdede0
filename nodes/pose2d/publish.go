package pose2dnode

import (
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/draw"
)

// build2D fills out2D from people (image pixels) and their track ids.
func (n *Node) build2D(header std_msgs.Header, people []pose.Person) {
	n.out2D.Header = header
	n.out2D.Skeletons = n.out2D.Skeletons[:0]
	for i := range people {
		p := &people[i]
		var s *gopercept_msgs.Skeleton2D
		n.out2D.Skeletons, s = extend(n.out2D.Skeletons)
		s.TrackID, s.Score, s.Box, s.Convention = n.ids[i], p.Score, p.Box, pose.Convention
		s.Keypoints = s.Keypoints[:0]
		for _, k := range p.Keypoints {
			s.Keypoints = append(s.Keypoints, gopercept_msgs.Keypoint2D{X: k.X, Y: k.Y, Score: k.Score, Visibility: k.Visibility})
		}
	}
}

// extend returns s one element longer and a pointer to that element. With
// capacity left it is not zeroed: it keeps what an earlier frame left
// there, so the message's nested slices reuse their storage (every field
// must be set or reset by the caller).
func extend[T any](s []T) ([]T, *T) {
	if k := len(s); k < cap(s) {
		s = s[:k+1]
	} else {
		var zero T
		s = append(s, zero)
	}
	return s, &s[len(s)-1]
}

// buildOverlay draws the skeletons on a copy of the decoded image.
func (n *Node) buildOverlay(header std_msgs.Header, people []pose.Person) {
	n.overlay.Width, n.overlay.Height = n.rgb.Width, n.rgb.Height
	n.overlay.Pix = append(n.overlay.Pix[:0], n.rgb.Pix...)
	for i := range people {
		draw.Person(&n.overlay, &people[i], draw.ForID(n.ids[i]), draw.Style{MinScore: float32(n.cfg.KeypointThreshold), Box: true})
	}
	n.outImg = sensor_msgs.Image{
		Header: header, Width: uint32(n.overlay.Width), Height: uint32(n.overlay.Height),
		Encoding: "rgb8", Step: uint32(3 * n.overlay.Width), Data: n.overlay.Pix,
	}
}

func colour(id uint64) std_msgs.ColorRGBA {
	c := draw.ForID(id)
	return std_msgs.ColorRGBA{R: float32(c[0]) / 255, G: float32(c[1]) / 255, B: float32(c[2]) / 255, A: 1}
}

// buildMarkers turns out3D into a MarkerArray: a DELETEALL, then per person
// a SPHERE_LIST of its lifted joints (ns "joints") and a LINE_LIST of the
// limbs whose two ends were lifted (ns "limbs"), ids by person index.
func (n *Node) buildMarkers() {
	h := n.out3D.Header
	ms := n.markers.Markers[:0]
	// next resets the next marker to m, keeping its points' storage.
	next := func(m visualization_msgs.Marker) *visualization_msgs.Marker {
		var p *visualization_msgs.Marker
		ms, p = extend(ms)
		pts := p.Points[:0]
		*p = m
		p.Points = pts
		return p
	}
	next(visualization_msgs.Marker{Header: h, Action: visualization_msgs.Marker_DELETEALL})
	identity := geometry_msgs.Pose{Orientation: geometry_msgs.Quaternion{W: 1}}
	for i := range n.out3D.Skeletons {
		s := &n.out3D.Skeletons[i]
		c := colour(s.TrackID)
		joints := next(visualization_msgs.Marker{
			Header: h, NS: "joints", ID: int32(i), Type: visualization_msgs.Marker_SPHERE_LIST, Action: visualization_msgs.Marker_ADD,
			Pose: identity, Scale: geometry_msgs.Vector3{X: n.cfg.JointSize, Y: n.cfg.JointSize, Z: n.cfg.JointSize}, Color: c,
		})
		for _, k := range s.Keypoints {
			if k.Visibility != 0 {
				joints.Points = append(joints.Points, k.Position)
			}
		}
		limbs := next(visualization_msgs.Marker{
			Header: h, NS: "limbs", ID: int32(i), Type: visualization_msgs.Marker_LINE_LIST, Action: visualization_msgs.Marker_ADD,
			Pose: identity, Scale: geometry_msgs.Vector3{X: n.cfg.LineWidth}, Color: c,
		})
		if len(s.Keypoints) == pose.NumKeypoints {
			for _, l := range pose.Skeleton {
				a, b := s.Keypoints[l[0]], s.Keypoints[l[1]]
				if a.Visibility != 0 && b.Visibility != 0 {
					limbs.Points = append(limbs.Points, a.Position, b.Position)
				}
			}
		}
	}
	n.markers.Markers = ms
}
