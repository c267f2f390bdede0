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

// fillTensorAVX2 is never called without the assembly kernel.
func fillTensorAVX2(pp *int32, pr *float32, pay *[4]float32, t *float32, plane int, n int, norm *[2 * Channels][8]float32) {
	panic("lidarseg: fillTensorAVX2 without amd64 assembly")
}

// knnRow8AVX2 is never called without the assembly kernel.
func knnRow8AVX2(prange *float32, plabel *uint16, wp int, w25 *[25][8]float32, cut uint32, n int, out *uint16) {
	panic("lidarseg: knnRow8AVX2 without amd64 assembly")
}

// argmaxAVX2 is never called without the assembly kernel.
func argmaxAVX2(scores *float32, plane int, classes int, n int, dst *uint16, offset *float32) {
	panic("lidarseg: argmaxAVX2 without amd64 assembly")
}

// pixelsAVX2 is never called without the assembly kernel.
func pixelsAVX2(a, q *float64, rs, ys *float32, us, vs *int32, keys *uint64, pixs *int32, n int, b0 int, t *pixTables) (int, bool) {
	panic("lidarseg: pixelsAVX2 without amd64 assembly")
}

// keysPixelsAVX2 is never called without the assembly kernel.
func keysPixelsAVX2(keys *uint64, pp *int32, pr *float32, mask *uint8, n int) {
	panic("lidarseg: keysPixelsAVX2 without amd64 assembly")
}
