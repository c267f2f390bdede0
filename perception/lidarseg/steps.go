package lidarseg

import "math"

// stepTable counts how many of an ascending list of thresholds are at or
// below a value, in O(1): a table of bins gives a lower bound and a short
// walk finishes. It turns the projection's monotone float32 formulas into
// comparisons without changing a single result.
type stepTable struct {
	thr   []float64 // ascending
	lo    float64
	scale float64 // bins per unit
	start []int32 // per bin, thresholds certainly at or below any value in it
}

func newStepTable(thr []float64, bins int) stepTable {
	t := stepTable{thr: thr, start: make([]int32, bins)}
	if len(thr) == 0 {
		return t
	}
	t.lo = thr[0]
	span := thr[len(thr)-1] - thr[0]
	if span <= 0 {
		span = 1
	}
	t.scale = float64(bins) / span
	k := 0
	for b := range t.start {
		edge := t.lo + (float64(b)-0.01)/t.scale
		for k < len(thr) && thr[k] < edge {
			k++
		}
		t.start[b] = int32(k)
	}
	return t
}

// count returns #{k : thr[k] ≤ x}; NaN counts 0.
func (t *stepTable) count(x float64) int {
	f := (x - t.lo) * t.scale
	if !(f >= 0) {
		f = 0
	}
	b := min(int(f), len(t.start)-1)
	k := int(t.start[b])
	for k < len(t.thr) && x >= t.thr[k] {
		k++
	}
	return k
}

// float32Order maps a float32 to an integer with the same order.
func float32Order(f float32) int64 {
	b := int64(int32(math.Float32bits(f)))
	if b < 0 {
		return math.MinInt32 - b
	}
	return b
}

func float32FromOrder(o int64) float32 {
	if o < 0 {
		return math.Float32frombits(uint32(int32(math.MinInt32 - o)))
	}
	return math.Float32frombits(uint32(int32(o)))
}

// firstTrue returns the smallest float32 in [lo, hi] where the monotone
// predicate pred (false, then true) holds, or hi when it never does before.
func firstTrue(lo, hi float32, pred func(float32) bool) float32 {
	a, b := float32Order(lo), float32Order(hi)
	for a < b {
		m := a + (b-a)/2
		if pred(float32FromOrder(m)) {
			b = m
		} else {
			a = m + 1
		}
	}
	return float32FromOrder(a)
}

// prevFloat32 returns the float32 just below f.
func prevFloat32(f float32) float32 { return float32FromOrder(float32Order(f) - 1) }

// diamond is a cheap angle: a function of (x, y) increasing with
// atan2(y, x) over (−π, π], in (−2, 2]. y = −0 is treated as +0.
func diamond(x, y float64) float64 {
	if y >= 0 {
		if x >= 0 {
			return y / (x + y)
		}
		return 1 - x/(y-x)
	}
	if x < 0 {
		return -2 - y/(-x-y)
	}
	return -1 + x/(x-y)
}
