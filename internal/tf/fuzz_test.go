package tf

import (
	"encoding/binary"
	"math"
	"testing"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// fuzzFrames are the frame names fuzzed transforms connect: a vehicle tree
// as robots publish it.
var fuzzFrames = []string{"map", "odom", "base_link", "lidar", "camera", "imu"}

// FuzzSetTransform inserts a stream of transforms decoded from the input
// (parent, child, stamp, translation, rotation, static flag; 36 bytes
// each) into a Buffer, seeded with a static sensor tree and a moving odom
// frame. Inserting must never panic; a rejected insert is an error, and
// every lookup that succeeds gives a finite transform with a unit
// rotation whose inverse lookup succeeds too and undoes it.
func FuzzSetTransform(f *testing.F) {
	op := func(parent, child byte, stamp uint32, x, y, z float32, q [4]int8, static bool) []byte {
		b := make([]byte, 0, 36)
		b = append(b, parent, child)
		b = binary.LittleEndian.AppendUint32(b, stamp)
		for _, v := range []float32{x, y, z} {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		for _, v := range q {
			b = append(b, byte(v))
		}
		s := byte(0)
		if static {
			s = 1
		}
		b = append(b, s)
		return append(b, make([]byte, 36-len(b))...)
	}
	var tree []byte
	tree = append(tree, op(2, 3, 0, 1.2, 0, 1.8, [4]int8{0, 0, 0, 100}, true)...)
	tree = append(tree, op(2, 4, 0, 1.5, 0, 1.6, [4]int8{-50, 50, -50, 50}, true)...)
	tree = append(tree, op(2, 5, 0, 0, 0, 0.3, [4]int8{0, 0, 0, 1}, true)...)
	for i := range 5 {
		tree = append(tree, op(1, 2, uint32(i)*100_000_000, float32(i), 0.1*float32(i), 0, [4]int8{0, 0, int8(10 * i), 100}, false)...)
	}
	tree = append(tree, op(0, 1, 0, 0, 0, 0, [4]int8{0, 0, 0, 1}, true)...)
	f.Add(tree)
	f.Add(op(3, 3, 0, 0, 0, 0, [4]int8{0, 0, 0, 0}, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := New(Config{MaxFrames: 16, MaxSamplesPerEdge: 64})
		if err != nil {
			t.Fatal(err)
		}
		var last int64
		for ; len(data) >= 36; data = data[36:] {
			parent := fuzzFrames[int(data[0])%len(fuzzFrames)]
			child := fuzzFrames[int(data[1])%len(fuzzFrames)]
			stamp := int64(binary.LittleEndian.Uint32(data[2:]))
			v := func(i int) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(data[6+4*i:]))) }
			tr := Transform{
				Translation: r3.Vec{X: v(0), Y: v(1), Z: v(2)},
				Rotation:    quat.Number{Imag: float64(int8(data[18])), Jmag: float64(int8(data[19])), Kmag: float64(int8(data[20])), Real: float64(int8(data[21]))},
			}
			_ = b.SetTransform(parent, child, stamp, tr, data[22]&1 == 1)
			last = stamp
		}
		for _, a := range fuzzFrames {
			for _, c := range fuzzFrames {
				for _, stamp := range []int64{0, last} {
					x, err := b.Lookup(a, c, stamp)
					if err != nil {
						continue
					}
					q := x.Rotation
					norm := math.Sqrt(q.Real*q.Real + q.Imag*q.Imag + q.Jmag*q.Jmag + q.Kmag*q.Kmag)
					if math.IsNaN(norm) || math.Abs(norm-1) > 1e-6 || !finiteVec(x.Translation) {
						t.Fatalf("%s<-%s at %d: %+v", a, c, stamp, x)
					}
					y, err := b.Lookup(c, a, stamp)
					if err != nil {
						t.Fatalf("%s<-%s found but not %s<-%s: %v", a, c, c, a, err)
					}
					// Rotations compose to the identity (up to sign).
					p := quat.Mul(q, y.Rotation)
					if math.Abs(math.Abs(p.Real)-1) > 1e-6 {
						t.Fatalf("%s<->%s rotations do not cancel: %v * %v", a, c, q, y.Rotation)
					}
				}
			}
		}
	})
}

func finiteVec(v r3.Vec) bool {
	for _, x := range []float64{v.X, v.Y, v.Z} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
