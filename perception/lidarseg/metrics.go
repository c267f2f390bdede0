package lidarseg

import (
	"fmt"
	"math"
)

// Confusion is a confusion matrix over class indices, as SemanticKITTI's
// evaluation keeps it: points whose ground truth is an ignored class are
// not counted; a prediction of an ignored class is a miss for the true
// class.
type Confusion struct {
	classes int
	ignore  []bool
	// m[pred*classes+gt] counts points.
	m []uint64
}

// NewConfusion returns an empty matrix for classes classes, ignoring the
// listed ones (SemanticKITTI: class 0).
func NewConfusion(classes int, ignore ...int) (*Confusion, error) {
	if classes < 1 {
		return nil, configErr("NewConfusion classes", classes, "want ≥ 1")
	}
	c := &Confusion{classes: classes, ignore: make([]bool, classes), m: make([]uint64, classes*classes)}
	for _, i := range ignore {
		if i < 0 || i >= classes {
			return nil, configErr("NewConfusion ignore", i, "class outside 0..%d", classes-1)
		}
		c.ignore[i] = true
	}
	return c, nil
}

// Classes returns the number of classes.
func (c *Confusion) Classes() int { return c.classes }

// Add counts the points of one cloud: pred and gt are class indices per
// point. Points whose index is out of range are an error, counted nowhere.
func (c *Confusion) Add(pred, gt []uint16) error {
	if len(pred) != len(gt) {
		return fmt.Errorf("%w: %d predictions for %d ground-truth labels", ErrInput, len(pred), len(gt))
	}
	for i, g := range gt {
		p := pred[i]
		if int(g) >= c.classes || int(p) >= c.classes {
			return fmt.Errorf("%w: point %d: class %d or %d outside 0..%d", ErrInput, i, p, g, c.classes-1)
		}
	}
	for i, g := range gt {
		if c.ignore[g] {
			continue
		}
		c.m[int(pred[i])*c.classes+int(g)]++
	}
	return nil
}

// Count returns the points of ground truth gt predicted as pred.
func (c *Confusion) Count(pred, gt int) uint64 { return c.m[pred*c.classes+gt] }

// Merge adds o's counts (same number of classes) into c.
func (c *Confusion) Merge(o *Confusion) error {
	if o.classes != c.classes {
		return fmt.Errorf("%w: merging %d classes into %d", ErrInput, o.classes, c.classes)
	}
	for i, v := range o.m {
		c.m[i] += v
	}
	return nil
}

// stats returns the true positives, false positives and false negatives of
// class k. Predictions of ignored classes are no one's false positive.
func (c *Confusion) stats(k int) (tp, fp, fn uint64) {
	tp = c.m[k*c.classes+k]
	for j := 0; j < c.classes; j++ {
		if j == k {
			continue
		}
		if !c.ignore[j] {
			fp += c.m[k*c.classes+j] // predicted k, truly j
		}
		fn += c.m[j*c.classes+k] // predicted j, truly k
	}
	return tp, fp, fn
}

// IoU returns every class's intersection over union TP / (TP + FP + FN);
// NaN for ignored classes and for classes neither present nor predicted.
func (c *Confusion) IoU() []float64 {
	out := make([]float64, c.classes)
	for k := range out {
		tp, fp, fn := c.stats(k)
		if c.ignore[k] || tp+fp+fn == 0 {
			out[k] = math.NaN()
			continue
		}
		out[k] = float64(tp) / float64(tp+fp+fn)
	}
	return out
}

// Stats returns class k's true positives, false positives (predicted k,
// truly another class not ignored) and false negatives (truly k, predicted
// anything else, ignored classes included), as semantic-kitti-api's
// iouEval.getStats counts them.
func (c *Confusion) Stats(k int) (tp, fp, fn uint64) { return c.stats(k) }

// Ignored reports whether class k is ignored.
func (c *Confusion) Ignored(k int) bool { return c.ignore[k] }

// MeanIoUSemanticKITTI returns SemanticKITTI's official mean IoU and the
// number of classes averaged: the mean over every class not ignored (19
// for SemanticKITTI), a class absent from both the ground truth and the
// predictions counting as 0, as semantic-kitti-api's iouEval.getIoU does
// (its union + 1e-15 turns 0/0 into 0). NaN when every class is ignored or
// no point was counted (where iouEval would say 0).
func (c *Confusion) MeanIoUSemanticKITTI() (float64, int) {
	sum, n := 0.0, 0
	var counted uint64
	for _, v := range c.m {
		counted += v
	}
	for k := 0; k < c.classes; k++ {
		if c.ignore[k] {
			continue
		}
		n++
		if tp, fp, fn := c.stats(k); tp > 0 {
			sum += float64(tp) / float64(tp+fp+fn)
		}
	}
	if n == 0 || counted == 0 {
		return math.NaN(), n
	}
	return sum / float64(n), n
}

// AccuracySemanticKITTI returns the accuracy as semantic-kitti-api's
// iouEval.getacc computes it: right predictions over the points predicted
// as a class not ignored, so that points predicted as an ignored class
// count neither way (Accuracy counts them as wrong). NaN when there are
// none.
func (c *Confusion) AccuracySemanticKITTI() float64 {
	var right, all uint64
	for p := 0; p < c.classes; p++ {
		if c.ignore[p] {
			continue
		}
		for g := 0; g < c.classes; g++ {
			v := c.m[p*c.classes+g]
			all += v
			if p == g {
				right += v
			}
		}
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(right) / float64(all)
}

// MeanIoU returns the mean IoU over the classes present in the ground truth
// or the predictions (and not ignored), and how many there were; NaN when
// none. MeanIoUSemanticKITTI is the benchmark's figure.
func (c *Confusion) MeanIoU() (float64, int) {
	sum, n := 0.0, 0
	for _, v := range c.IoU() {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// Accuracy returns the fraction of counted points predicted right.
func (c *Confusion) Accuracy() float64 {
	var right, all uint64
	for p := 0; p < c.classes; p++ {
		for g := 0; g < c.classes; g++ {
			v := c.m[p*c.classes+g]
			all += v
			if p == g {
				right += v
			}
		}
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(right) / float64(all)
}

// AddRaw counts one cloud labelled with raw ids: pred are the raw label ids
// a node wrote (its label field), gt the ground-truth raw labels as in
// SemanticKITTI's .label files (instance in the upper 16 bits, dropped).
// Both are mapped to class indices with m's learning map.
func (c *Confusion) AddRaw(m *LabelMap, pred []uint16, gt []uint32) error {
	if len(pred) != len(gt) {
		return fmt.Errorf("%w: %d predictions for %d ground-truth labels", ErrInput, len(pred), len(gt))
	}
	if m.NumClasses() != c.classes {
		return fmt.Errorf("%w: label map of %d classes for a %d-class matrix", ErrInput, m.NumClasses(), c.classes)
	}
	for i, g := range gt {
		gc := m.Class(g)
		if c.ignore[gc] {
			continue
		}
		c.m[int(m.Class(uint32(pred[i])))*c.classes+int(gc)]++
	}
	return nil
}
