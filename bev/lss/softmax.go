package lss

import (
	"fmt"
	"math"
)

// SoftmaxDepth replaces the depth logits x [n, d, hw] (n cameras, d depth
// bins, hw = FH·FW pixels) in place by their softmax over the d bins of
// each pixel, computed in float64 with the maximum subtracted. A pixel
// with a NaN logit becomes all NaN; +Inf logits share the probability.
// It does not allocate.
func SoftmaxDepth(x []float32, n, d, hw int) error {
	if n <= 0 || d <= 0 || hw <= 0 || len(x) != n*d*hw {
		return fmt.Errorf("%w: softmax over %d elements as [%d, %d, %d]", ErrShape, len(x), n, d, hw)
	}
	for cam := 0; cam < n; cam++ {
		base := x[cam*d*hw : (cam+1)*d*hw]
		for p := 0; p < hw; p++ {
			m := math.Inf(-1)
			for k := 0; k < d; k++ {
				if v := float64(base[k*hw+p]); v > m || v != v {
					m = v
				}
			}
			if math.IsInf(m, 1) {
				var cnt float64
				for k := 0; k < d; k++ {
					if math.IsInf(float64(base[k*hw+p]), 1) {
						cnt++
					}
				}
				for k := 0; k < d; k++ {
					if math.IsInf(float64(base[k*hw+p]), 1) {
						base[k*hw+p] = float32(1 / cnt)
					} else {
						base[k*hw+p] = 0
					}
				}
				continue
			}
			var sum float64
			for k := 0; k < d; k++ {
				e := math.Exp(float64(base[k*hw+p]) - m)
				base[k*hw+p] = float32(e)
				sum += e
			}
			inv := 1 / sum
			for k := 0; k < d; k++ {
				base[k*hw+p] = float32(float64(base[k*hw+p]) * inv)
			}
		}
	}
	return nil
}
