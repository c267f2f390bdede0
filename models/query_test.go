package models

import (
	"context"
	"math"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/evaluate"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// TestBEVQueryReproducesCard runs bev-query-small, our tiny PETR (family
// bev-query: six images and their lidar2img, built by the node from
// CameraInfo, the card's resize and crop and TF at each image stamp, → a
// box set decoded without NMS), through the bevfusion node on held-out
// seed 301 (1 s, six 704×256 cameras; no fuser, so lidar only gives the
// occupancy) and compares car AP at 2 and 4 m, the detection count at
// score 0.225 and the car translation error with the card's ci_ figures.
func TestBEVQueryReproducesCard(t *testing.T) {
	card, err := infer.LoadCard("bev-query-small.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if card.Family != infer.FamilyBEVQuery || card.CameraGeometry == nil || card.BoxSet == nil {
		t.Fatalf("family %q, camera_geometry %v, box_set %v", card.Family, card.CameraGeometry, card.BoxSet)
	}
	want2, want4 := cardMetric(t, card, "ci_car_ap_2m"), cardMetric(t, card, "ci_car_ap_4m")
	wantATE, wantDets := cardMetric(t, card, "ci_car_ate_m"), cardMetric(t, card, "ci_detections")
	tol := cardMetric(t, card, "ci_tolerance")
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 1, Cameras: "six", Width: 704, Height: 256})
	r, err := evaluate.BEV(context.Background(), evaluate.BEVConfig{
		Bags: []string{path}, ParamsFiles: []string{"../params/bevfusion.yaml", "../params/demo.yaml"}, Root: "..",
		// score_threshold 0.225 (params: 0.1, which every query of this weak
		// model passes) makes the detection count depend on the scores.
		Params: map[string]any{"encoder_model": "models/bev-query-small.onnx", "fuser_model": "", "score_threshold": 0.225},
	})
	if err != nil {
		t.Fatal(err)
	}
	ap2, ap4, ate := math.NaN(), math.NaN(), math.NaN()
	for _, c := range r.Classes {
		if c.Name == "car" && len(c.AP) > 3 {
			ap2, ap4, ate = c.AP[2], c.AP[3], c.ATE
		}
	}
	t.Logf("bev-query-small on held-out seed 301 (%d frames, %d detections): car AP@2m %.4f, AP@4m %.4f, ATE %.4f m, mAP %.4f (card %.4f / %.4f / %.4f m, %g detections ± %.4f)",
		r.Frames, r.Detections, ap2, ap4, ate, r.MAP, want2, want4, wantATE, wantDets, tol)
	if r.Frames == 0 || math.IsNaN(ap2) || math.Abs(ap2-want2) > tol || math.Abs(ap4-want4) > tol || math.Abs(ate-wantATE) > tol ||
		float64(r.Detections) != wantDets {
		t.Fatalf("car AP %.4f / %.4f, ATE %.4f m, %d detections; card says %.4f / %.4f / %.4f m, %g ± %.4f",
			ap2, ap4, ate, r.Detections, want2, want4, wantATE, wantDets, tol)
	}
}
