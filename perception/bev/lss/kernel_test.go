package lss

import (
	"math/rand/v2"
	"testing"
)

// TestStoreBlock checks the tiled block store against the plain loop for
// odd sizes, offsets and unaligned outputs, with and without SIMD.
func TestStoreBlock(t *testing.T) {
	simd := useSIMD
	defer func() { useSIMD = simd }()
	rng := rand.New(rand.NewPCG(12, 12))
	for trial := 0; trial < 200; trial++ {
		c := 1 + rng.IntN(90)
		n := 1 + rng.IntN(64)
		plane := n + rng.IntN(50)
		lo := rng.IntN(plane - n + 1)
		shift := rng.IntN(8) // misalign the output base
		buf := make([]float32, n*c)
		for i := range buf {
			buf[i] = rng.Float32()
		}
		want := make([]float32, c*plane)
		storeBlockGo(want, plane, lo, n, buf, c, 0, 0)
		for _, useSIMD = range []bool{simd, false} {
			backing := make([]float32, c*plane+shift)
			got := backing[shift:]
			storeBlock(got, plane, lo, n, buf, c)
			sfence()
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("c %d n %d plane %d lo %d shift %d simd %v: [%d] = %v, want %v", c, n, plane, lo, shift, useSIMD, i, got[i], want[i])
				}
			}
		}
	}
}
