//go:build !purego

package decode

// cpuidAVX returns CPUID leaf 1's ECX and XCR0's low half (0 without
// OSXSAVE).
func cpuidAVX() (ecx1, xcr0 uint32)

// blockMaxAVX writes to out[b] the largest non-NaN value of
// hm[64b : 64b+64] for b < blocks (−∞ when there is none).
//
//go:noescape
func blockMaxAVX(hm *float32, blocks int, out *float32)

// firstBlockAtLeastAVX returns the index of the first 64-value block
// among m[:64·blocks] holding a value ≥ thr (NaN never is), else blocks.
//
//go:noescape
func firstBlockAtLeastAVX(m *float32, blocks int, thr float32) int

// hasAVX reports whether the CPU and the OS support AVX.
var hasAVX = func() bool {
	ecx1, xcr0 := cpuidAVX()
	const osxsave, avx = 1 << 27, 1 << 28
	return ecx1&osxsave != 0 && ecx1&avx != 0 && xcr0&6 == 6
}()

// blockMax writes the maxima of the 64-value blocks of hm into out
// (len(hm)/64 of them) with AVX and reports whether it could.
func blockMax(hm []float32, out []float32) bool {
	n := len(hm) / 64
	if !hasAVX || n == 0 {
		return false
	}
	_ = out[n-1]
	blockMaxAVX(&hm[0], n, &out[0])
	return true
}

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
