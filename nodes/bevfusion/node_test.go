package bevfusionnode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/metrics"
)

const sec = int64(1_000_000_000)

func (r *rig) fact(key string) string { return r.stats.Snapshot().Facts[key] }

// checkDetection asserts the one box the hand-set fuser makes from the
// scene: head cell (11, 5) with offset 0.5 → (3.5, −2.5), z 0.8, 4×2×1.5,
// yaw π/2, class car.
func checkDetection(t *testing.T, r *rig, stamp int64) {
	t.Helper()
	var d vision_msgs.Detection3DArray
	if !r.pub.last(t, TopicDetections, &d) {
		t.Fatal("no detections published")
	}
	if node.StampNS(d.Header.Stamp) != stamp || d.Header.FrameID != "base_link" {
		t.Fatalf("header %+v, want the cloud's stamp %d in base_link", d.Header, stamp)
	}
	if len(d.Detections) != 1 {
		t.Fatalf("%d detections, want 1: %+v", len(d.Detections), d.Detections)
	}
	det := d.Detections[0]
	c := det.Bbox.Center
	if math.Abs(c.Position.X-3.5) > 1e-5 || math.Abs(c.Position.Y+2.5) > 1e-5 || math.Abs(c.Position.Z-0.8) > 1e-5 {
		t.Errorf("centre %+v, want (3.5, −2.5, 0.8)", c.Position)
	}
	if yaw := 2 * math.Atan2(c.Orientation.Z, c.Orientation.W); math.Abs(yaw-math.Pi/2) > 1e-5 {
		t.Errorf("yaw %g, want π/2", yaw)
	}
	if s := det.Bbox.Size; math.Abs(s.X-4) > 1e-4 || math.Abs(s.Y-2) > 1e-4 || math.Abs(s.Z-1.5) > 1e-4 {
		t.Errorf("size %+v, want 4×2×1.5", s)
	}
	if len(det.Results) != 1 || det.Results[0].Hypothesis.ClassID != "car" || det.Results[0].Hypothesis.Score < 0.99 {
		t.Errorf("results %+v, want car with score ≈ 1", det.Results)
	}
}

func TestEndToEnd(t *testing.T) {
	r := newRig(t, []string{"front"}, true)
	t0 := 100 * sec
	if err := r.send(t, "front/camera_info", cameraInfo(t0, imgW, imgH, 40)); err != nil {
		t.Fatal(err)
	}
	if err := r.send(t, "front/image", rgbImage(t0+10e6, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	if err := r.send(t, "points", cloudXYZI(t0, "lidar", scene)); err != nil {
		t.Fatalf("cloud: %v", err)
	}
	checkDetection(t, r, t0)
	if f := r.fact("camera.front"); f != "ok" {
		t.Errorf("camera.front %q, want ok", f)
	}
	// The camera features reached the fuser through bev/lss.
	nd := r.n.(*Node)
	if k := r.fact("lss_points_kept"); k == "" || k == "0" {
		t.Errorf("lss kept %q frustum points, want some", k)
	}
	var sum float64
	for _, v := range nd.fus.m.Input(nd.fus.cameraIn) {
		sum += math.Abs(float64(v))
	}
	if sum == 0 {
		t.Error("camera_bev is all zero after a good camera frame")
	}
	snap := r.stats.Snapshot()
	stages := map[string]bool{}
	for _, s := range snap.Stages {
		stages[s.Name] = true
	}
	for _, s := range []string{"sync", "camera_preprocess", "camera_encoder", "lss_geometry", "lss_pool", "pillars", "fuser", "decode_nms", "publish", "total"} {
		if !stages[s] {
			t.Errorf("no latency for stage %s (have %v)", s, stages)
		}
	}

	// Occupancy: the object cell (22, 10) occupied, the ground cell (7, 26)
	// free, elsewhere unknown; origin at the grid corner in base_link.
	var og nav_msgs.OccupancyGrid
	if !r.pub.last(t, TopicOccupancy, &og) {
		t.Fatal("no occupancy grid")
	}
	if og.Info.Width != testCells || og.Info.Height != testCells || og.Info.Resolution != testRes ||
		og.Info.Origin.Position.X != testGridMin || og.Info.Origin.Position.Y != testGridMin || og.Info.Origin.Orientation.W != 1 {
		t.Fatalf("grid info %+v", og.Info)
	}
	occupied, free := 0, 0
	for i, v := range og.Data {
		switch v {
		case 100:
			occupied++
			if i != 10*testCells+22 {
				t.Errorf("cell %d occupied, want only %d", i, 10*testCells+22)
			}
		case 0:
			free++
			if i != 26*testCells+7 {
				t.Errorf("cell %d free, want only %d", i, 26*testCells+7)
			}
		case -1:
		default:
			t.Errorf("cell %d value %d", i, v)
		}
	}
	if occupied != 1 || free != 1 {
		t.Errorf("%d occupied and %d free cells, want 1 and 1", occupied, free)
	}

	// Markers: DELETEALL, then a cube, a label and a velocity arrow.
	var ma visualization_msgs.MarkerArray
	if !r.pub.last(t, TopicMarkers, &ma) {
		t.Fatal("no markers")
	}
	types := []int32{}
	for _, m := range ma.Markers {
		types = append(types, m.Type)
	}
	if len(ma.Markers) != 4 || ma.Markers[0].Action != visualization_msgs.Marker_DELETEALL ||
		ma.Markers[1].Type != visualization_msgs.Marker_CUBE || ma.Markers[2].Type != visualization_msgs.Marker_TEXT_VIEW_FACING ||
		ma.Markers[3].Type != visualization_msgs.Marker_ARROW {
		t.Fatalf("marker types %v", types)
	}
	if ma.Markers[1].Color.R != 1 || ma.Markers[1].Color.G != 0 {
		t.Errorf("cube colour %+v, want the card's red", ma.Markers[1].Color)
	}
	if a := ma.Markers[3].Points; len(a) != 2 || math.Abs(a[1].X-a[0].X-2) > 1e-5 {
		t.Errorf("arrow %+v, want velocity (2, 0)", a)
	}

	// BEV image: the box footprint painted red at its cells.
	var im sensor_msgs.Image
	if !r.pub.last(t, TopicBEVImage, &im) {
		t.Fatal("no BEV image")
	}
	if im.Width != testCells || im.Height != testCells || im.Encoding != "rgb8" {
		t.Fatalf("image %d×%d %s", im.Width, im.Height, im.Encoding)
	}
	o := (11*testCells + 23) * 3 // (x 3.75, y −2.25): inside the box
	if im.Data[o] != 255 || im.Data[o+1] != 0 {
		t.Errorf("box cell colour %v, want red", im.Data[o:o+3])
	}
}

func TestLidarOnlyWithoutModels(t *testing.T) {
	r := newRig(t, nil, false)
	if err := r.send(t, "points", cloudXYZI(5*sec, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var og nav_msgs.OccupancyGrid
	if !r.pub.last(t, TopicOccupancy, &og) || og.Data[10*testCells+22] != 100 {
		t.Fatal("no lidar-only occupancy")
	}
	if r.pub.count(TopicBEVImage) != 1 || r.pub.count(TopicDetections) != 0 {
		t.Fatalf("published %d BEV images and %d detection arrays, want 1 and 0", r.pub.count(TopicBEVImage), r.pub.count(TopicDetections))
	}
}

// TestBadInputs runs one rig through each bad input, each followed by a good
// frame that must be processed normally.
func TestBadInputs(t *testing.T) {
	r := newRig(t, []string{"front", "back"}, true)
	good := func(ts int64) {
		t.Helper()
		for _, c := range []string{"front", "back"} {
			if err := r.send(t, c+"/camera_info", cameraInfo(ts, imgW, imgH, 40)); err != nil {
				t.Fatal(err)
			}
			if err := r.send(t, c+"/image", rgbImage(ts, "cam_optical", imgW, imgH)); err != nil {
				t.Fatal(err)
			}
		}
		before := r.pub.count(TopicDetections)
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatalf("good frame at %d: %v", ts, err)
		}
		if r.pub.count(TopicDetections) != before+1 {
			t.Fatalf("good frame at %d not published", ts)
		}
		checkDetection(t, r, ts)
		if r.fact("camera.front") != "ok" || r.fact("camera.back") != "ok" {
			t.Fatalf("good frame: cameras %q, %q", r.fact("camera.front"), r.fact("camera.back"))
		}
	}
	masked := func(cam, reason string) {
		t.Helper()
		if f := r.fact("camera." + cam); !strings.HasPrefix(f, "masked: "+reason) {
			t.Fatalf("camera.%s %q, want masked: %s", cam, f, reason)
		}
	}
	ts := 10 * sec
	good(ts)

	t.Run("zero focal length", func(t *testing.T) {
		ts += sec
		r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 0))
		r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
		masked("front", MaskBadInfo)
		if !strings.Contains(r.fact("camera.front"), "focal") || r.fact("camera.back") != "ok" {
			t.Fatalf("front %q back %q", r.fact("camera.front"), r.fact("camera.back"))
		}
		checkDetection(t, r, ts) // still published from what it has
		e := r.n.(*Node).enc
		for _, v := range e.m.Output(e.featOut)[:e.c*e.fh*e.fw] {
			if v != 0 {
				t.Fatal("the masked camera's features are not zero")
			}
		}
		ts += sec
		good(ts)
	})
	t.Run("size mismatch", func(t *testing.T) {
		ts += sec
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		r.send(t, "front/image", rgbImage(ts, "cam_optical", 48, imgH))
		// The front camera has no matching image: the cloud waits until a
		// later stamp passes max_wait.
		r.send(t, "points", cloudXYZI(ts, "lidar", scene))
		r.send(t, "back/image", rgbImage(ts+sec/2, "cam_optical", imgW, imgH))
		masked("front", MaskSizeDiffer)
		checkDetection(t, r, ts)
		ts += sec
		good(ts)
	})
	t.Run("missing camera TF", func(t *testing.T) {
		ts += sec
		r.send(t, "front/image", rgbImage(ts, "cam_nowhere", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
		masked("front", MaskTF)
		checkDetection(t, r, ts)
		ts += sec
		good(ts)
	})
	t.Run("late camera", func(t *testing.T) {
		ts += sec
		r.send(t, "front/image", rgbImage(ts-sec/5, "cam_optical", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		before := r.pub.count(TopicDetections)
		r.send(t, "points", cloudXYZI(ts, "lidar", scene))
		if r.pub.count(TopicDetections) != before {
			t.Fatal("the cloud did not wait for the late camera")
		}
		r.send(t, "back/image", rgbImage(ts+sec/5, "cam_optical", imgW, imgH))
		masked("front", MaskOutOfSync)
		if r.fact("cameras_masked") != "1" || r.fact("camera.front.masked_frames") == "" {
			t.Fatalf("cameras_masked %q", r.fact("cameras_masked"))
		}
		checkDetection(t, r, ts)
		ts += sec
		good(ts)
	})
	t.Run("missing lidar TF", func(t *testing.T) {
		ts += sec
		r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		err := r.send(t, "points", cloudXYZI(ts, "velodyne", scene))
		if node.DropReason(err) != DropTF {
			t.Fatalf("error %v, want a %q drop", err, DropTF)
		}
		ts += sec
		good(ts)
	})
	t.Run("stale cloud", func(t *testing.T) {
		err := r.send(t, "points", cloudXYZI(ts-sec/2, "lidar", scene))
		if node.DropReason(err) != DropStale {
			t.Fatalf("error %v, want a %q drop", err, DropStale)
		}
		ts += sec
		good(ts)
	})
	t.Run("cloud far out of sync", func(t *testing.T) {
		ts += 10 * sec
		r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		// A cloud 5 s behind the images: it waits, and the next image ends
		// the wait with a drop counted in the node's stats.
		if err := r.send(t, "points", cloudXYZI(ts-5*sec, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
		before := r.stats.Snapshot().Dropped[DropOutOfSync]
		r.send(t, "front/image", rgbImage(ts+sec/10, "cam_optical", imgW, imgH))
		if got := r.stats.Snapshot().Dropped[DropOutOfSync]; got != before+1 {
			t.Fatalf("%q drops %d, want %d", DropOutOfSync, got, before+1)
		}
		ts += sec
		good(ts)
	})
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		values map[string]any
		param  string // the parameter the message names
		field  string // the configuration error's Param (a library's field for grid and nms)
	}{
		{map[string]any{"cameras": []any{"a", "b", "c", "d", "e", "f", "g", "h", "i"}}, "cameras", "cameras"},
		{map[string]any{"cameras": []any{"a", "a"}}, "cameras", "cameras"},
		{map[string]any{"grid.resolution": 0.0}, "grid", "bev.Grid.Resolution"},
		{map[string]any{"nms": "box"}, "nms", "head.NMSConfig.Kind"},
		{map[string]any{"sync_tolerance": -1.0}, "sync_tolerance", "sync_tolerance"},
		{map[string]any{"nms_groups": []any{0.0, 1.5}}, "nms_groups", "nms_groups[1]"},
	} {
		_, err := New(node.Env{Name: "bevfusion", Params: paramSet(c.values), Stats: node.NewStats()})
		var ce *configerr.Error
		if err == nil || !strings.Contains(err.Error(), c.param) || !errors.As(err, &ce) || ce.Param != c.field || ce.Reason == "" {
			t.Errorf("%v: error %v, want one naming %s (%s)", c.values, err, c.param, c.field)
		}
	}
}

// TestXYLayout runs the same frame through a fuser whose card says its BEV
// planes are [C, X, Y] (mmdet3d's order): the lidar features reach it
// transposed and the decoded box is the same.
func TestXYLayout(t *testing.T) {
	r := newRigCard(t, []string{"front"}, true, strings.Replace(fuserCard, "heatmap_logits: 1", "heatmap_logits: 1\n  bev_layout: xy", 1))
	if r.n.(*Node).fus.layout != bev.LayoutXY {
		t.Fatal("card's bev_layout not read")
	}
	t0 := 7 * sec
	r.send(t, "front/camera_info", cameraInfo(t0, imgW, imgH, 40))
	r.send(t, "front/image", rgbImage(t0, "cam_optical", imgW, imgH))
	if err := r.send(t, "points", cloudXYZI(t0, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	checkDetection(t, r, t0)
	occ := r.n.(*Node).fus.m.Input("lidar_bev")[4*testCells*testCells:]
	if occ[22*testCells+10] != 1 || occ[10*testCells+22] != 0 {
		t.Fatal("lidar_bev not transposed to [C, X, Y]")
	}
}

// TestIPMWithoutModels: with a camera and no models the node publishes the
// lidar occupancy and the stitched top-down camera image, whose cells ahead
// of the camera (ground farther than 3.75 m from it) show the image.
func TestIPMWithoutModels(t *testing.T) {
	r := newRig(t, []string{"front"}, false)
	ts := 3 * sec
	r.send(t, "front/camera_info", cameraInfo(ts, imgW, imgH, 40))
	img := rgbImage(ts, "cam_optical", imgW, imgH)
	for i := range img.Data {
		img.Data[i] = 200
	}
	r.send(t, "front/image", img)
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var im sensor_msgs.Image
	if !r.pub.last(t, TopicIPM, &im) {
		t.Fatalf("no IPM image; ipm fact %q", r.fact("ipm"))
	}
	if im.Width != testCells || im.Height != testCells || im.Encoding != "rgb8" || node.StampNS(im.Header.Stamp) != ts {
		t.Fatalf("IPM image %d×%d %s at %d", im.Width, im.Height, im.Encoding, node.StampNS(im.Header.Stamp))
	}
	// forward_up: row 0 is the front edge (x ≈ 7.75 m), the middle column
	// is y ≈ 0; the rear half is unseen.
	mid := testCells / 2
	if px := im.Data[(0*testCells+mid)*3]; px != 200 {
		t.Errorf("front centre pixel %d, want the camera's 200", px)
	}
	if px := im.Data[((testCells-1)*testCells+mid)*3]; px != 0 {
		t.Errorf("rear centre pixel %d, want black (unseen)", px)
	}
	if !strings.HasPrefix(r.fact("ipm"), "ok") {
		t.Errorf("ipm fact %q", r.fact("ipm"))
	}
	if r.pub.count(TopicOccupancy) != 1 || r.pub.count(TopicDetections) != 0 {
		t.Errorf("published %d grids and %d detection arrays, want 1 and 0", r.pub.count(TopicOccupancy), r.pub.count(TopicDetections))
	}
}

// TestTimeJumpBack: one stale cloud is dropped, but after staleReset
// consecutive ones the node assumes time went back (a looped bag) and
// starts afresh.
func TestTimeJumpBack(t *testing.T) {
	r := newRig(t, nil, true)
	if err := r.send(t, "points", cloudXYZI(100*sec, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	for k := range staleReset {
		err := r.send(t, "points", cloudXYZI(int64(k+1)*sec, "lidar", scene))
		if k < staleReset-1 && node.DropReason(err) != DropStale {
			t.Fatalf("cloud %d: %v, want a stale drop", k, err)
		}
		if k == staleReset-1 {
			if err != nil {
				t.Fatalf("cloud %d after the time reset: %v", k, err)
			}
			checkDetection(t, r, int64(k+1)*sec)
		}
	}
	if r.fact("time_reset") == "" {
		t.Fatal("no time_reset fact")
	}
}

// TestEvalBoxes scores the end-to-end frame's output against its own
// ground truth with bev/metrics: one car, matched exactly, AP 1 and zero
// errors (velocity read back from the markers).
func TestEvalBoxes(t *testing.T) {
	r := newRig(t, nil, true)
	ts := 9 * sec
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var d vision_msgs.Detection3DArray
	var ma visualization_msgs.MarkerArray
	if !r.pub.last(t, TopicDetections, &d) || !r.pub.last(t, TopicMarkers, &ma) {
		t.Fatal("no output")
	}
	classes := []string{"car", "pedestrian"}
	boxes, unknown := EvalBoxes(&d, &ma, classes)
	if len(boxes) != 1 || unknown != 0 {
		t.Fatalf("boxes %+v unknown %d", boxes, unknown)
	}
	gt := metrics.Box{X: 3.5, Y: -2.5, Z: 0.8, L: 4, W: 2, H: 1.5, Yaw: math.Pi / 2, VX: 2}
	res, err := metrics.Evaluate(metrics.Config{Classes: []metrics.ClassConfig{{Name: "car"}, {Name: "pedestrian"}}},
		[][]metrics.Box{{gt}}, [][]metrics.Box{boxes})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Classes[0]
	if math.Abs(c.MeanAP-1) > 1e-12 || c.ATE > 1e-5 || c.ASE > 1e-4 || c.AOE > 1e-5 || c.AVE > 1e-5 {
		t.Fatalf("car %+v, want AP 1 and zero errors", c)
	}
}

// TestSegImage: a fuser with a map-segmentation output colours the BEV
// image where the seg logit is positive (here: cells with lidar points), the
// detection box still painted over it.
func TestSegImage(t *testing.T) {
	card := strings.Replace(fuserCard, "  - {name: vel,", "  - {name: seg, shape: [1, 1, 16, 16], type: float32}\n  - {name: vel,", 1)
	r := newRigModel(t, nil, true, fuserGraphOpts(false, true), card)
	if r.n.(*Node).fus.segOut != "seg" {
		t.Fatal("seg output not recognised")
	}
	ts := 6 * sec
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var im sensor_msgs.Image
	if !r.pub.last(t, TopicBEVImage, &im) {
		t.Fatal("no BEV image")
	}
	want := palette(2) // after the two detection classes
	at := func(i, j int) []uint8 { o := (j*testCells + i) * 3; return im.Data[o : o+3] }
	// The ground point's head cell (3, 13) covers grid cells 6–7, 26–27.
	for _, c := range [][2]int{{6, 26}, {7, 27}} {
		if px := at(c[0], c[1]); px[0] != want[0]/2+60 || px[1] != want[1]/2+60 {
			t.Errorf("cell %v colour %v, want the seg colour", c, px)
		}
	}
	if px := at(0, 0); px[0] != 0 {
		t.Errorf("empty cell colour %v, want black", px)
	}
	if px := at(23, 11); px[0] != 255 || px[1] != 0 {
		t.Errorf("box cell colour %v, want the car's red", px)
	}
}

// TestSilentCamera: a camera silent for longer than cloud_sync_limit is not
// waited for; the cloud is fused at once with the camera masked.
func TestSilentCamera(t *testing.T) {
	r := newRig(t, []string{"front", "back"}, true)
	ts := 40 * sec
	for _, c := range []string{"front", "back"} {
		r.send(t, c+"/camera_info", cameraInfo(ts, imgW, imgH, 40))
		r.send(t, c+"/image", rgbImage(ts, "cam_optical", imgW, imgH))
	}
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	ts += 3 * sec // the back camera falls silent
	r.send(t, "front/image", rgbImage(ts, "cam_optical", imgW, imgH))
	before := r.pub.count(TopicDetections)
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	if r.pub.count(TopicDetections) != before+1 {
		t.Fatal("the cloud waited for a silent camera")
	}
	if f := r.fact("camera.back"); !strings.HasPrefix(f, "masked: "+MaskOutOfSync) {
		t.Fatalf("camera.back %q", f)
	}
	checkDetection(t, r, ts)
}

// TestLearnedOccupancy: a fuser with an "occupancy" output fills the
// OccupancyGrid with its probability in percent (here logit 10·occupancy −
// 5: 99 where the lidar has points, 1 elsewhere) instead of the lidar's.
func TestLearnedOccupancy(t *testing.T) {
	g := fuserGraph()
	w := make([]float32, 7) // lidar planes then the two camera channels
	w[4] = 10               // bev/pillar's occupancy plane
	g.Initializer("occ_w", onnxbuild.Float, []int64{1, 7, 1, 1}, w).
		Initializer("occ_b", onnxbuild.Float, []int64{1}, []float32{-5}).
		Node("Conv", []string{"fused", "occ_w", "occ_b"}, []string{"occupancy"}).
		Output("occupancy", onnxbuild.Float, 1, 1, testCells, testCells)
	card := strings.Replace(fuserCard, "  - {name: vel,", "  - {name: occupancy, shape: [1, 1, 32, 32], type: float32}\n  - {name: vel,", 1)
	r := newRigModel(t, nil, true, g, card)
	if r.n.(*Node).fus.occOut != "occupancy" {
		t.Fatal("occupancy output not recognised")
	}
	if err := r.send(t, "points", cloudXYZI(7*sec, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	var grid nav_msgs.OccupancyGrid
	if !r.pub.last(t, TopicOccupancy, &grid) {
		t.Fatal("no occupancy grid")
	}
	planes := r.n.(*Node).lidar.planes
	cells := testCells * testCells
	hit := 0
	for c, v := range grid.Data {
		want := int8(1)
		if planes[4*cells+c] > 0 {
			want, hit = 99, hit+1
		}
		if v != want {
			t.Fatalf("cell %d = %d, want %d", c, v, want)
		}
	}
	if hit == 0 {
		t.Fatal("no cell had lidar points")
	}
}

// TestAllCamerasShare checks the facts counting the frames fused with
// every camera, and that the live driver is asked to queue the cameras'
// messages (matched by stamp) but take the cloud latest-only.
func TestAllCamerasShare(t *testing.T) {
	r := newRig(t, []string{"front", "back"}, false)
	for _, in := range r.n.Inputs() {
		want := cameraQueue
		if in.Name == "points" {
			want = 0
		}
		if in.Queue != want {
			t.Errorf("input %s: Queue %d, want %d", in.Name, in.Queue, want)
		}
	}
	frame := func(ts, frontOffset int64) {
		t.Helper()
		for _, c := range []string{"front", "back"} {
			if err := r.send(t, c+"/camera_info", cameraInfo(ts, imgW, imgH, 40)); err != nil {
				t.Fatal(err)
			}
		}
		r.send(t, "front/image", rgbImage(ts+frontOffset, "cam_optical", imgW, imgH))
		r.send(t, "back/image", rgbImage(ts, "cam_optical", imgW, imgH))
		r.send(t, "points", cloudXYZI(ts, "lidar", scene))
		// A later image ends a wait for a camera out of sync (max_wait).
		r.send(t, "back/image", rgbImage(ts+sec/2, "cam_optical", imgW, imgH))
	}
	want := func(fused, all, share string) {
		t.Helper()
		if f, a, s := r.fact(FactFramesFused), r.fact(FactFramesAllCameras), r.fact(FactAllCamerasShare); f != fused || a != all || s != share {
			t.Fatalf("fused %q, with all cameras %q, share %q; want %s, %s, %s", f, a, s, fused, all, share)
		}
	}
	frame(10*sec, 0)
	want("1", "1", "1.000")
	frame(11*sec, -sec/5) // the front image 200 ms early: masked out of sync
	if !strings.HasPrefix(r.fact("camera.front"), "masked: "+MaskOutOfSync) {
		t.Fatalf("camera.front %q, want masked out of sync", r.fact("camera.front"))
	}
	want("2", "1", "0.500")
	frame(12*sec, 0)
	frame(13*sec, 0)
	want("4", "3", "0.750")
}
