package lidarseg

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// TestConfusionMatchesIouEval scores random predictions and compares every
// class's IoU, the official mean IoU and the accuracy with
// semantic-kitti-api's own iouEval (testdata/gen_ioueval_golden.py).
func TestConfusionMatchesIouEval(t *testing.T) {
	raw, err := os.ReadFile("testdata/ioueval_golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	n, classes, ignore := int(le.Uint32(raw)), int(le.Uint32(raw[4:])), int(le.Uint32(raw[8:]))
	off := 12
	u16s := func() []uint16 {
		s := make([]uint16, n)
		for i := range s {
			s[i] = le.Uint16(raw[off:])
			off += 2
		}
		return s
	}
	pred, gt := u16s(), u16s()
	f64 := func() float64 { v := math.Float64frombits(le.Uint64(raw[off:])); off += 8; return v }
	wantIoU := make([]float64, classes)
	for i := range wantIoU {
		wantIoU[i] = f64()
	}
	wantMean, wantAcc := f64(), f64()
	if off != len(raw) {
		t.Fatalf("ioueval golden: %d bytes read of %d", off, len(raw))
	}

	c, err := NewConfusion(classes, ignore)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Add(pred, gt); err != nil {
		t.Fatal(err)
	}
	// iouEval divides by union + 1e-15: a relative 1e-15 at most.
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-14*math.Max(1, math.Abs(b)) }
	seen := make([]bool, classes) // in the ground truth or predicted
	for i := range gt {
		seen[gt[i]], seen[pred[i]] = true, true
	}
	zeroUnion := 0
	for k, v := range c.IoU() {
		if k == ignore {
			continue // iouEval reports a number there that nothing uses
		}
		if math.IsNaN(v) != !seen[k] {
			t.Errorf("class %d: IoU %g, but seen in the data %v", k, v, seen[k])
		}
		if math.IsNaN(v) { // no point of k, none predicted: iouEval says 0
			zeroUnion++
			if wantIoU[k] != 0 {
				t.Errorf("class %d: no union here, iouEval IoU %g", k, wantIoU[k])
			}
			continue
		}
		if !near(v, wantIoU[k]) {
			t.Errorf("class %d: IoU %.17g, iouEval %.17g", k, v, wantIoU[k])
		}
	}
	if zeroUnion < 2 {
		t.Errorf("%d classes with an empty union, want at least the golden's 5 and 7", zeroUnion)
	}
	mean, m := c.MeanIoUSemanticKITTI()
	if m != classes-1 || !near(mean, wantMean) {
		t.Errorf("official mean IoU %.17g over %d classes, iouEval %.17g over %d", mean, m, wantMean, classes-1)
	}
	if acc := c.AccuracySemanticKITTI(); !near(acc, wantAcc) {
		t.Errorf("accuracy %.17g, iouEval %.17g", acc, wantAcc)
	}
	// The mean over present classes leaves the two empty classes out.
	present, k := c.MeanIoU()
	if k != classes-1-zeroUnion || !near(present*float64(k), mean*float64(m)) {
		t.Errorf("mean over %d present classes %g, official %g over %d: sums differ", k, present, mean, m)
	}
	t.Logf("official mIoU %.4f over %d classes, %.4f over the %d present; accuracy %.4f (iouEval's), %.4f (all counted points)",
		mean, m, present, k, c.AccuracySemanticKITTI(), c.Accuracy())
}
