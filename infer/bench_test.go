package infer_test

import (
	"fmt"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
)

// benchCases are the models the benchmarks run: small enough for CI, big
// enough that a per-Run overhead would show.
var benchCases = []struct {
	name       string
	c, h, w, o int
}{
	{"conv3x16x16", 3, 16, 16, 4},
	{"conv5x64x256", 5, 64, 256, 8},
}

func openConv(b *testing.B, c, h, w, oc int) *infer.Model {
	b.Helper()
	needORT(b)
	g := lcg(42)
	k := make([]float32, oc*c*9)
	for i := range k {
		k[i] = g.float()
	}
	bias := make([]float32, oc)
	p := writeModel(b, b.TempDir(), "conv", convSoftmaxGraph(c, h, w, oc, k, bias), convCard(c, h, w, oc))
	m, err := infer.Open(infer.Config{ModelPath: p, IntraOpThreads: 1, Logf: func(string) {}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	x := m.Input("img")
	for i := range x {
		x[i] = g.float()
	}
	return m
}

func BenchmarkRun(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			m := openConv(b, bc.c, bc.h, bc.w, bc.o)
			if err := m.Run(); err != nil { // warm-up
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

func BenchmarkRunBatch(b *testing.B) {
	needORT(b)
	p := writeModel(b, b.TempDir(), "batch", batchGraph(), batchCard)
	m, err := infer.Open(infer.Config{ModelPath: p, Batch: 16, IntraOpThreads: 1, Logf: func(string) {}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if err := m.RunBatch(n); err != nil { // warm-up
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.RunBatch(n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

var _ = onnxbuild.Float
