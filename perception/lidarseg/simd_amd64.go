//go:build !purego

package lidarseg

import "golang.org/x/sys/cpu"

// knn5AVX2 writes the k (1..8) smallest keys of a 5×5 window and their
// row-major positions, in increasing order, ties to the lower position:
// the key of a position is the float32 bits of |(wr[row·wp + col] − r)·w[row·8 + col]|
// shifted left by one, the centre's 0 (nearestKeys' order). Each row reads
// 8 floats from wr, so 3 floats past the window's last must be readable.
//
//go:noescape
func knn5AVX2(wr *float32, wp int, r float32, w *float32, k int, pos *uint32, keys *uint32)

// useSIMD selects the AVX2 window selection; tests switch it off to
// compare with the portable one.
var useSIMD = cpu.X86.HasAVX2 // CPU and OS (YMM state) both

// rangeAnglesAVX2 is rangeAngles for the first n points, n a multiple of
// 8, eight at a time with the same float32 and float64 roundings.
//
//go:noescape
func rangeAnglesAVX2(xs, ys, zs, rs *float32, q, a *float64, n int)

// fillTensorAVX2 is fillTensor's RangeNet++-order loop for n pixels, n a
// multiple of 8; norm is each channel's mean, then each std, broadcast to
// 8 lanes.
//
//go:noescape
func fillTensorAVX2(pp *int32, pr *float32, pay *[4]float32, t *float32, plane int, n int, norm *[2 * Channels][8]float32)

// knnRow8AVX2 is RangeNet++'s kNN (K 5, a 5×5 window) for n pixels of an
// image row (n a multiple of 8), each at its own range: prange and plabel
// point at the first pixel's window corner in the padded images, rows wp
// apart; w25 is each window position's weight in 8 lanes; cut the
// cutoff's float32 bits. It writes each pixel's class to out.
//
//go:noescape
func knnRow8AVX2(prange *float32, plabel *uint16, wp int, w25 *[25][8]float32, cut uint32, n int, out *uint16)

// argmaxAVX2 is Argmax's loop for n pixels (n a multiple of 32) whose
// class scores lie plane floats apart, classes of them, offset[c] added to
// class c's.
//
//go:noescape
func argmaxAVX2(scores *float32, plane int, classes int, n int, dst *uint16, offset *float32)

// pixelsAVX2 is pixels' table look-ups for the first n points (n a
// multiple of 4); see the assembly. zeroY reports points with a pixel and
// y = ±0, whose columns the caller still has to set.
//
//go:noescape
func pixelsAVX2(a, q *float64, rs, ys *float32, us, vs *int32, keys *uint64, pixs *int32, n int, b0 int, t *pixTables) (projected int, zeroY bool)

// keysPixelsAVX2 is fillPixels' per-pixel loop for n pixels (n a multiple
// of 8): points, ranges and mask from the scatter keys, which it empties.
//
//go:noescape
func keysPixelsAVX2(keys *uint64, pp *int32, pr *float32, mask *uint8, n int)
