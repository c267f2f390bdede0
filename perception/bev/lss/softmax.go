package lss

import (
	"fmt"
	"math"
)

// expConsts are expRowAVX2's constants: the clamp (e^−104 rounds to float32
// 0), log2 e, ln 2 in a high part whose products with the exponents are
// exact and a low part (fdlibm's), the Taylor coefficients 1/8! … 1/2!, 1,
// and the exponent bias as int64 bits.
var expConsts = [13]float64{-104, math.Log2E, 6.93147180369123816490e-01, 1.90821492927058770002e-10,
	1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, math.Float64frombits(1023)}

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
	var m32 [softmaxBlock]float32
	mm, mf := m[:hi-lo], m32[:hi-lo]
	for p := range mf {
		mf[p] = float32(math.Inf(-1))
	}
	// The maximum in float32 is the float64 one: conversion is exact and
	// keeps the order.
	for k := 0; k < d; k++ {
		row := base[k*hw+lo : k*hw+hi]
		row = row[:len(mf)]
		for p := maxRow(row, mf); p < len(row); p++ {
			if v := row[p]; v > mf[p] || v != v {
				mf[p] = v
			}
		}
	}
	for p, v := range mf {
		mm[p] = float64(v)
	}
	ss := sum[:len(mm)]
	// The vector exponential takes the block when every maximum is finite
	// (no NaN or +Inf logit), which is every block of a working camera.
	finite := true
	for _, v := range mm {
		if v-v != 0 {
			finite = false
			break
		}
	}
	for k := 0; k < d; k++ {
		row := base[k*hw+lo : k*hw+hi]
		row = row[:len(mm)]
		done := 0
		if finite {
			done = expRow(row, mm, ss)
		}
		for p := done; p < len(row); p++ {
			v := row[p]
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
		for p := normRow(row, ss); p < len(row); p++ {
			row[p] = float32(float64(row[p]) * ss[p])
		}
	}
}
