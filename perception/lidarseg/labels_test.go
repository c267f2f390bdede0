package lidarseg

import (
	"bytes"
	"errors"
	"math"
	"os"
	"testing"
)

func TestSemanticKITTILabelMap(t *testing.T) {
	m, err := LoadLabelMap("../../params/semantic-kitti.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.NumClasses() != 20 {
		t.Fatalf("%d classes, want 20", m.NumClasses())
	}
	// The class order of CONTRACTS.md.
	want := []uint16{0, 10, 11, 15, 18, 20, 30, 31, 32, 40, 44, 48, 49, 50, 51, 70, 71, 72, 80, 81}
	for c, raw := range want {
		if m.RawID(uint16(c)) != raw {
			t.Errorf("class %d → raw %d, want %d", c, m.RawID(uint16(c)), raw)
		}
		if got := m.Class(uint32(raw)); int(got) != c {
			t.Errorf("raw %d → class %d, want %d", raw, got, c)
		}
		if m.ClassName(uint16(c)) == "" {
			t.Errorf("class %d has no name", c)
		}
	}
	for raw, c := range map[uint32]uint16{252: 1, 254: 6, 13: 5, 60: 9, 52: 0, 99: 0, 1: 0, 7: 0, 60000: 0, 10 | 17<<16: 1} {
		if got := m.Class(raw); got != c {
			t.Errorf("raw %#x → class %d, want %d", raw, got, c)
		}
	}
	if car := m.ClassColour(1); !(car[2] > car[0] && car[2] > car[1]) {
		t.Errorf("car colour %v is not blue", car)
	}
	if road := m.ClassColour(9); road != [3]uint8{255, 0, 255} {
		t.Errorf("road colour %v is not magenta", road)
	}
	if !m.Ignore[0] || m.Ignore[1] {
		t.Error("ignore flags wrong")
	}
	if len(m.ClassColours()) != 20 || len(m.RawIDs()) != len(m.Names) {
		t.Error("ClassColours or RawIDs wrong")
	}
}

func TestLabelMapErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"yaml":      "labels: [",
		"few":       "learning_map_inv: {0: 0}",
		"gap":       "learning_map_inv: {0: 0, 2: 10}",
		"bad class": "learning_map_inv: {0: 0, 1: 10}\nlearning_map: {10: 5}",
		"colour":    "learning_map_inv: {0: 0, 1: 10}\ncolor_map: {10: [1, 2]}",
		"range":     "learning_map_inv: {0: 0, 1: 70000}",
	} {
		if _, err := ParseLabelMap([]byte(doc)); !errors.Is(err, ErrLabelMap) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadLabelMap("nope.yaml"); !errors.Is(err, ErrLabelMap) {
		t.Error(err)
	}
}

// TestConfusion checks IoU against counts worked by hand, with class 0
// ignored as SemanticKITTI does.
func TestConfusion(t *testing.T) {
	c, err := NewConfusion(4, 0)
	if err != nil {
		t.Fatal(err)
	}
	gt := []uint16{1, 1, 1, 1, 2, 2, 2, 0, 0, 3}
	pr := []uint16{1, 1, 1, 2, 2, 2, 0, 1, 2, 1}
	if err := c.Add(pr, gt); err != nil {
		t.Fatal(err)
	}
	// Class 1: TP 3, FP 1 (the 3 predicted as 1), FN 1 → 3/5.
	// Class 2: TP 2, FP 1, FN 1 (predicted as ignored 0) → 2/4.
	// Class 3: TP 0, FP 0, FN 1 → 0.
	iou := c.IoU()
	want := []float64{math.NaN(), 0.6, 0.5, 0}
	for k := range want {
		if math.IsNaN(want[k]) != math.IsNaN(iou[k]) || (!math.IsNaN(want[k]) && math.Abs(iou[k]-want[k]) > 1e-12) {
			t.Errorf("IoU[%d] = %g, want %g", k, iou[k], want[k])
		}
	}
	if m, n := c.MeanIoU(); n != 3 || math.Abs(m-1.1/3) > 1e-12 {
		t.Errorf("mIoU %g over %d, want %g over 3", m, n, 1.1/3)
	}
	if a := c.Accuracy(); math.Abs(a-5.0/8) > 1e-12 {
		t.Errorf("accuracy %g", a)
	}
	if c.Count(1, 3) != 1 {
		t.Error("Count")
	}
	d, _ := NewConfusion(4, 0)
	_ = d.Merge(c)
	if m1, _ := d.MeanIoU(); math.Abs(m1-1.1/3) > 1e-12 {
		t.Error("Merge")
	}
	if err := c.Add(pr[:2], gt); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
	if err := c.Add([]uint16{9}, []uint16{1}); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
	_, err = NewConfusion(3, 5)
	wantConfigErr(t, "ignore 5 of 3", err, "lidarseg.NewConfusion ignore", "class outside 0..2")
}

func TestBuiltInLabelMapMatchesParams(t *testing.T) {
	raw, err := os.ReadFile("../../params/semantic-kitti.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, semanticKITTI) {
		t.Fatal("lidarseg/semantic_kitti.yaml differs from params/semantic-kitti.yaml; copy the params file over it")
	}
	if SemanticKITTI().NumClasses() != 20 {
		t.Fatal("built-in map")
	}
}

func TestConfusionAddRaw(t *testing.T) {
	m := SemanticKITTI()
	c, _ := NewConfusion(m.NumClasses(), 0)
	// car (moving car in truth), road (lane marking in truth), a missed
	// person, and an unlabelled truth point that is not counted.
	pred := []uint16{10, 40, 40, 10}
	gt := []uint32{252 | 3<<16, 60, 30, 0}
	if err := c.AddRaw(m, pred, gt); err != nil {
		t.Fatal(err)
	}
	if c.Count(1, 1) != 1 || c.Count(9, 9) != 1 || c.Count(9, 6) != 1 || c.Accuracy() != 2.0/3 {
		t.Errorf("counts wrong: car %d road %d person→road %d", c.Count(1, 1), c.Count(9, 9), c.Count(9, 6))
	}
	if err := c.AddRaw(m, pred[:1], gt); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
}
