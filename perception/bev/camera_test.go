package bev

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"testing"
)

func TestMul4(t *testing.T) {
	a := [16]float64{1, 2, 0, 3, 0, 1, 0, 0, 0, 0, 1, 4, 0, 0, 0, 1}
	b := [16]float64{0, -1, 0, 1, 1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 1}
	want := [16]float64{2, -1, 0, 8, 1, 0, 0, 2, 0, 0, 1, 4, 0, 0, 0, 1}
	if got := Mul4(a, b); got != want {
		t.Errorf("Mul4 = %v, want %v", got, want)
	}
}

// TestFingerprintIsFNV1a checks the hash Fingerprint writes out against
// hash/fnv's FNV-1a on strings, bytes and little-endian words, and that
// Fingerprint allocates nothing.
func TestFingerprintIsFNV1a(t *testing.T) {
	words := []uint64{0, 1, math.Float64bits(-51.2), math.Float64bits(math.Pi), math.MaxUint64}
	for _, str := range []string{"", "cam_front", "plumb_bob\x00é"} {
		h, ref := fnv1a(14695981039346656037), fnv.New64a()
		h.str(str)
		ref.Write([]byte(str))
		h.u8(0)
		ref.Write([]byte{0})
		for _, w := range words {
			h.u64(w)
			ref.Write(binary.LittleEndian.AppendUint64(nil, w))
		}
		if uint64(h) != ref.Sum64() {
			t.Errorf("%q: %#x, hash/fnv %#x", str, uint64(h), ref.Sum64())
		}
	}
	cams := []Camera{{Name: "cam_front", Distortion: "plumb_bob", Width: 704, Height: 256, Fx: 500, Fy: 501, Cx: 352, Cy: 128,
		D: []float64{0.1, -0.02}, Extrinsic: [16]float64{0, 0, 1, 1.5, -1, 0, 0, 0.1, 0, -1, 0, 1.6, 0, 0, 0, 1}}}
	if a := testing.AllocsPerRun(10, func() { Fingerprint(cams, -51.2, 51.2, 0.4) }); a != 0 {
		t.Errorf("Fingerprint allocates %.0f times", a)
	}
}
