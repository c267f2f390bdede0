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

// From the transposed payload [x0 x2 x4 x6 | x1 x3 x5 x7] to x0..x7.
DATA fillPerm<>+0(SB)/4, $0
DATA fillPerm<>+4(SB)/4, $4
DATA fillPerm<>+8(SB)/4, $1
DATA fillPerm<>+12(SB)/4, $5
DATA fillPerm<>+16(SB)/4, $2
DATA fillPerm<>+20(SB)/4, $6
DATA fillPerm<>+24(SB)/4, $3
DATA fillPerm<>+28(SB)/4, $7
GLOBL fillPerm<>(SB), RODATA|NOPTR, $32

// FILL_CHANNEL stores the next channel's eight values V, normalised by
// the mean and std at byte offsets mean and std of norm (R9) and masked by
// Y8, into the next plane (R10 advanced by one plane, R8 bytes).
#define FILL_CHANNEL(V, mean, std) \
	ADDQ R8, R10 \
	VSUBPS mean(R9), V, V \
	VDIVPS std(R9), V, V \
	VANDPS Y8, V, V \
	VMOVUPS V, (R10)

// func fillTensorAVX2(pp *int32, pr *float32, pay *[4]float32, t *float32, plane int, n int, norm *[2 * Channels][8]float32)
// fillTensor's RangeNet++ order for n pixels, n a multiple of 8: channel c
// of pixel i at t[c·plane + i] is (v − mean_c)/std_c in float32 (numpy's
// arithmetic), v the range pr[i] or the payload's x, y, z, remission, and
// 0 where pp[i] < 0. norm holds each mean, then each std, broadcast to 8
// lanes. (Stores past the caches measured no faster here.)
TEXT ·fillTensorAVX2(SB), NOSPLIT, $0-56
	MOVQ pp+0(FP), SI
	MOVQ pr+8(FP), BX
	MOVQ pay+16(FP), DX
	MOVQ t+24(FP), DI
	MOVQ plane+32(FP), R8
	SHLQ $2, R8
	MOVQ n+40(FP), CX
	MOVQ norm+48(FP), R9
	VMOVDQU fillPerm<>(SB), Y9
	VPCMPEQD Y15, Y15, Y15 // all ones: −1
	XORQ AX, AX
ftloop:
	CMPQ AX, CX
	JGE ftdone
	VMOVDQU (SI)(AX*4), Y8
	VPCMPGTD Y15, Y8, Y8 // pp > −1: the pixel holds a point
	LEAQ (DI)(AX*4), R10

	VMOVUPS (BX)(AX*4), Y0
	SUBQ R8, R10
	FILL_CHANNEL(Y0, 0, 160)

	MOVQ AX, R11
	SHLQ $4, R11
	VMOVUPS 0(DX)(R11*1), Y0
	VMOVUPS 32(DX)(R11*1), Y1
	VMOVUPS 64(DX)(R11*1), Y2
	VMOVUPS 96(DX)(R11*1), Y3
	VUNPCKLPS Y1, Y0, Y4 // [x0 x2 y0 y2 | x1 x3 y1 y3]
	VUNPCKHPS Y1, Y0, Y5 // [z0 z2 r0 r2 | z1 z3 r1 r3]
	VUNPCKLPS Y3, Y2, Y6
	VUNPCKHPS Y3, Y2, Y7
	VSHUFPS $0x44, Y6, Y4, Y0 // x
	VSHUFPS $0xEE, Y6, Y4, Y1 // y
	VSHUFPS $0x44, Y7, Y5, Y2 // z
	VSHUFPS $0xEE, Y7, Y5, Y3 // remission
	VPERMPS Y0, Y9, Y0
	VPERMPS Y1, Y9, Y1
	VPERMPS Y2, Y9, Y2
	VPERMPS Y3, Y9, Y3

	FILL_CHANNEL(Y0, 32, 192)
	FILL_CHANNEL(Y1, 64, 224)
	FILL_CHANNEL(Y2, 96, 256)
	FILL_CHANNEL(Y3, 128, 288)

	ADDQ $8, AX
	JMP ftloop
ftdone:
	VZEROUPPER
	RET

// KNN8_SLOT updates slot S (label L) below slot U (label V): M holds
// where the candidate (Y10, label Y11) undercuts S; N receives where it
// undercuts U, before U changes.
#define KNN8_SLOT(S, U, L, V, M, N) \
	VPCMPGTD Y10, U, N \
	VBLENDVPS M, Y10, S, S \
	VBLENDVPS N, U, S, S \
	VBLENDVPS M, Y11, L, L \
	VBLENDVPS N, V, L, L

// KNN8_INSERT inserts the candidate keys Y10 (labels Y11) into the sorted
// lists Y0..Y4 (labels Y5..Y9), lane by lane, after every key it does not
// undercut: candidates come in window order, so equal keys keep it.
// Downward, each slot takes the candidate where it is the first key above
// it, or the slot above's old key where that one was already above.
#define KNN8_INSERT \
	VPCMPGTD Y10, Y4, Y12 \
	KNN8_SLOT(Y4, Y3, Y9, Y8, Y12, Y13) \
	KNN8_SLOT(Y3, Y2, Y8, Y7, Y13, Y12) \
	KNN8_SLOT(Y2, Y1, Y7, Y6, Y12, Y13) \
	KNN8_SLOT(Y1, Y0, Y6, Y5, Y13, Y12) \
	VBLENDVPS Y12, Y10, Y0, Y0 \
	VBLENDVPS Y12, Y11, Y5, Y5

// KNN8_CAND loads window position p (range row address ra + column
// offset 4·col, label row address la + 2·col): the key |(range − r)·w_p|
// as the bits of the float with the sign cleared (ordered as integers),
// the label widened to 32 bits; then inserts it.
#define KNN8_CAND(ra, la, p) \
	VMOVUPS ra, Y10 \
	VSUBPS Y14, Y10, Y10 \
	VMULPS (p*32)(R12), Y10, Y10 \
	VPSLLD $1, Y10, Y10 \
	VPSRLD $1, Y10, Y10 \
	VPMOVZXWD la, Y11 \
	KNN8_INSERT

// KNN8_SCORE scores the labels L of every lane: the number of the five
// labels equal to it (Y5..Y9) above 0xffff − L (Y3 holds 0xffff), so the
// larger count and then the lower class win; 0 for class 0 (Y4 is zero).
// The best score so far is kept in Y0.
#define KNN8_SCORE(L) \
	VPXOR Y1, Y1, Y1 \
	VPCMPEQD Y5, L, Y2 \
	VPSUBD Y2, Y1, Y1 \
	VPCMPEQD Y6, L, Y2 \
	VPSUBD Y2, Y1, Y1 \
	VPCMPEQD Y7, L, Y2 \
	VPSUBD Y2, Y1, Y1 \
	VPCMPEQD Y8, L, Y2 \
	VPSUBD Y2, Y1, Y1 \
	VPCMPEQD Y9, L, Y2 \
	VPSUBD Y2, Y1, Y1 \
	VPSLLD $16, Y1, Y10 \
	VPXOR Y3, L, Y11 \
	VPOR Y11, Y10, Y10 \
	VPCMPEQD Y4, L, Y2 \
	VPANDN Y10, Y2, Y10 \
	VPMAXUD Y10, Y0, Y0

// KNN8_SAME clears the lanes of X13 where the 12 labels of a window row
// (A: the first eight, B: the last eight) differ from X12's.
#define KNN8_SAME(A, B) \
	VPCMPEQW A, X12, X14 \
	VPAND X14, X13, X13 \
	VPCMPEQW B, X12, X14 \
	VPAND X14, X13, X13

// func knnRow8AVX2(prange *float32, plabel *uint16, wp int, w25 *[25][8]float32, cut uint32, n int, out *uint16)
// RangeNet++'s kNN with K = 5 and a 5×5 window for the n pixels (n a
// multiple of 8) of an image row, eight at a time, each lane a pixel at
// its own range (the window's centre): prange and plabel point at the
// first pixel's window corner in the padded images (rows wp apart), w25
// holds each window position's weight in 8 lanes, cut is the cutoff's
// float bits. Each pixel's class goes to out: the most votes among the 5
// keys smallest (ties to the lower window position), those above cut
// voting for none, ties to the lower class, 0 without a vote.
TEXT ·knnRow8AVX2(SB), NOSPLIT, $0-56
	MOVQ prange+0(FP), SI
	MOVQ plabel+8(FP), DI
	MOVQ wp+16(FP), BX
	MOVQ w25+24(FP), R12
	MOVQ n+40(FP), CX
	MOVQ out+48(FP), R13
	LEAQ (BX*2), DX     // a label row, bytes
	SHLQ $2, BX         // a range row, bytes
	LEAQ (BX)(BX*2), R9 // three range rows
	LEAQ (DX)(DX*2), R11 // three label rows
	MOVL cut+32(FP), R8
	VMOVD R8, X15
	VPBROADCASTD X15, Y15 // the cutoff, in every lane
	XORQ AX, AX
k8loop:
	CMPQ AX, CX
	JGE k8done
	LEAQ (SI)(AX*4), R8
	LEAQ (DI)(AX*2), R10
	// The shortcut: when the eight windows' 5×12 labels are all one class,
	// every neighbour within the cutoff votes for it (the centre, at
	// distance 0, always), so every pixel's class is that one whatever the
	// ranges; all class 0 (padding, empty, not a class) gives 0, as the
	// vote does.
	MOVWLZX (R10), R14
	VMOVD R14, X12
	VPBROADCASTW X12, X12
	VPCMPEQW 0(R10), X12, X13
	VPCMPEQW 8(R10), X12, X14
	VPAND X14, X13, X13
	KNN8_SAME(0(R10)(DX*1), 8(R10)(DX*1))
	KNN8_SAME(0(R10)(DX*2), 8(R10)(DX*2))
	KNN8_SAME(0(R10)(R11*1), 8(R10)(R11*1))
	KNN8_SAME(0(R10)(DX*4), 8(R10)(DX*4))
	VPMOVMSKB X13, R14
	CMPL R14, $0xffff
	JNE k8full
	VMOVDQU X12, (R13)(AX*2)
	ADDQ $8, AX
	JMP k8loop
k8full:
	VMOVUPS 8(R8)(BX*2), Y14 // the centre: each pixel's own range
	VPCMPEQD Y0, Y0, Y0
	VPSRLD $1, Y0, Y0 // above every key
	VMOVDQA Y0, Y1
	VMOVDQA Y0, Y2
	VMOVDQA Y0, Y3
	VMOVDQA Y0, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9

	KNN8_CAND(0(R8), 0(R10), 0)
	KNN8_CAND(4(R8), 2(R10), 1)
	KNN8_CAND(8(R8), 4(R10), 2)
	KNN8_CAND(12(R8), 6(R10), 3)
	KNN8_CAND(16(R8), 8(R10), 4)
	KNN8_CAND(0(R8)(BX*1), 0(R10)(DX*1), 5)
	KNN8_CAND(4(R8)(BX*1), 2(R10)(DX*1), 6)
	KNN8_CAND(8(R8)(BX*1), 4(R10)(DX*1), 7)
	KNN8_CAND(12(R8)(BX*1), 6(R10)(DX*1), 8)
	KNN8_CAND(16(R8)(BX*1), 8(R10)(DX*1), 9)
	KNN8_CAND(0(R8)(BX*2), 0(R10)(DX*2), 10)
	KNN8_CAND(4(R8)(BX*2), 2(R10)(DX*2), 11)
	KNN8_CAND(8(R8)(BX*2), 4(R10)(DX*2), 12)
	KNN8_CAND(12(R8)(BX*2), 6(R10)(DX*2), 13)
	KNN8_CAND(16(R8)(BX*2), 8(R10)(DX*2), 14)
	KNN8_CAND(0(R8)(R9*1), 0(R10)(R11*1), 15)
	KNN8_CAND(4(R8)(R9*1), 2(R10)(R11*1), 16)
	KNN8_CAND(8(R8)(R9*1), 4(R10)(R11*1), 17)
	KNN8_CAND(12(R8)(R9*1), 6(R10)(R11*1), 18)
	KNN8_CAND(16(R8)(R9*1), 8(R10)(R11*1), 19)
	KNN8_CAND(0(R8)(BX*4), 0(R10)(DX*4), 20)
	KNN8_CAND(4(R8)(BX*4), 2(R10)(DX*4), 21)
	KNN8_CAND(8(R8)(BX*4), 4(R10)(DX*4), 22)
	KNN8_CAND(12(R8)(BX*4), 6(R10)(DX*4), 23)
	KNN8_CAND(16(R8)(BX*4), 8(R10)(DX*4), 24)

	// Beyond the cutoff: no class.
	VPCMPGTD Y15, Y0, Y12
	VPANDN Y5, Y12, Y5
	VPCMPGTD Y15, Y1, Y12
	VPANDN Y6, Y12, Y6
	VPCMPGTD Y15, Y2, Y12
	VPANDN Y7, Y12, Y7
	VPCMPGTD Y15, Y3, Y12
	VPANDN Y8, Y12, Y8
	VPCMPGTD Y15, Y4, Y12
	VPANDN Y9, Y12, Y9

	// The vote: each label's score is its count above 0xffff − label (the
	// lower class wins a tie), 0 for class 0; the best score's class.
	VPXOR Y0, Y0, Y0   // best
	VPXOR Y4, Y4, Y4   // zero
	VPCMPEQD Y3, Y3, Y3
	VPSRLD $16, Y3, Y3 // 0xffff
	KNN8_SCORE(Y5)
	KNN8_SCORE(Y6)
	KNN8_SCORE(Y7)
	KNN8_SCORE(Y8)
	KNN8_SCORE(Y9)
	VPAND Y3, Y0, Y1
	VPXOR Y3, Y1, Y1
	VPCMPEQD Y4, Y0, Y2
	VPANDN Y1, Y2, Y1
	VPACKUSDW Y1, Y1, Y1
	VPERMQ $0x08, Y1, Y1
	VMOVDQU X1, (R13)(AX*2)

	ADDQ $8, AX
	JMP k8loop
k8done:
	VZEROUPPER
	RET

// ARGMAX_CLASS folds the next class's scores at off(R10) into the running
// maximum B and class L of eight pixels: a strictly greater score (NaN
// never is) takes the class in Y8.
#define ARGMAX_CLASS(off, B, L) \
	VMOVUPS off(R10), Y11 \
	VADDPS Y13, Y11, Y11 \
	VCMPPS $0x1e, B, Y11, Y12 \
	VBLENDVPS Y12, Y11, B, B \
	VBLENDVPS Y12, Y8, L, L

// func argmaxAVX2(scores *float32, plane int, classes int, n int, dst *uint16, offset *float32)
// Argmax's loop for the n pixels (n a multiple of 32) from scores, whose
// classes lie plane floats apart, offset[c] added to class c's (NaN stays
// NaN): each pixel's class of highest score,
// ties to the lower class, NaN never winning (class 0 when all are NaN),
// thirty-two pixels at a time, one class plane after the other.
TEXT ·argmaxAVX2(SB), NOSPLIT, $0-48
	MOVQ scores+0(FP), SI
	MOVQ plane+8(FP), BX
	SHLQ $2, BX // a class plane, bytes
	MOVQ classes+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ dst+32(FP), DI
	MOVQ offset+40(FP), R8
	VPCMPEQD Y9, Y9, Y9
	VPSRLD $31, Y9, Y9 // 1 in every lane
	VPCMPEQD Y10, Y10, Y10
	VPSLLD $23, Y10, Y10 // −Inf
	XORQ AX, AX
amloop:
	CMPQ AX, CX
	JGE amdone
	LEAQ (SI)(AX*4), R10
	// Class 0 with its offset, NaN as −Inf.
	VBROADCASTSS 0(R8), Y13
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS 64(R10), Y2
	VMOVUPS 96(R10), Y3
	VADDPS Y13, Y0, Y0
	VADDPS Y13, Y1, Y1
	VADDPS Y13, Y2, Y2
	VADDPS Y13, Y3, Y3
	VCMPPS $3, Y0, Y0, Y11
	VBLENDVPS Y11, Y10, Y0, Y0
	VCMPPS $3, Y1, Y1, Y11
	VBLENDVPS Y11, Y10, Y1, Y1
	VCMPPS $3, Y2, Y2, Y11
	VBLENDVPS Y11, Y10, Y2, Y2
	VCMPPS $3, Y3, Y3, Y11
	VBLENDVPS Y11, Y10, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8 // the class
	MOVQ $1, R9
amclass:
	CMPQ R9, DX
	JGE amstore
	ADDQ BX, R10
	VPADDD Y9, Y8, Y8
	VBROADCASTSS (R8)(R9*4), Y13
	ARGMAX_CLASS(0, Y0, Y4)
	ARGMAX_CLASS(32, Y1, Y5)
	ARGMAX_CLASS(64, Y2, Y6)
	ARGMAX_CLASS(96, Y3, Y7)
	INCQ R9
	JMP amclass
amstore:
	// Classes fit 16 bits: pack each pair of registers in order.
	VPACKUSDW Y5, Y4, Y11
	VPERMQ $0xd8, Y11, Y11
	VMOVDQU Y11, (DI)(AX*2)
	VPACKUSDW Y7, Y6, Y11
	VPERMQ $0xd8, Y11, Y11
	VMOVDQU Y11, 32(DI)(AX*2)
	ADDQ $32, AX
	JMP amloop
amdone:
	VZEROUPPER
	RET

// BINS loads the four 16-byte bins of table T at the doubled indices in
// X4: thresholds to Y6, counts to Y7. Four loads and shuffles: on Zen 1 a
// gather of four costs more than that.
#define BINS(T) \
	VMOVD   X4, R15 \
	VMOVUPD (T)(R15*8), X6 \
	VPEXTRD $1, X4, R15 \
	VMOVUPD (T)(R15*8), X7 \
	VPEXTRD $2, X4, R15 \
	VMOVUPD (T)(R15*8), X8 \
	VPEXTRD $3, X4, R15 \
	VMOVUPD (T)(R15*8), X9 \
	VINSERTF128 $1, X8, Y6, Y6 \
	VINSERTF128 $1, X9, Y7, Y7 \
	VUNPCKHPD Y7, Y6, Y8 \
	VUNPCKLPD Y7, Y6, Y6 \
	VMOVAPD Y8, Y7

// LOOKUP finds the bins of the values in Y3 in table T (lo, scale and last
// bin at those offsets of R14) and compares: Y7 the bins' counts, Y8 −1
// where the value is at or above the bin's threshold.
#define LOOKUP(LO, SCALE, LAST, T) \
	VSUBPD     LO(R14), Y3, Y4 \
	VMULPD     SCALE(R14), Y4, Y4 \
	VCVTTPD2DQY Y4, X4 \
	VPMAXSD    X15, X4, X4 \
	VPMINSD    LAST(R14), X4, X4 \
	VPADDD     X4, X4, X4 \
	BINS(T) \
	VCMPPD     $0x0d, Y6, Y3, Y8

// func pixelsAVX2(a, q *float64, rs, ys *float32, us, vs *int32, keys *uint64, pixs *int32, n int, b0 int, t *pixTables) (projected int, zeroY bool)
// pixels' table look-ups for the first n points (n a multiple of 4), four
// at a time: a point with a range that is NaN, 0 or infinite gets column,
// row and pixel −1 and range 0; the others their column and row from the
// edge tables (gathered: one bin holds a threshold and a count), key and
// pixel. zeroY reports a point with a pixel and y = ±0, whose column the
// caller sets from the signs.
TEXT ·pixelsAVX2(SB), NOSPLIT, $0-97
	MOVQ a+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ rs+16(FP), R8
	MOVQ ys+24(FP), R9
	MOVQ us+32(FP), R10
	MOVQ vs+40(FP), R11
	MOVQ keys+48(FP), R12
	MOVQ pixs+56(FP), R13
	MOVQ n+64(FP), CX
	MOVQ t+80(FP), R14
	MOVQ 208(R14), DX                 // column bins
	MOVQ 216(R14), BX                 // row bins
	VXORPS Y15, Y15, Y15              // zero
	VMOVUPS 224(R14), X14             // MaxFloat32 ×4
	VMOVDQU 240(R14), Y13             // [0 2 4 6 …]: the low dwords of qwords
	MOVQ b0+72(FP), AX
	VMOVQ AX, X12
	VPBROADCASTQ X12, Y12
	VPADDQ 272(R14), Y12, Y12         // point indices b0+k … b0+k+3
	VPXOR Y11, Y11, Y11               // −(points with a pixel), per lane
	VPXOR Y10, Y10, Y10               // points with a pixel and y = ±0
	XORQ AX, AX

pxloop:
	CMPQ AX, CX
	JGE  pxdone
	// Validity: 0 < r ≤ MaxFloat32 (false for NaN).
	VMOVUPS (R8)(AX*4), X0
	VCMPPS  $0x1e, X15, X0, X1        // r > 0
	VCMPPS  $0x12, X14, X0, X2        // r ≤ MaxFloat32
	VANDPS  X2, X1, X1                // valid
	VANDPS  X1, X0, X2
	VMOVUPS X2, (R8)(AX*4)            // skipped points' range 0
	VPADDD  X1, X11, X11
	VMOVUPS (R9)(AX*4), X2
	VCMPPS  $0x00, X15, X2, X2        // y == ±0
	VANDPS  X1, X2, X2
	VORPS   X2, X10, X10
	// Column: bin of a, its threshold and count, one more at or above it.
	VMOVUPD    (SI)(AX*8), Y3
	LOOKUP(0, 32, 160, DX)
	VPSUBQ     Y8, Y7, Y5             // column
	// Row: bin of q, likewise; row = last − count − (q ≥ threshold).
	VMOVUPD    (DI)(AX*8), Y3
	LOOKUP(64, 96, 176, BX)
	VMOVDQA    Y7, Y9
	VMOVDQU    128(R14), Y6
	VPSUBQ     Y9, Y6, Y6
	VPADDQ     Y8, Y6, Y6             // row
	// To int32 lanes; −1 where skipped.
	VPERMD     Y5, Y13, Y7
	VPERMD     Y6, Y13, Y6
	VPCMPEQD   X2, X2, X2
	VPXOR      X2, X1, X2             // skipped
	VPOR       X2, X7, X8
	VMOVDQU    X8, (R10)(AX*4)
	VPOR       X2, X6, X8
	VMOVDQU    X8, (R11)(AX*4)
	VPMULLD    192(R14), X6, X6
	VPADDD     X7, X6, X6
	VPOR       X2, X6, X6
	VMOVDQU    X6, (R13)(AX*4)
	// Keys: the range's bits above the point's index.
	VPMOVZXDQ  X0, Y0
	VPSLLQ     $32, Y0, Y0
	VPOR       Y12, Y0, Y0
	VMOVDQU    Y0, (R12)(AX*8)
	VPADDQ     304(R14), Y12, Y12
	ADDQ $4, AX
	JMP  pxloop

pxdone:
	// Σ of the −1s of the four lanes.
	VPSHUFD $0x4e, X11, X0
	VPADDD  X0, X11, X11
	VPSHUFD $0xb1, X11, X0
	VPADDD  X0, X11, X11
	VMOVD   X11, AX
	NEGL    AX
	MOVQ    AX, projected+88(FP)
	VMOVMSKPS X10, AX
	TESTL   AX, AX
	SETNE   zeroY+96(FP)
	VZEROUPPER
	RET

// func keysPixelsAVX2(keys *uint64, pp *int32, pr *float32, mask *uint8, n int)
// fillPixels' loop for n pixels (n a multiple of 8), eight at a time: a
// pixel's point is its key's low half (−1 for the empty key), its range
// the high half's float32 (−1 when empty), its mask 1 unless empty; every
// key is reset to empty for the next frame. An empty key's high half is
// all ones, which no range's bits are.
TEXT ·keysPixelsAVX2(SB), NOSPLIT, $0-40
	MOVQ keys+0(FP), SI
	MOVQ pp+8(FP), DI
	MOVQ pr+16(FP), BX
	MOVQ mask+24(FP), DX
	MOVQ n+32(FP), CX
	VPCMPEQD Y15, Y15, Y15            // all ones: the empty key, −1
	MOVL $0xbf800000, AX              // −1.0
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	XORQ AX, AX

kploop:
	CMPQ AX, CX
	JGE  kpdone
	VMOVDQU (SI)(AX*8), Y0
	VMOVDQU 32(SI)(AX*8), Y1
	VMOVDQU Y15, (SI)(AX*8)
	VMOVDQU Y15, 32(SI)(AX*8)
	VSHUFPS $0x88, Y1, Y0, Y2         // low halves, qword-interleaved
	VSHUFPS $0xdd, Y1, Y0, Y3         // high halves
	VPERMQ  $0xd8, Y2, Y2
	VPERMQ  $0xd8, Y3, Y3
	VMOVDQU Y2, (DI)(AX*4)
	VPCMPEQD Y15, Y3, Y4              // empty
	VBLENDVPS Y4, Y14, Y3, Y3
	VMOVUPS Y3, (BX)(AX*4)
	VPSUBD  Y15, Y4, Y4               // empty −1 → 0, else 0 → 1
	VEXTRACTI128 $1, Y4, X5
	VPACKSSDW X5, X4, X4
	VPACKUSWB X4, X4, X4
	VMOVQ   X4, (DX)(AX*1)
	ADDQ $8, AX
	JMP  kploop

kpdone:
	VZEROUPPER
	RET
