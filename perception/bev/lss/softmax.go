package lss

import (
	"fmt"
	"math"
)

// softmaxBlock is the number of pixels SoftmaxDepth normalises together,
// so that every depth row it touches is a contiguous run.
const softmaxBlock = 256

// SoftmaxDepth replaces the depth logits x [n, d, hw] (n cameras, d depth
// bins, hw = FH·FW pixels) in place by their softmax over the d bins of
// each pixel, computed in float64 with the maximum subtracted. A pixel
// with a NaN logit becomes all NaN; +Inf logits share the probability
// equally. It does not allocate; Pooler.SoftmaxDepth runs the same on the
// pooling workers.
func SoftmaxDepth(x []float32, n, d, hw int) error {
	if err := checkSoftmax(x, n, d, hw); err != nil {
		return err
	}
	blocks := (hw + softmaxBlock - 1) / softmaxBlock
	for j := 0; j < n*blocks; j++ {
		softmaxJob(x, d, hw, j)
	}
	return nil
}

func checkSoftmax(x []float32, n, d, hw int) error {
	if n <= 0 || d <= 0 || hw <= 0 || len(x) != n*d*hw {
		return fmt.Errorf("%w: softmax over %d elements as [%d, %d, %d]", ErrShape, len(x), n, d, hw)
	}
	return nil
}

// softmaxJob normalises pixel block j (camera j / blocks, pixels
// [b·softmaxBlock, …) of it) of x [n, d, hw].
func softmaxJob(x []float32, d, hw, j int) {
	blocks := (hw + softmaxBlock - 1) / softmaxBlock
	cam, b := j/blocks, j%blocks
	lo, hi := b*softmaxBlock, min((b+1)*softmaxBlock, hw)
	base := x[cam*d*hw : (cam+1)*d*hw]
	var m, sum [softmaxBlock]float64
	mm := m[:hi-lo]
	for p := range mm {
		mm[p] = math.Inf(-1)
	}
	for k := 0; k < d; k++ {
		row := base[k*hw+lo : k*hw+hi]
		row = row[:len(mm)]
		for p, v := range row {
			if f := float64(v); f > mm[p] || f != f {
				mm[p] = f
			}
		}
	}
	ss := sum[:len(mm)]
	for k := 0; k < d; k++ {
		row := base[k*hw+lo : k*hw+hi]
		row = row[:len(mm)]
		for p, v := range row {
			var e float64
			if math.IsInf(mm[p], 1) {
				if math.IsInf(float64(v), 1) {
					e = 1
				}
			} else {
				e = math.Exp(float64(v) - mm[p])
			}
			row[p] = float32(e)
			ss[p] += e
		}
	}
	for p := range ss {
		ss[p] = 1 / ss[p]
	}
	for k := 0; k < d; k++ {
		row := base[k*hw+lo : k*hw+hi]
		row = row[:len(ss)]
		for p, v := range row {
			row[p] = float32(float64(v) * ss[p])
		}
	}
}
