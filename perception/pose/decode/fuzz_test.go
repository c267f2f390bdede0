package decode

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

// FuzzDecode feeds every decoder outputs of arbitrary small shapes and
// values (NaN and infinities included): it must not panic, must return
// either people or an error wrapping ErrShape, and every person must have
// keypoints.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(1), []byte{1, 17, 8, 6, 1, 17, 16, 12}, []byte{0, 0, 128, 63})
	f.Add(uint8(4), []byte{1, 56, 3, 0, 0, 0, 0, 0}, []byte{0, 0, 192, 127, 0, 0, 128, 63})
	f.Add(uint8(6), []byte{1, 18, 5, 5, 1, 42, 5, 5}, []byte{205, 204, 204, 61})
	f.Add(uint8(3), []byte{2, 3, 9, 0, 2, 3, 11, 0}, []byte{0, 0, 128, 127})
	f.Add(uint8(7), []byte{1, 6, 14, 0}, []byte{0, 0, 0, 63, 0, 0, 192, 127}) // movenet-multipose, K=3: 3·3+5 columns
	f.Add(uint8(8), []byte{2, 1, 3, 3}, []byte{0, 0, 0, 63, 0, 0, 128, 255})  // movenet, two crops
	f.Fuzz(func(t *testing.T, which uint8, dims []byte, raw []byte) {
		name := Names[int(which)%len(Names)]
		d, err := New(name, Config{InputWidth: 64, InputHeight: 64, NumKeypoints: 3})
		if err != nil {
			t.Fatal(err)
		}
		// Values repeat the fuzzed bytes as float32s.
		vals := make([]float32, 0, 4096)
		for i := 0; i+4 <= len(raw) && len(vals) < 64; i += 4 {
			vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		}
		var outs []Tensor
		for o := 0; o+4 <= len(dims) && o < 8; o += 4 {
			var shape []int
			n := 1
			for _, b := range dims[o : o+4] {
				if b == 0 {
					continue
				}
				shape = append(shape, int(b%64))
				n *= int(b % 64)
			}
			if n > 1<<16 {
				n = 1 << 16
			}
			data := make([]float32, n)
			for i := range data {
				if len(vals) > 0 {
					data[i] = vals[i%len(vals)] * float32(i%7)
				}
			}
			outs = append(outs, Tensor{Shape: shape, Data: data})
		}
		people, err := d.Decode(outs, nil)
		if err != nil {
			if !errors.Is(err, ErrShape) {
				t.Fatalf("%s: error %v does not wrap ErrShape", name, err)
			}
			return
		}
		for _, p := range people {
			if len(p.Keypoints) == 0 && name != "openpose" {
				t.Fatalf("%s: person without keypoints", name)
			}
			for _, k := range p.Keypoints {
				if k.Visibility > pose.Visible {
					t.Fatalf("%s: visibility %d", name, k.Visibility)
				}
			}
		}
	})
}
