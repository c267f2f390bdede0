package simdrive

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestGTVelocity simulates a drive, reads /gt/boxes and /gt/markers back
// through EvalBoxes and checks each actor's velocity against its motion:
// the central difference of its odom-frame centre over the neighbouring
// sweeps (20 ms either side, a fast lidar so that the difference follows
// the actors' turns), the arrow turned from base_link into odom by /tf.
// That the ego moves meanwhile also checks that the velocity is over the
// ground, not relative to the ego.
func TestGTVelocity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.mcap")
	cfg := Config{Seed: 5, Duration: 2, Lidar: "hdl32", Columns: 256, Cameras: "none", LidarHz: 50}
	simulateTo(t, path, cfg)
	rd, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	buf, _ := tf.New(tf.Config{})
	feeder := node.TFFeeder{Buffer: buf}
	dets := map[int64]*vision_msgs.Detection3DArray{}
	marks := map[int64]*visualization_msgs.MarkerArray{}
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		switch m.Topic {
		case TopicTF, TopicTFStatic:
			if _, err := feeder.Feed(m.Data, m.Topic == TopicTFStatic); err != nil {
				t.Fatal(err)
			}
		case TopicBoxes:
			d := new(vision_msgs.Detection3DArray)
			if err := cdr.Unmarshal(m.Data, d); err != nil {
				t.Fatal(err)
			}
			dets[node.StampNS(d.Header.Stamp)] = d
		case TopicBoxMarkers:
			ma := new(visualization_msgs.MarkerArray)
			if err := cdr.Unmarshal(m.Data, ma); err != nil {
				t.Fatal(err)
			}
			if len(ma.Markers) == 0 {
				t.Fatal("empty marker array")
			}
			marks[node.StampNS(ma.Markers[0].Header.Stamp)] = ma
		}
	}
	if len(dets) != 100 || len(marks) != 100 {
		t.Fatalf("%d box and %d marker messages, want 100 of each", len(dets), len(marks))
	}
	classes := []string{"car", "truck", "person", "bicyclist"}
	// Per stamp, instance → odom-frame centre and velocity.
	type state struct{ c, v r3.Vec }
	frames := map[int64]map[string]state{}
	for st, d := range dets {
		boxes, unknown := EvalBoxes(d, marks[st], classes)
		if unknown != 0 || len(boxes) != len(d.Detections) {
			t.Fatalf("stamp %d: %d boxes, %d unknown of %d", st, len(boxes), unknown, len(d.Detections))
		}
		ego, err := buf.Lookup("odom", d.Header.FrameID, st)
		if err != nil {
			t.Fatal(err)
		}
		f := map[string]state{}
		for i, b := range boxes {
			if math.IsNaN(b.VX) || math.IsNaN(b.VY) {
				t.Fatalf("stamp %d box %s: no velocity arrow", st, d.Detections[i].ID)
			}
			f[d.Detections[i].ID] = state{ego.Apply(r3.Vec{X: b.X, Y: b.Y, Z: b.Z}), ego.ApplyRotation(r3.Vec{X: b.VX, Y: b.VY})}
		}
		frames[st] = f
	}
	const dt = 20_000_000 // ns between sweeps
	checked, moving := 0, 0
	for st, f := range frames {
		prev, next := frames[st-dt], frames[st+dt]
		for id, s := range f {
			a, ok1 := prev[id]
			b, ok2 := next[id]
			if !ok1 || !ok2 {
				continue
			}
			fd := r3.Scale(1/(2*0.02), r3.Sub(b.c, a.c))
			// The chord's direction lies between the headings at either
			// end, so where the actor turns (or a straight meets a turn)
			// the difference may be off by up to speed × half the heading
			// change; 1 cm/s for the rest.
			turn := math.Abs(math.Atan2(a.v.X*b.v.Y-a.v.Y*b.v.X, a.v.X*b.v.X+a.v.Y*b.v.Y))
			if d := math.Hypot(fd.X-s.v.X, fd.Y-s.v.Y); d > 0.01+r3.Norm(s.v)*turn/2 {
				t.Errorf("stamp %d instance %s: velocity (%.3f, %.3f), motion (%.3f, %.3f) m/s", st, id, s.v.X, s.v.Y, fd.X, fd.Y)
			}
			checked++
			if r3.Norm(fd) > 1 {
				moving++
			}
		}
	}
	if checked < 500 || moving < 100 {
		t.Fatalf("only %d box velocities checked, %d of them moving over 1 m/s", checked, moving)
	}
	t.Logf("%d box velocities checked, %d moving", checked, moving)
}

// TestEvalBoxesWithoutArrows: a box without an arrow of its instance has an
// unknown (NaN) velocity, not 0, and unlisted classes are counted.
func TestEvalBoxesWithoutArrows(t *testing.T) {
	d := &vision_msgs.Detection3DArray{Detections: []vision_msgs.Detection3D{
		{ID: "7", Results: []vision_msgs.ObjectHypothesisWithPose{{Hypothesis: vision_msgs.ObjectHypothesis{ClassID: "car", Score: 1}}}},
		{ID: "8", Results: []vision_msgs.ObjectHypothesisWithPose{{Hypothesis: vision_msgs.ObjectHypothesis{ClassID: "bus", Score: 1}}}},
	}}
	boxes, unknown := EvalBoxes(d, nil, []string{"car"})
	if len(boxes) != 1 || unknown != 1 || !math.IsNaN(boxes[0].VX) || !math.IsNaN(boxes[0].VY) {
		t.Fatalf("boxes %+v unknown %d, want one car with NaN velocity and one unknown", boxes, unknown)
	}
}
