package models

import (
	"context"
	"math"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/evaluate"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// TestLidarsegPaintedReproducesCard scores lidarseg-painted-small through
// the lidarseg node — projection, camera painting from the drive's images,
// camera_info and TF, inference, kNN — on held-out seed 301 and compares
// with the card's ci_miou.
func TestLidarsegPaintedReproducesCard(t *testing.T) {
	card, err := infer.LoadCard("lidarseg-painted-small.card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if card.Paint == nil || len(card.Paint.Cameras) != 3 {
		t.Fatalf("card paint %+v, want three cameras", card.Paint)
	}
	want := cardMetric(t, card, "ci_miou")
	wantKITTI := cardMetric(t, card, "ci_miou_semantic_kitti")
	tol := cardMetric(t, card, "ci_tolerance")
	// "four" is the smallest rig with the front three cameras.
	path := heldOut(t, simdrive.Config{Seed: 301, Duration: 0.5, Cameras: "four"})
	rs, err := evaluate.Lidarseg(context.Background(), evaluate.LidarsegConfig{
		Bags: []string{path}, ParamsFiles: []string{"../params/lidarseg.yaml"}, Root: "..",
		Params: map[string]any{"model.path": "models/lidarseg-painted-small.onnx"}, LabelMap: lidarseg.SemanticKITTI(), Modes: []string{"knn"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, gotKITTI := rs[0].MeanIoU, rs[0].MeanIoUSemanticKITTI
	t.Logf("lidarseg-painted-small on held-out seed 301 (0.5 s, %d clouds): mIoU %.4f over the classes present, %.4f over SemanticKITTI's 19 (card %.4f / %.4f ± %.4f)",
		rs[0].Clouds, got, gotKITTI, want, wantKITTI, tol)
	if rs[0].Clouds != 5 {
		t.Fatalf("%d clouds scored, want 5", rs[0].Clouds)
	}
	if math.IsNaN(got) || math.Abs(got-want) > tol || math.Abs(gotKITTI-wantKITTI) > tol {
		t.Fatalf("mIoU %.4f / %.4f, card says %.4f / %.4f ± %.4f", got, gotKITTI, want, wantKITTI, tol)
	}
}
