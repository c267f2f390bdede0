//go:build !purego

package lss

import "golang.org/x/sys/cpu"

// dot32AVX2 sets acc[0:32] to Σ_k depth[di[k]]·feat[offs[k]:offs[k]+32] for
// k < n. acc, feat+offs[k] and the ranges must be valid for 32 floats.
//
//go:noescape
func dot32AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)

// dot80AVX2 is dot32AVX2 for 80 channels, BEVFusion's feature width; it
// prefetches points ahead, up to avail points from offs and di (≥ n).
//
//go:noescape
func dot80AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int, avail int)

// dot64AVX2 is dot32AVX2 for 64 channels.
//
//go:noescape
func dot64AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)

// dot16AVX2 is dot32AVX2 for 16 channels.
//
//go:noescape
func dot16AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)

// dot8AVX2 is dot32AVX2 for 8 channels.
//
//go:noescape
func dot8AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)

// useSIMD selects the AVX2 kernel; tests switch it off to check the
// portable one.
var useSIMD = cpu.X86.HasAVX2 && cpu.X86.HasFMA // CPU and OS (YMM state) both

// dotSIMD sets acc[c0:c0+…] for channel blocks of 8 starting at channel 0
// with the AVX2 kernels and returns the number of channels done (a
// multiple of 8). feat is the channels-last buffer, offs the point offsets
// into it; point k has weight depth[di[k]].
func dotSIMD(acc, feat []float32, offs []int32, depth []float32, di []int32) int {
	if !useSIMD || len(offs) == 0 {
		return 0
	}
	c := len(acc) &^ 7
	n := len(offs)
	done := 0
	// The points after this interval's, for the prefetch: offs and di are
	// windows on the pooler's whole arrays.
	avail := min(cap(offs), cap(di))
	for ; done+80 <= c; done += 80 {
		dot80AVX2(&acc[done], &feat[done], &offs[0], &depth[0], &di[0], n, avail)
	}
	if done+64 <= c {
		dot64AVX2(&acc[done], &feat[done], &offs[0], &depth[0], &di[0], n)
		done += 64
	}
	for ; done+32 <= c; done += 32 {
		dot32AVX2(&acc[done], &feat[done], &offs[0], &depth[0], &di[0], n)
	}
	if done+16 <= c {
		dot16AVX2(&acc[done], &feat[done], &offs[0], &depth[0], &di[0], n)
		done += 16
	}
	if done+8 <= c {
		dot8AVX2(&acc[done], &feat[done], &offs[0], &depth[0], &di[0], n)
		done += 8
	}
	return done
}

// transpose8x8 writes the transpose of the 8×8 float tile at src (rows
// srcStride bytes apart) to dst (rows dstStride bytes apart), with
// non-temporal stores when both are 32-byte aligned.
//
//go:noescape
func transpose8x8(dst *float32, dstStride uintptr, src *float32, srcStride uintptr)

// sfence orders the non-temporal stores before later stores.
func sfence()

// storeBlock writes n cells of the channels-last block buf ([n, c]) into
// the c planes of out starting at cell lo; tiles of 8×8 go through the
// AVX transpose, the rest through storeBlockGo.
func storeBlock(out []float32, plane, lo, n int, buf []float32, c int) {
	if !useSIMD {
		storeBlockGo(out, plane, lo, n, buf, c, 0, 0)
		return
	}
	n8, c8 := n&^7, c&^7
	if n8 > 0 && c8 > 0 {
		_ = out[(c8-1)*plane+lo+n8-1] // every tile below lies inside out
		_ = buf[(n8-1)*c+c8-1]
		for j := 0; j < c8; j += 8 {
			for i := 0; i < n8; i += 8 {
				transpose8x8(&out[j*plane+lo+i], uintptr(plane*4), &buf[i*c+j], uintptr(c*4))
			}
		}
	}
	storeBlockGo(out, plane, lo, n, buf, c, n8, c8)
}

// transpose8x8T is transpose8x8 with ordinary stores, for results read
// again soon.
//
//go:noescape
func transpose8x8T(dst *float32, dstStride uintptr, src *float32, srcStride uintptr)

// transposeTiles copies the 8×8 tiles of feature row v of one camera's
// [C, FH, FW] src into dst [FW, FH, C] and returns how far it got: columns
// [0, u8) of channels [0, c8); the caller copies the rest.
func transposeTiles(dst, src []float32, v, fw, fh, hw, c int) (u8, c8 int) {
	if !useSIMD {
		return 0, 0
	}
	u8, c8 = fw&^7, c&^7
	if u8 == 0 || c8 == 0 {
		return 0, 0
	}
	_ = src[(c8-1)*hw+v*fw+u8-1] // every tile lies inside both
	_ = dst[((u8-1)*fh+v)*c+c8-1]
	for u := 0; u < u8; u += 8 {
		for ch := 0; ch < c8; ch += 8 {
			transpose8x8T(&dst[(u*fh+v)*c+ch], uintptr(fh*c*4), &src[ch*hw+v*fw+u], uintptr(hw*4))
		}
	}
	return u8, c8
}

// expRowAVX2 sets row[p] = float32(e) and adds e to sum[p], e =
// exp(row[p] − mx[p]), for p < n (a multiple of 4); c is expConsts.
//
//go:noescape
func expRowAVX2(row *float32, mx *float64, sum *float64, n int, c *[13]float64)

// expRow runs expRowAVX2 on the longest multiple of 4 of the row and
// returns how many pixels it did; mx must all be finite.
func expRow(row []float32, mx, sum []float64) int {
	n := len(row) &^ 3
	if !useSIMD || n == 0 {
		return 0
	}
	_, _ = mx[n-1], sum[n-1]
	expRowAVX2(&row[0], &mx[0], &sum[0], n, &expConsts)
	return n
}

// maxRowAVX2 sets mx[p] = max(mx[p], row[p]) for p < n (a multiple of 8),
// NaN sticking.
//
//go:noescape
func maxRowAVX2(row *float32, mx *float32, n int)

// normRowAVX2 sets row[p] = float32(float64(row[p])·s[p]) for p < n (a
// multiple of 4).
//
//go:noescape
func normRowAVX2(row *float32, s *float64, n int)

// maxRow runs maxRowAVX2 on the longest multiple of 8 of the row and
// returns how many pixels it did.
func maxRow(row, mx []float32) int {
	n := len(row) &^ 7
	if !useSIMD || n == 0 {
		return 0
	}
	_ = mx[n-1]
	maxRowAVX2(&row[0], &mx[0], n)
	return n
}

// normRow runs normRowAVX2 on the longest multiple of 4 of the row and
// returns how many pixels it did.
func normRow(row []float32, s []float64) int {
	n := len(row) &^ 3
	if !useSIMD || n == 0 {
		return 0
	}
	_ = s[n-1]
	normRowAVX2(&row[0], &s[0], n)
	return n
}
