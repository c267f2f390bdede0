//go:build !amd64 || purego

package lidarseg

// useSIMD is false where no assembly kernel exists.
var useSIMD = false

// knn5AVX2 is never called without the assembly kernel.
func knn5AVX2(wr *float32, wp int, r float32, w *float32, k int, pos *uint32, keys *uint32) {
	panic("lidarseg: knn5AVX2 without amd64 assembly")
}

// rangeAnglesAVX2 is never called without the assembly kernel.
func rangeAnglesAVX2(xs, ys, zs, rs *float32, q, a *float64, n int) {
	panic("lidarseg: rangeAnglesAVX2 without amd64 assembly")
}
