//go:build !purego

#include "textflag.h"

// func dot32AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)
// acc[0:32] = Σ_k depth[di[k]]·feat[offs[k] : offs[k]+32], four independent
// 8-lane FMA chains.
TEXT ·dot32AVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ feat+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ depth+24(FP), DX
	MOVQ di+32(FP), R13
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
loop32:
	CMPQ AX, CX
	JGE done32
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y4
	LEAQ (SI)(R8*4), R9
	VFMADD231PS (R9), Y4, Y0
	VFMADD231PS 32(R9), Y4, Y1
	VFMADD231PS 64(R9), Y4, Y2
	VFMADD231PS 96(R9), Y4, Y3
	INCQ AX
	JMP loop32
done32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VZEROUPPER
	RET

// func dot16AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)
// acc[0:16] = Σ_k depth[di[k]]·feat[offs[k] : offs[k]+16], with two chains per
// lane group over even and odd points.
TEXT ·dot16AVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ feat+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ depth+24(FP), DX
	MOVQ di+32(FP), R13
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
	MOVQ CX, R10
	ANDQ $-2, R10
loop16:
	CMPQ AX, R10
	JGE tail16
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX 4(BX)(AX*4), R11
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y4
	MOVLQSX 4(R13)(AX*4), R15
	VBROADCASTSS (DX)(R15*4), Y5
	LEAQ (SI)(R8*4), R9
	LEAQ (SI)(R11*4), R12
	VFMADD231PS (R9), Y4, Y0
	VFMADD231PS 32(R9), Y4, Y1
	VFMADD231PS (R12), Y5, Y2
	VFMADD231PS 32(R12), Y5, Y3
	ADDQ $2, AX
	JMP loop16
tail16:
	CMPQ AX, CX
	JGE done16
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y4
	LEAQ (SI)(R8*4), R9
	VFMADD231PS (R9), Y4, Y0
	VFMADD231PS 32(R9), Y4, Y1
done16:
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VZEROUPPER
	RET

// func dot8AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)
// acc[0:8] = Σ_k depth[di[k]]·feat[offs[k] : offs[k]+8], two chains.
TEXT ·dot8AVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ feat+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ depth+24(FP), DX
	MOVQ di+32(FP), R13
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	XORQ AX, AX
	MOVQ CX, R10
	ANDQ $-2, R10
loop8:
	CMPQ AX, R10
	JGE tail8
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX 4(BX)(AX*4), R11
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y4
	MOVLQSX 4(R13)(AX*4), R15
	VBROADCASTSS (DX)(R15*4), Y5
	VFMADD231PS (SI)(R8*4), Y4, Y0
	VFMADD231PS (SI)(R11*4), Y5, Y2
	ADDQ $2, AX
	JMP loop8
tail8:
	CMPQ AX, CX
	JGE done8
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y4
	VFMADD231PS (SI)(R8*4), Y4, Y0
done8:
	VADDPS Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func transpose8x8(dst *float32, dstStride uintptr, src *float32, srcStride uintptr)
// Reads 8 rows of 8 floats at src + r·srcStride (bytes) and writes column
// k to dst + k·dstStride as 8 consecutive floats, with non-temporal stores
// when dst and dstStride are 32-byte aligned.
TEXT ·transpose8x8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	VMOVUPS (SI), Y0
	ADDQ R9, SI
	VMOVUPS (SI), Y1
	ADDQ R9, SI
	VMOVUPS (SI), Y2
	ADDQ R9, SI
	VMOVUPS (SI), Y3
	ADDQ R9, SI
	VMOVUPS (SI), Y4
	ADDQ R9, SI
	VMOVUPS (SI), Y5
	ADDQ R9, SI
	VMOVUPS (SI), Y6
	ADDQ R9, SI
	VMOVUPS (SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ DI, AX
	ORQ R8, AX
	TESTQ $31, AX
	JNZ unaligned
	VMOVNTPS Y8, (DI)
	ADDQ R8, DI
	VMOVNTPS Y9, (DI)
	ADDQ R8, DI
	VMOVNTPS Y10, (DI)
	ADDQ R8, DI
	VMOVNTPS Y11, (DI)
	ADDQ R8, DI
	VMOVNTPS Y12, (DI)
	ADDQ R8, DI
	VMOVNTPS Y13, (DI)
	ADDQ R8, DI
	VMOVNTPS Y14, (DI)
	ADDQ R8, DI
	VMOVNTPS Y15, (DI)
	VZEROUPPER
	RET
unaligned:
	VMOVUPS Y8, (DI)
	ADDQ R8, DI
	VMOVUPS Y9, (DI)
	ADDQ R8, DI
	VMOVUPS Y10, (DI)
	ADDQ R8, DI
	VMOVUPS Y11, (DI)
	ADDQ R8, DI
	VMOVUPS Y12, (DI)
	ADDQ R8, DI
	VMOVUPS Y13, (DI)
	ADDQ R8, DI
	VMOVUPS Y14, (DI)
	ADDQ R8, DI
	VMOVUPS Y15, (DI)
	VZEROUPPER
	RET

// func transpose8x8T(dst *float32, dstStride uintptr, src *float32, srcStride uintptr)
// transpose8x8 with ordinary stores.
TEXT ·transpose8x8T(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	VMOVUPS (SI), Y0
	ADDQ R9, SI
	VMOVUPS (SI), Y1
	ADDQ R9, SI
	VMOVUPS (SI), Y2
	ADDQ R9, SI
	VMOVUPS (SI), Y3
	ADDQ R9, SI
	VMOVUPS (SI), Y4
	ADDQ R9, SI
	VMOVUPS (SI), Y5
	ADDQ R9, SI
	VMOVUPS (SI), Y6
	ADDQ R9, SI
	VMOVUPS (SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	ADDQ R8, DI
	VMOVUPS Y9, (DI)
	ADDQ R8, DI
	VMOVUPS Y10, (DI)
	ADDQ R8, DI
	VMOVUPS Y11, (DI)
	ADDQ R8, DI
	VMOVUPS Y12, (DI)
	ADDQ R8, DI
	VMOVUPS Y13, (DI)
	ADDQ R8, DI
	VMOVUPS Y14, (DI)
	ADDQ R8, DI
	VMOVUPS Y15, (DI)
	VZEROUPPER
	RET

// func sfence()
TEXT ·sfence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func dot80AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int, avail int)
// acc[0:80] = Σ_k depth[di[k]]·feat[offs[k] : offs[k]+80], one 8-lane
// FMA chain per register, every point read once. offs and di hold avail ≥ n
// entries: the prefetch reads ahead into the next intervals' points.
TEXT ·dot80AVX2(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ feat+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ depth+24(FP), DX
	MOVQ di+32(FP), R13
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	XORQ AX, AX
	MOVQ avail+48(FP), R12
	SUBQ $8, R12 // the last point whose eighth successor exists
loop80:
	CMPQ AX, CX
	JGE done80
	CMPQ AX, R12
	JGE noprefetch80
	// Fetch the feature row and weight of the point eight ahead, in this
	// interval or the next ones: with cells spread over the map they come
	// from anywhere in the tensors, and the FMAs of eight points hide the
	// wait.
	MOVLQSX 32(BX)(AX*4), R10
	MOVLQSX 32(R13)(AX*4), R11
	LEAQ (SI)(R10*4), R10
	PREFETCHT0 (R10)
	PREFETCHT0 64(R10)
	PREFETCHT0 128(R10)
	PREFETCHT0 192(R10)
	PREFETCHT0 256(R10)
	PREFETCHT0 (DX)(R11*4)
noprefetch80:
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y15
	LEAQ (SI)(R8*4), R9
	VFMADD231PS (R9), Y15, Y0
	VFMADD231PS 32(R9), Y15, Y1
	VFMADD231PS 64(R9), Y15, Y2
	VFMADD231PS 96(R9), Y15, Y3
	VFMADD231PS 128(R9), Y15, Y4
	VFMADD231PS 160(R9), Y15, Y5
	VFMADD231PS 192(R9), Y15, Y6
	VFMADD231PS 224(R9), Y15, Y7
	VFMADD231PS 256(R9), Y15, Y8
	VFMADD231PS 288(R9), Y15, Y9
	INCQ AX
	JMP loop80
done80:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VZEROUPPER
	RET

// func dot64AVX2(acc *float32, feat *float32, offs *int32, depth *float32, di *int32, n int)
// acc[0:64] = Σ_k depth[di[k]]·feat[offs[k] : offs[k]+64], one 8-lane
// FMA chain per register, every point read once.
TEXT ·dot64AVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ feat+8(FP), SI
	MOVQ offs+16(FP), BX
	MOVQ depth+24(FP), DX
	MOVQ di+32(FP), R13
	MOVQ n+40(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ AX, AX
loop64:
	CMPQ AX, CX
	JGE done64
	MOVLQSX (BX)(AX*4), R8
	MOVLQSX (R13)(AX*4), R14
	VBROADCASTSS (DX)(R14*4), Y15
	LEAQ (SI)(R8*4), R9
	VFMADD231PS (R9), Y15, Y0
	VFMADD231PS 32(R9), Y15, Y1
	VFMADD231PS 64(R9), Y15, Y2
	VFMADD231PS 96(R9), Y15, Y3
	VFMADD231PS 128(R9), Y15, Y4
	VFMADD231PS 160(R9), Y15, Y5
	VFMADD231PS 192(R9), Y15, Y6
	VFMADD231PS 224(R9), Y15, Y7
	INCQ AX
	JMP loop64
done64:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func expRowAVX2(row *float32, mx *float64, sum *float64, n int, c *[13]float64)
// For p < n (a multiple of 4): e = exp(float64(row[p]) − mx[p]), row[p] =
// float32(e), sum[p] += e. The exponent is clamped at −104, where float32
// is 0 anyway; 2^k times a degree-8 Taylor polynomial on |r| ≤ ln2/2
// (error under 1e-9), with k·ln2 subtracted in two parts (Cody–Waite).
// c: min, log2e, ln2hi, ln2lo, 1/8!, 1/7!, …, 1/2!, 1, then the bias 1023
// as an int64.
TEXT ·expRowAVX2(SB), NOSPLIT, $0-40
	MOVQ row+0(FP), SI
	MOVQ mx+8(FP), DX
	MOVQ sum+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), R8
	VBROADCASTSD 0(R8), Y4
	VBROADCASTSD 8(R8), Y5
	VBROADCASTSD 16(R8), Y6
	VBROADCASTSD 24(R8), Y7
	VBROADCASTSD 32(R8), Y8
	VBROADCASTSD 40(R8), Y9
	VBROADCASTSD 48(R8), Y10
	VBROADCASTSD 56(R8), Y11
	VBROADCASTSD 64(R8), Y12
	VBROADCASTSD 72(R8), Y13
	VBROADCASTSD 80(R8), Y14
	VBROADCASTSD 88(R8), Y15
	SHRQ $2, CX
	JZ   expdone

exploop:
	VCVTPS2PD (SI), Y0
	VSUBPD    (DX), Y0, Y0
	VMAXPD    Y4, Y0, Y0
	VMULPD    Y5, Y0, Y1
	VROUNDPD  $0, Y1, Y1
	VFNMADD231PD Y6, Y1, Y0
	VFNMADD231PD Y7, Y1, Y0
	VMOVAPD   Y8, Y2
	VFMADD213PD Y9, Y0, Y2
	VFMADD213PD Y10, Y0, Y2
	VFMADD213PD Y11, Y0, Y2
	VFMADD213PD Y12, Y0, Y2
	VFMADD213PD Y13, Y0, Y2
	VFMADD213PD Y14, Y0, Y2
	VFMADD213PD Y15, Y0, Y2
	VFMADD213PD Y15, Y0, Y2
	VCVTPD2DQY Y1, X3
	VPMOVSXDQ X3, Y3
	VPBROADCASTQ 96(R8), Y1
	VPADDQ    Y1, Y3, Y3
	VPSLLQ    $52, Y3, Y3
	VMULPD    Y3, Y2, Y2
	VCVTPD2PSY Y2, X3
	VMOVUPS   X3, (SI)
	VADDPD    (BX), Y2, Y2
	VMOVUPD   Y2, (BX)
	ADDQ $16, SI
	ADDQ $32, DX
	ADDQ $32, BX
	DECQ CX
	JNZ  exploop

expdone:
	VZEROUPPER
	RET

// func maxRowAVX2(row *float32, mx *float32, n int)
// mx[p] = max(mx[p], row[p]) for p < n (a multiple of 8), a NaN in either
// sticking: MAXPS returns its second operand (the running maximum) when
// either is NaN, so a NaN logit is blended in apart.
TEXT ·maxRowAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ mx+8(FP), DX
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   maxdone

maxloop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DX), Y1
	VMAXPS    Y1, Y0, Y2
	VCMPPS    $3, Y0, Y0, Y3
	VBLENDVPS Y3, Y0, Y2, Y2
	VMOVUPS   Y2, (DX)
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  maxloop

maxdone:
	VZEROUPPER
	RET

// func normRowAVX2(row *float32, s *float64, n int)
// row[p] = float32(float64(row[p]) · s[p]) for p < n (a multiple of 4),
// the portable loop's operations.
TEXT ·normRowAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ s+8(FP), DX
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ   normdone

normloop:
	VCVTPS2PD  (SI), Y0
	VMULPD     (DX), Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS    X0, (SI)
	ADDQ $16, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  normloop

normdone:
	VZEROUPPER
	RET
