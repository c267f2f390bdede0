// Package models holds gopercept's own small models, each an ONNX file with
// a model card beside it. This test is what CI does instead of training:
// every model loads on the real ONNX Runtime, matches its card's contract,
// and reproduces the held-out metric its card records, within the card's
// tolerance, on a drive simulated on the spot.
package models

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/testfix/drive"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/evaluate"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	_ "github.com/gopercept/gopercept/nodes/all"
	bevfusionnode "github.com/gopercept/gopercept/nodes/bevfusion"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func TestEveryModelMatchesItsCard(t *testing.T) {
	if err := infer.Init(); err != nil {
		t.Fatalf("ONNX Runtime: %v (run scripts/fetch-ort.sh or make ort)", err)
	}
	files, _ := filepath.Glob("*.onnx")
	if len(files) == 0 {
		t.Fatal("no models committed")
	}
	for _, f := range files {
		// A model of any lidar names its rows and columns; open it at a
		// 64-beam lidar's size.
		m, err := infer.Open(infer.Config{ModelPath: f, Dims: map[string]int64{"H": 64, "W": 2048}})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		c := m.Card()
		if c.Provenance.Command == "" || c.Provenance.TrainingData == "" {
			t.Errorf("%s: the card does not say how to retrain it", f)
		}
		if len(c.Metrics) == 0 {
			t.Errorf("%s: the card records no metrics", f)
		}
		m.Close()
	}
}

// heldOut simulates a short drive no training set used.
func heldOut(t *testing.T, cfg simdrive.Config) string {
	t.Helper()
	return drive.Temp(t, cfg)
}

func cardMetric(t *testing.T, c *infer.Card, key string) float64 {
	t.Helper()
	v, ok := c.Metrics[key]
	if !ok {
		t.Fatalf("%s: card has no metrics.%s", c.Name, key)
	}
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	t.Fatalf("%s: metrics.%s is %T", c.Name, key, v)
	return 0
}

// TestLidarsegReproducesCard scores lidarseg-small through the lidarseg node
// (projection, inference, kNN) on held-out seed 301 and compares with the
// card's ci_miou.
func TestLidarsegReproducesCard(t *testing.T) {
	card, err := infer.LoadCard("lidarseg-small.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := cardMetric(t, card, "ci_miou")
	tol := cardMetric(t, card, "ci_tolerance")
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "none"})
	rs, err := evaluate.Lidarseg(context.Background(), evaluate.LidarsegConfig{
		Bags: []string{path}, ParamsFiles: []string{"../params/lidarseg.yaml"}, Root: "..",
		Params: map[string]any{"model.path": "models/lidarseg-small.onnx"}, LabelMap: lidarseg.SemanticKITTI(), Modes: []string{"knn"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, gotKITTI := rs[0].MeanIoU, rs[0].MeanIoUSemanticKITTI
	wantKITTI := cardMetric(t, card, "ci_miou_semantic_kitti")
	t.Logf("lidarseg-small on held-out seed 301 (1 s, %d clouds): mIoU %.4f over the classes present, %.4f over SemanticKITTI's 19 (card %.4f / %.4f ± %.4f)",
		rs[0].Clouds, got, gotKITTI, want, wantKITTI, tol)
	if math.IsNaN(got) || math.Abs(got-want) > tol || math.Abs(gotKITTI-wantKITTI) > tol {
		t.Fatalf("mIoU %.4f / %.4f, card says %.4f / %.4f ± %.4f", got, gotKITTI, want, wantKITTI, tol)
	}
	if !strings.Contains(card.Family, "rangenet") {
		t.Fatalf("family %q", card.Family)
	}
}

// anyLidars are the simulator's lidars lidarseg-any-small's card gives CI
// figures for: a 64-, 32- and 16-beam Velodyne-like and a 128- and 64-beam
// Ouster-like, at both column counts between them. Through the card's
// members the first runs lidarseg-small, the 32- and 16-beam ones
// lidarseg-any-sparse-small.
var anyLidars = []struct {
	lidar   string
	columns int
}{{"hdl64", 2048}, {"hdl32", 1024}, {"vlp16", 1024}, {"os1-128", 1024}, {"os1-64", 2048}}

// TestLidarsegAnyReproducesCard scores lidarseg-any-small, the model of any
// lidar, through the lidarseg node (which sizes it from each sweep) on
// held-out seed 301 for each of anyLidars, and compares with the card's
// ci_miou_<lidar>_<columns>. On the HDL-64E-like lidar at 2048 columns the
// family runs lidarseg-small, so that figure is also lidarseg-small's own.
func TestLidarsegAnyReproducesCard(t *testing.T) {
	card, err := infer.LoadCard("lidarseg-any-small.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	small, err := infer.LoadCard("lidarseg-small.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := cardMetric(t, card, "ci_miou_hdl64_2048"), cardMetric(t, small, "ci_miou"); a != b {
		t.Errorf("card ci_miou_hdl64_2048 %.4f, lidarseg-small's ci_miou %.4f: the family runs lidarseg-small there", a, b)
	}
	tol := cardMetric(t, card, "ci_tolerance")
	for _, l := range anyLidars {
		key := fmt.Sprintf("ci_miou_%s_%d", strings.ReplaceAll(l.lidar, "-", ""), l.columns)
		want := cardMetric(t, card, key)
		path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "none", Lidar: l.lidar, Columns: l.columns})
		rs, err := evaluate.Lidarseg(context.Background(), evaluate.LidarsegConfig{
			Bags: []string{path}, ParamsFiles: []string{"../params/lidarseg.yaml"}, Root: "..",
			Params: map[string]any{"model.path": "models/lidarseg-any-small.onnx"}, LabelMap: lidarseg.SemanticKITTI(), Modes: []string{"knn"},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := rs[0].MeanIoU
		t.Logf("lidarseg-any-small on held-out seed 301, %s at %d columns (1 s, %d clouds): mIoU %.4f over the classes present (card %s %.4f ± %.4f)",
			l.lidar, l.columns, rs[0].Clouds, got, key, want, tol)
		if math.IsNaN(got) || math.Abs(got-want) > tol {
			t.Errorf("%s %d: mIoU %.4f, card says %.4f ± %.4f", l.lidar, l.columns, got, want, tol)
		}
	}
}

// TestPoseReproducesCard scores each person detector with the heatmap pose
// model through the pose2d node (params/pose2d.yaml) on a held-out crowd
// drive (seed 301, 1 s, 640×480 front camera) and compares with the card
// that records the pair: pose-heatmap-small's for detector-person-small,
// detector-person-640's for itself.
func TestPoseReproducesCard(t *testing.T) {
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "front", Width: 640, Height: 480, Crowd: true, Lidar: "hdl32", Columns: 512})
	for _, tc := range []struct{ detector, card string }{
		{"detector-person-small.onnx", "pose-heatmap-small.card.yaml"},
		{"detector-person-640.onnx", "detector-person-640.card.yaml"},
	} {
		card, err := infer.LoadCard(tc.card)
		if err != nil {
			t.Fatal(err)
		}
		wantAP, wantPCK := cardMetric(t, card, "ci_ap"), cardMetric(t, card, "ci_pck")
		tol := cardMetric(t, card, "ci_tolerance")
		r, err := evaluate.Pose(context.Background(), evaluate.PoseConfig{
			Bags: []string{path}, ParamsFiles: []string{"../params/pose2d.yaml"}, Root: "..",
			Params: map[string]any{"image.topic": "/cameras/cam_front/image", "camera_info.topic": "/cameras/cam_front/camera_info", "depth.topic": "",
				"detector.path": "models/" + tc.detector},
			GTTopic: "/gt/cameras/cam_front/skeletons", OutputTopic: "/pose2d/skeletons",
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s + pose-heatmap-small on held-out seed 301 (%d frames, %d people): AP %.4f PCK@0.2 %.4f (card %.4f / %.4f ± %.4f)", tc.detector, r.Frames, r.People, r.AP, r.PCK, wantAP, wantPCK, tol)
		if math.Abs(r.AP-wantAP) > tol || math.Abs(r.PCK-wantPCK) > tol {
			t.Errorf("%s: AP %.4f PCK %.4f, %s says %.4f / %.4f ± %.4f", tc.detector, r.AP, r.PCK, tc.card, wantAP, wantPCK, tol)
		}
	}
}

// TestBEVReproducesCard scores the camera encoder and fuser through the
// bevfusion node (lift–splat with bev/lss, pillars, CenterPoint decoding,
// Scale-NMS) on held-out seed 301 (1 s, six 704×256 cameras) and compares
// the car AP at 2 m and the occupancy IoU with the fuser card's ci_ values.
func TestBEVReproducesCard(t *testing.T) {
	card, err := infer.LoadCard("bev-small-fuser.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantAP, wantIoU := cardMetric(t, card, "ci_car_ap_2m"), cardMetric(t, card, "ci_occupancy_iou")
	tol := cardMetric(t, card, "ci_tolerance")
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "six", Width: 704, Height: 256})
	r, err := evaluate.BEV(context.Background(), evaluate.BEVConfig{
		Bags: []string{path}, ParamsFiles: []string{"../params/bevfusion.yaml", "../params/demo.yaml"}, Root: "..",
	})
	if err != nil {
		t.Fatal(err)
	}
	car, person := apAt2m(r)
	wantPerson := cardMetric(t, card, "ci_person_ap_2m")
	t.Logf("bev-small on held-out seed 301 (%d frames, %d detections): car AP@2m %.4f, person AP@2m %.4f, occupancy IoU %.4f (card %.4f / %.4f / %.4f ± %.4f)",
		r.Frames, r.Detections, car, person, r.OccupancyIoU, wantAP, wantPerson, wantIoU, tol)
	if math.IsNaN(car) || math.Abs(car-wantAP) > tol || math.Abs(person-wantPerson) > tol || math.Abs(r.OccupancyIoU-wantIoU) > tol {
		t.Fatalf("car AP %.4f, person AP %.4f, occupancy IoU %.4f; card says %.4f / %.4f / %.4f ± %.4f", car, person, r.OccupancyIoU, wantAP, wantPerson, wantIoU, tol)
	}
}

// apAt2m returns the car and person AP at 2 m centre distance of r, NaN
// for a class it does not score.
func apAt2m(r *evaluate.BEVResult) (car, person float64) {
	car, person = math.NaN(), math.NaN()
	for _, c := range r.Classes {
		if len(c.AP) > 2 {
			switch c.Name {
			case "car":
				car = c.AP[2]
			case "person":
				person = c.AP[2]
			}
		}
	}
	return car, person
}

// TestBEVRigs runs bev-small (its camera count dynamic) through the
// bevfusion node on rigs of one, four, six and eight cameras (held-out seed
// 301, 0.5 s) and checks each fuses its cameras into detections, every
// camera in every frame (none masked) and each added camera lifting points
// into the BEV grid; the scores are logged for the README.
func TestBEVRigs(t *testing.T) {
	all := []string{"/cameras/cam_front", "/cameras/cam_front_left", "/cameras/cam_front_right", "/cameras/cam_back", "/cameras/cam_back_left", "/cameras/cam_back_right",
		"/cameras/cam_front_tele", "/cameras/cam_back_tele"}
	paramsFiles := []string{"../params/bevfusion.yaml", "../params/demo.yaml"}
	lastKept := 0
	for _, rig := range []struct {
		name string
		cams int
	}{{"front", 1}, {"four", 4}, {"six", 6}, {"eight", 8}} {
		path := heldOut(t, simdrive.Config{Seed: 301, Duration: 0.5, Cameras: rig.name, Width: 704, Height: 256})
		cams := make([]any, rig.cams)
		for i, c := range all[:rig.cams] {
			cams[i] = c
		}
		r, err := evaluate.BEV(context.Background(), evaluate.BEVConfig{
			Bags: []string{path}, ParamsFiles: paramsFiles, Root: "..", Params: map[string]any{"cameras": cams},
		})
		if err != nil {
			t.Fatalf("%s rig: %v", rig.name, err)
		}
		car, _ := apAt2m(r)
		t.Logf("%s rig (%d cameras): %d frames, %d detections, car AP@2m %.4f, occupancy IoU %.4f", rig.name, rig.cams, r.Frames, r.Detections, car, r.OccupancyIoU)
		if r.Frames == 0 || r.Detections == 0 || math.IsNaN(car) {
			t.Fatalf("%s rig: %d frames, %d detections", rig.name, r.Frames, r.Detections)
		}
		// The node's facts say which cameras each frame fused (evaluate
		// keeps only the outputs): every camera, every frame.
		sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{path}, Nodes: []string{"bevfusion"}, ParamsFiles: paramsFiles,
			Params: map[string]map[string]any{"bevfusion": {"cameras": cams}}, Fast: true, Root: ".."})
		if err != nil {
			t.Fatalf("%s rig: replay: %v", rig.name, err)
		}
		facts := sum.Nodes[0].Facts
		fused, withAll := facts[bevfusionnode.FactFramesFused], facts[bevfusionnode.FactFramesAllCameras]
		if fused == "" || fused == "0" || withAll != fused {
			t.Errorf("%s rig: %s frames fused, %s of them with every camera", rig.name, fused, withAll)
		}
		for _, c := range all[:rig.cams] {
			if got := facts["camera."+c]; got != "ok" {
				t.Errorf("%s rig: camera %s in the last frame: %q, want ok", rig.name, c, got)
			}
		}
		kept, err := strconv.Atoi(facts["lss_points_kept"])
		if err != nil || kept <= lastKept {
			t.Errorf("%s rig: %d frustum points kept in the BEV grid (%v), want more than the smaller rig's %d", rig.name, kept, err, lastKept)
		}
		t.Logf("%s rig: %s frames fused with every camera, %d frustum points kept in the grid", rig.name, withAll, kept)
		lastKept = kept
	}
}

// TestPoseLiftReproducesCard scores the lifting models through the pose2d
// node without depth (detector-person-small and pose-heatmap-small for 2D,
// then the lift with the ground plane from TF; the temporal model on the
// tracker's ids) on held-out seed 301 (1 s, 640×480 front camera, people
// along the route) and compares the root-aligned MPJPE, PA-MPJPE and
// absolute MPJPE with each card's ci_ figures.
func TestPoseLiftReproducesCard(t *testing.T) {
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "front", Width: 640, Height: 480, Crowd: true, Lidar: "hdl32", Columns: 512})
	for _, name := range []string{"pose-lift-small", "pose-lift-temporal-small"} {
		card, err := infer.LoadCard(name + ".card.yaml")
		if err != nil {
			t.Fatal(err)
		}
		wantRoot, wantPA, wantAbs := cardMetric(t, card, "ci_mpjpe_root_aligned_mm"), cardMetric(t, card, "ci_pa_mpjpe_mm"), cardMetric(t, card, "ci_mpjpe_mm")
		tol := cardMetric(t, card, "ci_tolerance_mm")
		r, err := evaluate.Pose(context.Background(), evaluate.PoseConfig{
			Bags: []string{path}, ParamsFiles: []string{"../params/pose2d.yaml"}, Root: "..",
			Params: map[string]any{"image.topic": "/cameras/cam_front/image", "camera_info.topic": "/cameras/cam_front/camera_info", "depth.topic": "",
				"lift.model": "models/" + name + ".onnx", "output.skeletons": "/skeletons", "output.skeletons_3d": "/skeletons_3d"},
			GTTopic: "/gt/cameras/cam_front/skeletons", OutputTopic: "/skeletons",
			GT3DTopic: "/gt/cameras/cam_front/skeletons_3d", Output3DTopic: "/skeletons_3d",
		})
		if err != nil {
			t.Fatal(err)
		}
		root, pa, abs := 1000*r.RootMPJPE, 1000*r.PAMPJPE, 1000*r.MPJPE
		t.Logf("%s on held-out seed 301 (%d frames, %d people lifted, %d joints): root-aligned MPJPE %.1f mm, PA-MPJPE %.1f mm, MPJPE %.1f mm (card %.1f / %.1f / %.1f ± %.1f)",
			name, r.Frames, r.People3D, r.JointsRoot3D, root, pa, abs, wantRoot, wantPA, wantAbs, tol)
		if r.JointsRoot3D == 0 || math.Abs(root-wantRoot) > tol || math.Abs(pa-wantPA) > tol || math.Abs(abs-wantAbs) > tol {
			t.Fatalf("%s: root-aligned %.1f, PA %.1f, MPJPE %.1f mm over %d joints; card says %.1f / %.1f / %.1f ± %.1f", name, root, pa, abs, r.JointsRoot3D, wantRoot, wantPA, wantAbs, tol)
		}
		if card.Family != "lift-mlp" {
			t.Fatalf("%s: family %q", name, card.Family)
		}
	}
}
