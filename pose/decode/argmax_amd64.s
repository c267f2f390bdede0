//go:build !purego

#include "textflag.h"

// func cpuidAVX() (ecx1 uint32, xcr0 uint32)
// CPUID leaf 1's ECX and, when OSXSAVE is set, XCR0's low half.
TEXT ·cpuidAVX(SB), NOSPLIT, $0-8
	MOVL $1, AX
	MOVL $0, CX
	CPUID
	MOVL CX, ecx1+0(FP)
	MOVL $0, xcr0+4(FP)
	BTL $27, CX
	JCC noxsave
	MOVL $0, CX
	XGETBV
	MOVL AX, xcr0+4(FP)
noxsave:
	RET

// func blockMaxAVX(hm *float32, blocks int, out *float32)
// out[b] = the largest of hm[64b : 64b+64] that is not NaN, −∞ when none
// is. The data is the first source of VMAXPS, so that a NaN there leaves
// the running maximum (VMAXPS returns its second source on NaN).
TEXT ·blockMaxAVX(SB), NOSPLIT, $0-24
	MOVQ hm+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ out+16(FP), DI
	MOVL $0xff800000, AX // −∞
	MOVL AX, X8
	VBROADCASTSS X8, Y8
loop:
	TESTQ CX, CX
	JEQ done
	VMOVAPS Y8, Y0
	VMOVAPS Y8, Y1
	VMOVAPS Y8, Y2
	VMOVAPS Y8, Y3
	VMOVUPS 0(SI), Y4
	VMAXPS Y0, Y4, Y0
	VMOVUPS 32(SI), Y5
	VMAXPS Y1, Y5, Y1
	VMOVUPS 64(SI), Y6
	VMAXPS Y2, Y6, Y2
	VMOVUPS 96(SI), Y7
	VMAXPS Y3, Y7, Y3
	VMOVUPS 128(SI), Y4
	VMAXPS Y0, Y4, Y0
	VMOVUPS 160(SI), Y5
	VMAXPS Y1, Y5, Y1
	VMOVUPS 192(SI), Y6
	VMAXPS Y2, Y6, Y2
	VMOVUPS 224(SI), Y7
	VMAXPS Y3, Y7, Y3
	// The accumulators hold no NaN: any order combines them.
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, (DI)
	ADDQ $256, SI
	ADDQ $4, DI
	DECQ CX
	JMP loop
done:
	VZEROUPPER
	RET

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
