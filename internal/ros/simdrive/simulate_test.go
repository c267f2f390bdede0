package simdrive

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/internal/tf"
)

// small is a short, low-resolution drive for tests.
var small = Config{Seed: 3, Duration: 0.5, Lidar: "hdl32", Columns: 256, Cameras: "front", Width: 96, Height: 64, Depth: true}

func simulateTo(t *testing.T, path string, cfg Config) *Summary {
	t.Helper()
	w, err := bag.CreateMCAP(path, bag.WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Run(context.Background(), cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBagContentsAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "x.mcap"), filepath.Join(dir, "b", "x.mcap")
	for _, p := range []string{a, b} {
		if err := mkdir(filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
	}
	s := simulateTo(t, a, small)
	simulateTo(t, b, small)
	if !sameFile(t, a, b) {
		t.Fatal("equal seeds gave different bags")
	}
	if s.Sweeps != 5 || s.Messages[TopicTF] != 26 || s.Messages[CameraTopic("cam_front", "depth")] != 7 {
		t.Fatalf("summary %+v", s)
	}
	// Read it back: stamps, frames, TF-consistent geometry, labels aligned.
	rd, err := bag.Open(a, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	buf, _ := tf.New(tf.Config{})
	feeder := node.TFFeeder{Buffer: buf}
	var clouds, labelClouds int
	var lastLog int64
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if m.LogTime < lastLog {
			t.Fatal("bag not in log-time order")
		}
		lastLog = m.LogTime
		switch m.Topic {
		case TopicTF, TopicTFStatic:
			if _, err := feeder.Feed(m.Data, m.Topic == TopicTFStatic); err != nil {
				t.Fatal(err)
			}
		case TopicPoints:
			var pc sensor_msgs.PointCloud2
			if err := cdr.Unmarshal(m.Data, &pc); err != nil {
				t.Fatal(err)
			}
			st := node.StampNS(pc.Header.Stamp)
			if m.LogTime-st != 100_000_000 {
				t.Fatalf("cloud published %d ns after its stamp, want one sweep (100 ms)", m.LogTime-st)
			}
			if _, err := buf.Lookup("odom", pc.Header.FrameID, st); err != nil {
				t.Fatalf("cloud frame not in TF at its stamp: %v", err)
			}
			l := rosconv.Layout(&pc, nil)
			acc, err := l.Lidar(len(pc.Data), 0)
			if err != nil || !acc.Ring.Valid() || !acc.Time.Valid() || !acc.Intensity.Valid() {
				t.Fatalf("driver layout: %v", err)
			}
			prev := -1.0
			for i := 0; i < l.NumPoints(); i++ {
				tt := acc.Time.Float(pc.Data, i)
				if tt < prev || tt < 0 || tt > 0.1 {
					t.Fatalf("point %d time %v after %v", i, tt, prev)
				}
				prev = tt
			}
			clouds++
		case TopicPointLabels:
			labelClouds++
		case GTSkeletonTopic("cam_front"):
			var sk gopercept_msgs.Skeleton2DArray
			if err := cdr.Unmarshal(m.Data, &sk); err != nil {
				t.Fatal(err)
			}
			for _, p := range sk.Skeletons {
				if len(p.Keypoints) != 17 || p.Convention != "coco17" {
					t.Fatalf("skeleton %+v", p)
				}
			}
		}
	}
	if clouds != 5 || labelClouds != 5 {
		t.Fatalf("%d clouds, %d label clouds", clouds, labelClouds)
	}
}

func TestCameraInfoMatchesModel(t *testing.T) {
	rig, err := Rig(Config{Cameras: "six", Width: 320, Height: 120})
	if err != nil {
		t.Fatal(err)
	}
	if len(rig.Cameras) != 6 {
		t.Fatalf("%d cameras", len(rig.Cameras))
	}
	c := rig.Cameras[0]
	ci := CameraInfo(c, stamp(0))
	// A point projected with CameraInfo's K and D lands where the model puts it.
	p := [3]float64{0.7, -0.3, 5}
	x, y := p[0]/p[2], p[1]/p[2]
	k1, k2, p1, p2, k3 := ci.D[0], ci.D[1], ci.D[2], ci.D[3], ci.D[4]
	r2 := x*x + y*y
	rad := 1 + k1*r2 + k2*r2*r2 + k3*r2*r2*r2
	xd := x*rad + 2*p1*x*y + p2*(r2+2*x*x)
	yd := y*rad + p1*(r2+2*y*y) + 2*p2*x*y
	u, v := ci.K[0]*xd+ci.K[2], ci.K[4]*yd+ci.K[5]
	mu, mv, ok := c.Model.Project(vec(p))
	if !ok || math.Abs(mu-u) > 1e-9 || math.Abs(mv-v) > 1e-9 {
		t.Fatalf("CameraInfo projects to (%v, %v), model to (%v, %v)", u, v, mu, mv)
	}
}

// The eight-camera drive publishes every camera of the rig, each with its
// image, camera_info and static transform.
func TestEightCameraDrive(t *testing.T) {
	cfg := small
	cfg.Cameras, cfg.Duration, cfg.Depth = "eight", 0.1, false
	path := filepath.Join(t.TempDir(), "eight.mcap")
	s := simulateTo(t, path, cfg)
	names := []string{"cam_front", "cam_front_left", "cam_front_right", "cam_back", "cam_back_left", "cam_back_right", "cam_front_tele", "cam_back_tele"}
	for _, n := range names {
		// Images at 0 and 1/12 s: two per camera in 0.1 s.
		if s.Messages[CameraTopic(n, "image")] != 2 || s.Messages[CameraTopic(n, "camera_info")] != 2 {
			t.Errorf("%s: %d images, %d camera_info", n, s.Messages[CameraTopic(n, "image")], s.Messages[CameraTopic(n, "camera_info")])
		}
	}
	if s.Images != 2*len(names) {
		t.Errorf("%d images, want %d", s.Images, 2*len(names))
	}
	rd, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	buf, _ := tf.New(tf.Config{})
	feeder := node.TFFeeder{Buffer: buf}
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if m.Topic == TopicTFStatic {
			if _, err := feeder.Feed(m.Data, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, n := range names {
		if _, err := buf.Lookup("base_link", n+"_optical", 0); err != nil {
			t.Errorf("%s: no static transform: %v", n, err)
		}
	}
}

// With CrowdSize 10 every front-camera frame of the pose2d scaling drive
// (gopercept bench pose2d --crowd 10: seed 3, 640×480) has at least 30
// people in its ground truth, each with a visible keypoint; the crowd along
// the route gives about 20 at most.
func TestCrowdSize(t *testing.T) {
	cfg := Config{Seed: 3, Duration: 1, Lidar: "hdl32", Columns: 256, Cameras: "front", Width: 640, Height: 480, Crowd: true, CrowdSize: 10}
	path := filepath.Join(t.TempDir(), "crowd.mcap")
	simulateTo(t, path, cfg)
	rd, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	frames, fewest := 0, math.MaxInt
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if m.Topic != GTSkeletonTopic("cam_front") {
			continue
		}
		var sk gopercept_msgs.Skeleton2DArray
		if err := cdr.Unmarshal(m.Data, &sk); err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, p := range sk.Skeletons {
			for _, k := range p.Keypoints {
				if k.Visibility == sim.VisVisible {
					seen++
					break
				}
			}
		}
		frames++
		fewest = min(fewest, seen)
		if seen < 30 {
			t.Errorf("frame at %d ns: %d people with a visible keypoint (%d in the ground truth), want ≥ 30", m.LogTime, seen, len(sk.Skeletons))
		}
	}
	if frames != 13 { // 0 to 1 s at 12 Hz
		t.Fatalf("%d ground-truth frames, want 13", frames)
	}
	t.Logf("fewest people with a visible keypoint in a frame: %d", fewest)
}

func sameFile(t *testing.T, a, b string) bool {
	da, db := readFile(t, a), readFile(t, b)
	return bytes.Equal(da, db)
}
