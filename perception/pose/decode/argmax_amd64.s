//go:build !purego

#include "textflag.h"

// func firstBlockAtLeastAVX(m *float32, blocks int, thr float32) int
// The index of the first 64-value block of m holding a value ≥ thr (NaN
// never is), or blocks when none does.
TEXT ·firstBlockAtLeastAVX(SB), NOSPLIT, $0-32
	MOVQ m+0(FP), SI
	MOVQ blocks+8(FP), CX
	VBROADCASTSS thr+16(FP), Y8
	XORQ AX, AX
floop:
	CMPQ AX, CX
	JGE fdone
	// thr ≤ v by predicate 0x12, LE_OQ: false for NaN.
	VCMPPS $0x12, 0(SI), Y8, Y0
	VCMPPS $0x12, 32(SI), Y8, Y1
	VCMPPS $0x12, 64(SI), Y8, Y2
	VCMPPS $0x12, 96(SI), Y8, Y3
	VCMPPS $0x12, 128(SI), Y8, Y4
	VCMPPS $0x12, 160(SI), Y8, Y5
	VCMPPS $0x12, 192(SI), Y8, Y6
	VCMPPS $0x12, 224(SI), Y8, Y7
	VORPS Y1, Y0, Y0
	VORPS Y3, Y2, Y2
	VORPS Y5, Y4, Y4
	VORPS Y7, Y6, Y6
	VORPS Y2, Y0, Y0
	VORPS Y6, Y4, Y4
	VORPS Y4, Y0, Y0
	VTESTPS Y0, Y0
	JNE fdone
	ADDQ $256, SI
	INCQ AX
	JMP floop
fdone:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func vblur4AVX(p *float32, stride int, gk *float64, r int, out *float64, ostride int)
// The vertical pass of DARK's blur for four columns and five rows: for
// row k < 5 and lane l < 4, with c = p + k·stride + l,
//   out[k·ostride + l] = g[r]·c[0] + Σ_{t=1..r} g[r−t]·(c[−t·stride] + c[t·stride])
// in float64, each product and sum rounded in that order (as the portable
// vblur4).
TEXT ·vblur4AVX(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), DX
	SHLQ $2, DX
	MOVQ gk+16(FP), BX
	MOVQ r+24(FP), CX
	MOVQ out+32(FP), DI
	MOVQ ostride+40(FP), R13
	SHLQ $3, R13
	VBROADCASTSD (BX)(CX*8), Y15
	LEAQ (SI)(DX*2), R8
	VCVTPS2PD (SI), Y0
	VCVTPS2PD (SI)(DX*1), Y1
	VCVTPS2PD (R8), Y2
	VCVTPS2PD (R8)(DX*1), Y3
	VCVTPS2PD (R8)(DX*2), Y4
	VMULPD Y15, Y0, Y0
	VMULPD Y15, Y1, Y1
	VMULPD Y15, Y2, Y2
	VMULPD Y15, Y3, Y3
	VMULPD Y15, Y4, Y4
	MOVQ SI, R9            // row 0's tap −t
	MOVQ SI, R10           // row 0's tap +t
	LEAQ -8(BX)(CX*8), R11 // &g[r−t]
vloop:
	TESTQ CX, CX
	JEQ vdone
	SUBQ DX, R9
	ADDQ DX, R10
	VBROADCASTSD (R11), Y14
	LEAQ (R9)(DX*2), R8
	LEAQ (R10)(DX*2), R12
	VCVTPS2PD (R9), Y5
	VCVTPS2PD (R10), Y6
	VADDPD Y6, Y5, Y5
	VMULPD Y14, Y5, Y5
	VADDPD Y5, Y0, Y0
	VCVTPS2PD (R9)(DX*1), Y7
	VCVTPS2PD (R10)(DX*1), Y8
	VADDPD Y8, Y7, Y7
	VMULPD Y14, Y7, Y7
	VADDPD Y7, Y1, Y1
	VCVTPS2PD (R8), Y9
	VCVTPS2PD (R12), Y10
	VADDPD Y10, Y9, Y9
	VMULPD Y14, Y9, Y9
	VADDPD Y9, Y2, Y2
	VCVTPS2PD (R8)(DX*1), Y11
	VCVTPS2PD (R12)(DX*1), Y12
	VADDPD Y12, Y11, Y11
	VMULPD Y14, Y11, Y11
	VADDPD Y11, Y3, Y3
	VCVTPS2PD (R8)(DX*2), Y5
	VCVTPS2PD (R12)(DX*2), Y6
	VADDPD Y6, Y5, Y5
	VMULPD Y14, Y5, Y5
	VADDPD Y5, Y4, Y4
	SUBQ $8, R11
	DECQ CX
	JMP vloop
vdone:
	LEAQ (DI)(R13*2), R8
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, (DI)(R13*1)
	VMOVUPD Y2, (R8)
	VMOVUPD Y3, (R8)(R13*1)
	VMOVUPD Y4, (R8)(R13*2)
	VZEROUPPER
	RET

// func maxAVX(hm *float32, blocks int) float32
// The largest value of hm[:64·blocks] that is not NaN, −∞ when none is
// (the data is VMAXPS's first source, so that a NaN there leaves the
// running maximum: VMAXPS returns its second source on NaN).
TEXT ·maxAVX(SB), NOSPLIT, $0-20
	MOVQ hm+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVL $0xff800000, AX // −∞
	MOVL AX, X8
	VBROADCASTSS X8, Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y0, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y0, Y7
mloop:
	TESTQ CX, CX
	JEQ mdone
	VMOVUPS 0(SI), Y8
	VMAXPS Y0, Y8, Y0
	VMOVUPS 32(SI), Y9
	VMAXPS Y1, Y9, Y1
	VMOVUPS 64(SI), Y10
	VMAXPS Y2, Y10, Y2
	VMOVUPS 96(SI), Y11
	VMAXPS Y3, Y11, Y3
	VMOVUPS 128(SI), Y12
	VMAXPS Y4, Y12, Y4
	VMOVUPS 160(SI), Y13
	VMAXPS Y5, Y13, Y5
	VMOVUPS 192(SI), Y14
	VMAXPS Y6, Y14, Y6
	VMOVUPS 224(SI), Y15
	VMAXPS Y7, Y15, Y7
	ADDQ $256, SI
	DECQ CX
	JMP mloop
mdone:
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y5, Y4, Y4
	VMAXPS Y7, Y6, Y6
	VMAXPS Y2, Y0, Y0
	VMAXPS Y6, Y4, Y4
	VMAXPS Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func firstEqualAVX(hm *float32, blocks int, v float32) int
// The index of the first value of hm[:8·blocks] equal to v (EQ_OQ: never
// NaN), or 8·blocks. Four vectors a step while at least four remain.
TEXT ·firstEqualAVX(SB), NOSPLIT, $0-32
	MOVQ hm+0(FP), SI
	MOVQ blocks+8(FP), CX
	VBROADCASTSS v+16(FP), Y8
	XORQ AX, AX
	SHLQ $3, CX
	MOVQ CX, BX
	SUBQ $24, BX // last start of a four-vector step
eloop4:
	CMPQ AX, BX
	JGE eloop
	VCMPPS $0x00, (SI)(AX*4), Y8, Y0
	VCMPPS $0x00, 32(SI)(AX*4), Y8, Y1
	VCMPPS $0x00, 64(SI)(AX*4), Y8, Y2
	VCMPPS $0x00, 96(SI)(AX*4), Y8, Y3
	VORPS Y1, Y0, Y4
	VORPS Y3, Y2, Y5
	VORPS Y5, Y4, Y4
	VTESTPS Y4, Y4
	JNE eloop // the match is in these four: found one vector at a time
	ADDQ $32, AX
	JMP eloop4
eloop:
	CMPQ AX, CX
	JGE enone
	VCMPPS $0x00, (SI)(AX*4), Y8, Y0
	VMOVMSKPS Y0, DX
	TESTL DX, DX
	JNE efound
	ADDQ $8, AX
	JMP eloop
efound:
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET
enone:
	MOVQ CX, ret+24(FP)
	VZEROUPPER
	RET

// func hblur6AVX(v *float64, cols int, gk *float64, r int, out *float64)
// hblur4Go at the six starts DARK reads, as independent chains: rows 2
// (columns 0 and 1), 1, 3, 0 and 4 of the cols-wide v, into out[4i : 4i+4].
TEXT ·hblur6AVX(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), SI
	MOVQ cols+8(FP), DX
	SHLQ $3, DX
	MOVQ gk+16(FP), BX
	MOVQ r+24(FP), CX
	MOVQ out+32(FP), DI
	VBROADCASTSD (BX)(CX*8), Y15
	LEAQ (SI)(CX*8), SI // centre of start 0 (row 0, column 0)
	LEAQ (SI)(DX*2), R8 // row 2
	VMOVUPD (R8), Y0
	VMOVUPD 8(R8), Y1
	VMOVUPD (SI)(DX*1), Y2
	VMOVUPD (R8)(DX*1), Y3
	VMOVUPD (SI), Y4
	VMOVUPD (SI)(DX*4), Y5
	VMULPD Y15, Y0, Y0
	VMULPD Y15, Y1, Y1
	VMULPD Y15, Y2, Y2
	VMULPD Y15, Y3, Y3
	VMULPD Y15, Y4, Y4
	VMULPD Y15, Y5, Y5
	MOVQ SI, R9            // row 0's tap −t
	MOVQ SI, R10           // row 0's tap +t
	LEAQ -8(BX)(CX*8), R11 // &g[r−t]
h6loop:
	TESTQ CX, CX
	JEQ h6done
	SUBQ $8, R9
	ADDQ $8, R10
	VBROADCASTSD (R11), Y14
	LEAQ (R9)(DX*2), R12
	LEAQ (R10)(DX*2), R13
	VMOVUPD (R12), Y6
	VADDPD (R13), Y6, Y6
	VMULPD Y14, Y6, Y6
	VADDPD Y6, Y0, Y0
	VMOVUPD 8(R12), Y7
	VADDPD 8(R13), Y7, Y7
	VMULPD Y14, Y7, Y7
	VADDPD Y7, Y1, Y1
	VMOVUPD (R9)(DX*1), Y8
	VADDPD (R10)(DX*1), Y8, Y8
	VMULPD Y14, Y8, Y8
	VADDPD Y8, Y2, Y2
	VMOVUPD (R12)(DX*1), Y9
	VADDPD (R13)(DX*1), Y9, Y9
	VMULPD Y14, Y9, Y9
	VADDPD Y9, Y3, Y3
	VMOVUPD (R9), Y10
	VADDPD (R10), Y10, Y10
	VMULPD Y14, Y10, Y10
	VADDPD Y10, Y4, Y4
	VMOVUPD (R9)(DX*4), Y11
	VADDPD (R10)(DX*4), Y11, Y11
	VMULPD Y14, Y11, Y11
	VADDPD Y11, Y5, Y5
	SUBQ $8, R11
	DECQ CX
	JMP h6loop
h6done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VZEROUPPER
	RET

// func chunkMaxAVX(hm *float32, chunks int, out *float32)
// out[c] = the largest non-NaN value of hm[512c : 512c+512] (−∞ when
// none is) for c < chunks; eight accumulators, the data VMAXPS's first
// source as in maxAVX.
TEXT ·chunkMaxAVX(SB), NOSPLIT, $0-24
	MOVQ hm+0(FP), SI
	MOVQ chunks+8(FP), CX
	MOVQ out+16(FP), DI
	MOVL $0xff800000, AX // −∞
	MOVL AX, X8
	VBROADCASTSS X8, Y8
cloop:
	TESTQ CX, CX
	JEQ cdone
	VMOVAPS Y8, Y0
	VMOVAPS Y8, Y1
	VMOVAPS Y8, Y2
	VMOVAPS Y8, Y3
	VMOVAPS Y8, Y4
	VMOVAPS Y8, Y5
	VMOVAPS Y8, Y6
	VMOVAPS Y8, Y7
	MOVQ $8, DX
cblock:
	VMOVUPS 0(SI), Y9
	VMAXPS Y0, Y9, Y0
	VMOVUPS 32(SI), Y10
	VMAXPS Y1, Y10, Y1
	VMOVUPS 64(SI), Y11
	VMAXPS Y2, Y11, Y2
	VMOVUPS 96(SI), Y12
	VMAXPS Y3, Y12, Y3
	VMOVUPS 128(SI), Y13
	VMAXPS Y4, Y13, Y4
	VMOVUPS 160(SI), Y14
	VMAXPS Y5, Y14, Y5
	VMOVUPS 192(SI), Y15
	VMAXPS Y6, Y15, Y6
	VMOVUPS 224(SI), Y9
	VMAXPS Y7, Y9, Y7
	ADDQ $256, SI
	DECQ DX
	JNE cblock
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y5, Y4, Y4
	VMAXPS Y7, Y6, Y6
	VMAXPS Y2, Y0, Y0
	VMAXPS Y6, Y4, Y4
	VMAXPS Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	DECQ CX
	JMP cloop
cdone:
	VZEROUPPER
	RET
