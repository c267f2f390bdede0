//go:build !purego

#include "textflag.h"

// Lanes 5..7 of a window row are outside the 5×5 window: never the nearest.
DATA knnTail<>+0(SB)/4, $0
DATA knnTail<>+4(SB)/4, $0
DATA knnTail<>+8(SB)/4, $0
DATA knnTail<>+12(SB)/4, $0
DATA knnTail<>+16(SB)/4, $0
DATA knnTail<>+20(SB)/4, $0xffffffff
DATA knnTail<>+24(SB)/4, $0xffffffff
DATA knnTail<>+28(SB)/4, $0xffffffff
GLOBL knnTail<>(SB), RODATA|NOPTR, $32

// The centre (row 2, lane 2) is the point's own pixel, at distance 0.
DATA knnCentre<>+0(SB)/4, $0xffffffff
DATA knnCentre<>+4(SB)/4, $0xffffffff
DATA knnCentre<>+8(SB)/4, $0
DATA knnCentre<>+12(SB)/4, $0xffffffff
DATA knnCentre<>+16(SB)/4, $0xffffffff
DATA knnCentre<>+20(SB)/4, $0xffffffff
DATA knnCentre<>+24(SB)/4, $0xffffffff
DATA knnCentre<>+28(SB)/4, $0xffffffff
GLOBL knnCentre<>(SB), RODATA|NOPTR, $32

DATA knnIota<>+0(SB)/4, $0
DATA knnIota<>+4(SB)/4, $1
DATA knnIota<>+8(SB)/4, $2
DATA knnIota<>+12(SB)/4, $3
DATA knnIota<>+16(SB)/4, $4
DATA knnIota<>+20(SB)/4, $5
DATA knnIota<>+24(SB)/4, $6
DATA knnIota<>+28(SB)/4, $7
GLOBL knnIota<>(SB), RODATA|NOPTR, $32

// func knn5AVX2(wr *float32, wp int, r float32, w *float32, k int, pos *uint32, keys *uint32)
// Keys of the 5×5 window (rows wp floats apart, 8 floats read per row):
// |(wr − r)·w| as float32 bits shifted left by one, the centre 0. Writes
// the k smallest, ties to the lower row-major position, in increasing
// order: their positions (row·5 + column) and keys.
TEXT ·knn5AVX2(SB), NOSPLIT, $0-56
	MOVQ wr+0(FP), SI
	MOVQ wp+8(FP), BX
	SHLQ $2, BX
	VBROADCASTSS r+16(FP), Y15
	MOVQ w+24(FP), DX
	MOVQ k+32(FP), CX
	MOVQ pos+40(FP), DI
	MOVQ keys+48(FP), R8
	VMOVDQU knnTail<>(SB), Y14

	VMOVUPS (SI), Y0
	VSUBPS Y15, Y0, Y0
	VMULPS (DX), Y0, Y0
	VPSLLD $1, Y0, Y0
	VPOR Y14, Y0, Y0
	ADDQ BX, SI
	VMOVUPS (SI), Y1
	VSUBPS Y15, Y1, Y1
	VMULPS 32(DX), Y1, Y1
	VPSLLD $1, Y1, Y1
	VPOR Y14, Y1, Y1
	ADDQ BX, SI
	VMOVUPS (SI), Y2
	VSUBPS Y15, Y2, Y2
	VMULPS 64(DX), Y2, Y2
	VPSLLD $1, Y2, Y2
	VPOR Y14, Y2, Y2
	VPAND knnCentre<>(SB), Y2, Y2
	ADDQ BX, SI
	VMOVUPS (SI), Y3
	VSUBPS Y15, Y3, Y3
	VMULPS 96(DX), Y3, Y3
	VPSLLD $1, Y3, Y3
	VPOR Y14, Y3, Y3
	ADDQ BX, SI
	VMOVUPS (SI), Y4
	VSUBPS Y15, Y4, Y4
	VMULPS 128(DX), Y4, Y4
	VPSLLD $1, Y4, Y4
	VPOR Y14, Y4, Y4

	// Each round takes the smallest key left and every lane holding it
	// (one, unless distances tie), retiring them at once so the rounds'
	// chain stays short; the tied lanes are written lowest position first
	// until k are.
	XORQ R12, R12
	// The first round's minimum is the centre's 0, the smallest key there
	// is: no need to search for it.
	VPXOR Y10, Y10, Y10
	JMP knnmask

knnloop:
	VPMINUD Y1, Y0, Y10
	VPMINUD Y3, Y2, Y11
	VPMINUD Y4, Y10, Y10
	VPMINUD Y11, Y10, Y10
	VPERM2I128 $1, Y10, Y10, Y11
	VPMINUD Y11, Y10, Y10
	VPSHUFD $0x4e, Y10, Y11
	VPMINUD Y11, Y10, Y10
	VPSHUFD $0xb1, Y10, Y11
	VPMINUD Y11, Y10, Y10
	// The lanes holding it: bits row·8 + lane of a 40-bit mask; retired
	// to all ones, above every real key.
knnmask:
	VPCMPEQD Y10, Y0, Y11
	VMOVMSKPS Y11, AX
	VPOR Y11, Y0, Y0
	VPCMPEQD Y10, Y1, Y12
	VMOVMSKPS Y12, R9
	VPOR Y12, Y1, Y1
	SHLQ $8, R9
	ORQ R9, AX
	VPCMPEQD Y10, Y2, Y11
	VMOVMSKPS Y11, R9
	VPOR Y11, Y2, Y2
	SHLQ $16, R9
	ORQ R9, AX
	VPCMPEQD Y10, Y3, Y12
	VMOVMSKPS Y12, R9
	VPOR Y12, Y3, Y3
	SHLQ $24, R9
	ORQ R9, AX
	VPCMPEQD Y10, Y4, Y11
	VMOVMSKPS Y11, R9
	VPOR Y11, Y4, Y4
	SHLQ $32, R9
	ORQ R9, AX
	VMOVD X10, R11

knnemit:
	// Position row·5 + lane = b − 3·row of the lowest bit b.
	BSFQ AX, R9
	MOVQ R9, R10
	SHRQ $3, R10
	LEAQ (R10)(R10*2), R10
	SUBQ R10, R9
	MOVL R9, (DI)(R12*4)
	MOVL R11, (R8)(R12*4)
	INCQ R12
	CMPQ R12, CX
	JGE knndone
	LEAQ -1(AX), R9
	ANDQ R9, AX
	JNZ knnemit
	JMP knnloop

knndone:
	VZEROUPPER
	RET

DATA absMask64<>+0(SB)/8, $0x7fffffffffffffff
GLOBL absMask64<>(SB), RODATA|NOPTR, $8
DATA signMask64<>+0(SB)/8, $0x8000000000000000
GLOBL signMask64<>(SB), RODATA|NOPTR, $8
DATA one64<>+0(SB)/8, $0x3ff0000000000000
GLOBL one64<>(SB), RODATA|NOPTR, $8

// func rangeAnglesAVX2(xs, ys, zs, rs *float32, q, a *float64, n int)
// rangeAngles for n points, n a multiple of 8: r = sqrt(x² + y² + z²) with
// each product and sum rounded to float32 (as numpy), q = z/r in float32
// widened, a = −copysign(1 − x/(|x| + |y|), y) in float64.
TEXT ·rangeAnglesAVX2(SB), NOSPLIT, $0-56
	MOVQ xs+0(FP), SI
	MOVQ ys+8(FP), BX
	MOVQ zs+16(FP), DX
	MOVQ rs+24(FP), DI
	MOVQ q+32(FP), R8
	MOVQ a+40(FP), R9
	MOVQ n+48(FP), CX
	VBROADCASTSD absMask64<>(SB), Y13
	VBROADCASTSD signMask64<>(SB), Y14
	VBROADCASTSD one64<>(SB), Y15
	XORQ AX, AX
raloop:
	CMPQ AX, CX
	JGE radone
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS (BX)(AX*4), Y1
	VMOVUPS (DX)(AX*4), Y2
	VMULPS Y0, Y0, Y3
	VMULPS Y1, Y1, Y4
	VADDPS Y4, Y3, Y3
	VMULPS Y2, Y2, Y4
	VADDPS Y4, Y3, Y3
	VSQRTPS Y3, Y3
	VMOVUPS Y3, (DI)(AX*4)
	VDIVPS Y3, Y2, Y4
	VCVTPS2PD X4, Y5
	VEXTRACTF128 $1, Y4, X6
	VCVTPS2PD X6, Y6
	VMOVUPD Y5, (R8)(AX*8)
	VMOVUPD Y6, 32(R8)(AX*8)
	// The pseudo-angle, four points at a time in float64.
	VCVTPS2PD X0, Y5
	VCVTPS2PD X1, Y6
	VEXTRACTF128 $1, Y0, X7
	VCVTPS2PD X7, Y7
	VEXTRACTF128 $1, Y1, X8
	VCVTPS2PD X8, Y8
	VANDPD Y13, Y5, Y9
	VANDPD Y13, Y6, Y10
	VADDPD Y10, Y9, Y9
	VDIVPD Y9, Y5, Y9
	VSUBPD Y9, Y15, Y9
	VANDPD Y14, Y6, Y10
	VXORPD Y14, Y10, Y10
	VANDPD Y13, Y9, Y9
	VORPD Y10, Y9, Y9
	VMOVUPD Y9, (R9)(AX*8)
	VANDPD Y13, Y7, Y9
	VANDPD Y13, Y8, Y10
	VADDPD Y10, Y9, Y9
	VDIVPD Y9, Y7, Y9
	VSUBPD Y9, Y15, Y9
	VANDPD Y14, Y8, Y10
	VXORPD Y14, Y10, Y10
	VANDPD Y13, Y9, Y9
	VORPD Y10, Y9, Y9
	VMOVUPD Y9, 32(R9)(AX*8)
	ADDQ $8, AX
	JMP raloop
radone:
	VZEROUPPER
	RET
