package bevfusionnode

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenSummary is what the golden file keeps of one frame's outputs.
type goldenSummary struct {
	Detections []string `json:"detections"`
	Markers    []string `json:"markers"`
	Occupancy  [3]int   `json:"occupancy_unknown_free_occupied"`
	BEVImage   string   `json:"bev_image"`
	IPM        string   `json:"ipm_image"`
}

// TestGolden runs the end-to-end frame and compares a summary of every
// output with testdata/golden/frame.json (go test -run Golden -update
// rewrites it; review the diff).
func TestGolden(t *testing.T) {
	r := newRig(t, []string{"front"}, true)
	ts := 100 * sec
	r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
	r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var g goldenSummary
	var d vision_msgs.Detection3DArray
	var ma visualization_msgs.MarkerArray
	var og nav_msgs.OccupancyGrid
	var bi, ipm sensor_msgs.Image
	if !r.pub.last(t, TopicDetections, &d) || !r.pub.last(t, TopicMarkers, &ma) || !r.pub.last(t, TopicOccupancy, &og) ||
		!r.pub.last(t, TopicBEVImage, &bi) || !r.pub.last(t, TopicIPM, &ipm) {
		t.Fatal("an output is missing")
	}
	for _, det := range d.Detections {
		c, s := det.Bbox.Center, det.Bbox.Size
		g.Detections = append(g.Detections, fmt.Sprintf("%s %.4f at (%.4f, %.4f, %.4f) q(%.4f, %.4f) size %.4f×%.4f×%.4f",
			det.Results[0].Hypothesis.ClassID, det.Results[0].Hypothesis.Score, c.Position.X, c.Position.Y, c.Position.Z,
			c.Orientation.Z, c.Orientation.W, s.X, s.Y, s.Z))
	}
	for _, m := range ma.Markers {
		g.Markers = append(g.Markers, fmt.Sprintf("%s/%d type %d action %d %q", m.NS, m.ID, m.Type, m.Action, m.Text))
	}
	for _, v := range og.Data {
		switch {
		case v < 0:
			g.Occupancy[0]++
		case v == 0:
			g.Occupancy[1]++
		default:
			g.Occupancy[2]++
		}
	}
	sum := func(im *sensor_msgs.Image) string {
		var s uint64
		for i, v := range im.Data {
			s += uint64(v) * uint64(i%251+1)
		}
		return fmt.Sprintf("%dx%d %s weighted-sum %d", im.Width, im.Height, im.Encoding, s)
	}
	// The IPM pixels are bev/ipm's business: only its size and coverage.
	seen := 0
	for i := 0; i+2 < len(ipm.Data); i += 3 {
		if ipm.Data[i]|ipm.Data[i+1]|ipm.Data[i+2] != 0 {
			seen++
		}
	}
	g.BEVImage = sum(&bi)
	g.IPM = fmt.Sprintf("%dx%d %s, %d pixels seen", ipm.Width, ipm.Height, ipm.Encoding, seen)
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "frame.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update)", err)
	}
	if string(want) != string(got)+"\n" {
		t.Fatalf("outputs differ from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
