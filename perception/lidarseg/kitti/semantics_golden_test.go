package kitti

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/perception/lidarseg"
)

// TestScoresMatchEvaluateSemantics reads the labels and predictions of
// testdata/semantic_kitti (raw ids with instance bits), scores them with
// SemanticKITTI's label map, and compares with what semantic-kitti-api's
// own evaluate_semantics.py reported for the same files
// (testdata/gen_semantics_golden.py).
func TestScoresMatchEvaluateSemantics(t *testing.T) {
	var want map[string]float64
	raw, err := os.ReadFile("testdata/semantics_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	lm := lidarseg.SemanticKITTI()
	conf, err := lidarseg.NewConfusion(lm.NumClasses(), 0)
	if err != nil {
		t.Fatal(err)
	}
	seq := filepath.Join("testdata", "semantic_kitti", "sequences", "08")
	instances := 0
	for _, scan := range []string{"000000", "000001"} {
		gt, err := ReadLabels(filepath.Join(seq, "labels", scan+".label"))
		if err != nil {
			t.Fatal(err)
		}
		pred, err := ReadLabels(filepath.Join(seq, "predictions", scan+".label"))
		if err != nil {
			t.Fatal(err)
		}
		p16 := make([]uint16, len(pred))
		g32 := make([]uint32, len(gt))
		for i := range pred {
			p16[i], g32[i] = Semantic(pred[i]), gt[i] // AddRaw drops the instance half
			if Instance(gt[i]) != 0 {
				instances++
			}
		}
		if err := conf.AddRaw(lm, p16, g32); err != nil {
			t.Fatal(err)
		}
	}
	if instances == 0 {
		t.Fatal("no instance bits in the golden labels: their masking is untested")
	}
	// evaluate_semantics.py divides by union + 1e-15: a relative 1e-15.
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-14*math.Max(1, math.Abs(b)) }
	mean, n := conf.MeanIoUSemanticKITTI()
	if n != 19 || !near(mean, want["iou_mean"]) {
		t.Errorf("mean IoU %.17g over %d classes, evaluate_semantics.py %.17g over 19", mean, n, want["iou_mean"])
	}
	if acc := conf.AccuracySemanticKITTI(); !near(acc, want["accuracy_mean"]) {
		t.Errorf("accuracy %.17g, evaluate_semantics.py %.17g", acc, want["accuracy_mean"])
	}
	checked := 0
	for c, v := range conf.IoU() {
		if conf.Ignored(c) {
			continue
		}
		name := lm.ClassName(uint16(c))
		w, ok := want["iou_"+name]
		if !ok {
			t.Errorf("class %d %q: no iou_%s in evaluate_semantics.py's scores", c, name, name)
			continue
		}
		checked++
		if math.IsNaN(v) { // neither present nor predicted: 0 there
			if w != 0 || name != "motorcyclist" {
				t.Errorf("%s: no union here, evaluate_semantics.py %g", name, w)
			}
			continue
		}
		if !near(v, w) {
			t.Errorf("%s: IoU %.17g, evaluate_semantics.py %.17g", name, v, w)
		}
	}
	if checked != 19 {
		t.Errorf("%d classes compared, want 19", checked)
	}
	present, k := conf.MeanIoU()
	t.Logf("SemanticKITTI mIoU %.4f over 19 classes (evaluate_semantics.py %.4f); %.4f over the %d present", mean, want["iou_mean"], present, k)
}
