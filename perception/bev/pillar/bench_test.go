package pillar

import (
	"fmt"
	"github.com/gopercept/gopercept/internal/testfix"
	"testing"

	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// BenchmarkPillarize bins 131,072 points into BEVFusion's 256×256 grid.
// Target ≤ 3 ms.
func BenchmarkPillarize(b *testing.B) {
	p, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	x, y, z, in := randomCloud(131072, 1)
	out := make([]float32, p.OutputLen())
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if _, err := p.Run(x, y, z, in, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(131072*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpoints/s")
}

// BenchmarkDepthImage projects 131,072 points into six 704×256 inputs.
func BenchmarkDepthImage(b *testing.B) {
	cams := testfix.NuScenesRig()
	x, y, z, _ := randomCloud(131072, 2)
	out := make([]float32, 6*704*256)
	b.ReportAllocs()
	for b.Loop() {
		if err := DepthImage(x, y, z, cams, 704, 256, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(131072*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpoints/s")
}

// BenchmarkDeskew de-skews 131,072 points with 16 knots, each point at its
// own time (firing 1) or 64 a firing as an HDL-64E fires them.
func BenchmarkDeskew(b *testing.B) {
	for _, firing := range []int{1, 64} {
		b.Run(fmt.Sprintf("firing=%d", firing), func(b *testing.B) { benchDeskew(b, firing) })
	}
}

func benchDeskew(b *testing.B, firing int) {
	x, y, z, _ := randomCloud(131072, 3)
	ts := make([]float32, len(x))
	for i := range ts {
		ts[i] = 0.1 * float32(i/firing*firing) / float32(len(ts))
	}
	motion := func(s float64) (tf.Transform, error) {
		return tf.Transform{Translation: r3.Vec{X: -10 * (0.1 - s)}, Rotation: tf.QuatFromRPY(0, 0, -0.3*(0.1-s))}, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Deskew(x, y, z, ts, motion, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(131072*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpoints/s")
}
