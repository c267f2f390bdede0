//go:build !purego

package lidarseg

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 reads XCR0.
func xgetbv0() (eax, edx uint32)

// knn5AVX2 writes the k (1..8) smallest keys of a 5×5 window and their
// row-major positions, in increasing order, ties to the lower position:
// the key of a position is the float32 bits of |(wr[row·wp + col] − r)·w[row·8 + col]|
// shifted left by one, the centre's 0 (nearestKeys' order). Each row reads
// 8 floats from wr, so 3 floats past the window's last must be readable.
//
//go:noescape
func knn5AVX2(wr *float32, wp int, r float32, w *float32, k int, pos *uint32, keys *uint32)

// hasAVX2 reports whether the CPU and OS support AVX2.
func hasAVX2() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv0(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

// useSIMD selects the AVX2 window selection; tests switch it off to
// compare with the portable one.
var useSIMD = hasAVX2()

// rangeAnglesAVX2 is rangeAngles for the first n points, n a multiple of
// 8, eight at a time with the same float32 and float64 roundings.
//
//go:noescape
func rangeAnglesAVX2(xs, ys, zs, rs *float32, q, a *float64, n int)
