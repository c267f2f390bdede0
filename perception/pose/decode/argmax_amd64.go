//go:build !purego

package decode

import (
	"math"

	"golang.org/x/sys/cpu"
)

// firstBlockAtLeastAVX returns the index of the first 64-value block
// among m[:64·blocks] holding a value ≥ thr (NaN never is), else blocks.
//
//go:noescape
func firstBlockAtLeastAVX(m *float32, blocks int, thr float32) int

// vblur4AVX is vblur4Go's vertical pass with p the address of m[p] and
// out that of out[0].
//
//go:noescape
func vblur4AVX(p *float32, stride int, gk *float64, r int, out *float64, ostride int)

// hblur6AVX is hblur6Go's six horizontal passes with v the address of
// v[0].
//
//go:noescape
func hblur6AVX(v *float64, cols int, gk *float64, r int, out *float64)

// maxAVX returns the largest non-NaN value of hm[:64·blocks], −∞ when
// there is none.
//
//go:noescape
func maxAVX(hm *float32, blocks int) float32

// chunkMaxAVX writes to out[c] the largest non-NaN value of
// hm[512c : 512c+512] for c < chunks, −∞ when there is none.
//
//go:noescape
func chunkMaxAVX(hm *float32, chunks int, out *float32)

// firstEqualAVX returns the index of the first value of hm[:8·blocks]
// equal to v, else 8·blocks.
//
//go:noescape
func firstEqualAVX(hm *float32, blocks int, v float32) int

// hasAVX reports whether the CPU and the OS support AVX.
var hasAVX = cpu.X86.HasAVX

// firstBlockAtLeast returns the index of the first 64-value block of
// m[:64·(len(m)/64)] holding a value ≥ thr (NaN never is), else
// len(m)/64.
func firstBlockAtLeast(m []float32, thr float32) int {
	n := len(m) / 64
	if !hasAVX || n == 0 {
		return firstBlockAtLeastGo(m, thr)
	}
	return firstBlockAtLeastAVX(&m[0], n, thr)
}

// vblur4 is vblur4Go, with AVX where the CPU has it (the same operations in
// the same order; no fused multiply-add).
func vblur4(m []float32, p, w int, g []float64, r int, out []float64, ostride int) {
	if !hasAVX {
		vblur4Go(m, p, w, g, r, out, ostride)
		return
	}
	// The reads and writes of the assembly, checked here.
	_, _ = m[p-r*w], m[p+(4+r)*w+3]
	_ = out[4*ostride+3]
	_ = g[r]
	vblur4AVX(&m[p], w, &g[0], r, &out[0], ostride)
}

// argmaxAVX is Argmax by two vector passes, the maxima of 512-value chunks
// and then the first occurrence of the largest in the first chunk holding
// it, and reports whether it could (AVX, at least 64 values); i < 0 when no
// value is above −∞.
func argmaxAVX(hm []float32) (i int, v float32, ok bool) {
	if !hasAVX || len(hm) < 64 {
		return 0, 0, false
	}
	best := float32(math.Inf(-1))
	from := -1 // start of the first region holding best
	var maxima [64]float32
	c := 0
	for nc := len(hm) / 512; c < nc; {
		k := min(nc-c, len(maxima))
		chunkMaxAVX(&hm[512*c], k, &maxima[0])
		for j, m := range maxima[:k] {
			if m > best {
				best, from = m, 512*(c+j)
			}
		}
		c += k
	}
	// The rest: whole 64-value blocks, then single values.
	rest := 512 * c
	if nb := (len(hm) - rest) / 64; nb > 0 {
		if m := maxAVX(&hm[rest], nb); m > best {
			best, from = m, rest
		}
	}
	for j := rest + (len(hm)-rest)/64*64; j < len(hm); j++ {
		if hm[j] > best {
			best, from = hm[j], rest
		}
	}
	if from < 0 {
		return -1, best, true
	}
	seg := hm[from:min(from+512, len(hm))]
	if from == rest {
		seg = hm[rest:]
	}
	n8 := len(seg) / 8
	i = 0
	if n8 > 0 {
		i = firstEqualAVX(&seg[0], n8, best)
	}
	for i < len(seg) && seg[i] != best {
		i++
	}
	return from + i, best, true
}

// hblur6 is hblur6Go, with AVX where the CPU has it.
func hblur6(v []float64, cols int, g []float64, r int, out *[24]float64) {
	if !hasAVX {
		hblur6Go(v, cols, g, r, out)
		return
	}
	_, _ = v[4*cols+2*r+3], v[2*cols+2*r+4]
	_ = g[r]
	hblur6AVX(&v[0], cols, &g[0], r, &out[0])
}
