package head

import (
	"math/rand/v2"
	"testing"
)

// benchTensors builds a 10-class 128×128 head with low background scores
// and peaks planted at random cells, each with a lower 3×3 shoulder, and
// plausible regression values everywhere.
func benchTensors(peaks int) *Tensors {
	const k, h, w = 10, 128, 128
	rng := rand.New(rand.NewPCG(42, 42))
	t := newTensors(k, h, w, true)
	for i := range t.Heatmap {
		t.Heatmap[i] = rng.Float32() * 0.05
	}
	for range peaks {
		c, y, x := rng.IntN(k), 1+rng.IntN(h-2), 1+rng.IntN(w-2)
		v := 0.15 + 0.85*rng.Float32()
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				t.Heatmap[c*h*w+(y+dy)*w+x+dx] = v * 0.5
			}
		}
		t.Heatmap[c*h*w+y*w+x] = v
	}
	for y := range h {
		for x := range w {
			setCell(t, y, x, rng.Float64(), rng.Float64(), 0.5, 0.5+4*rng.Float64(), 0.5+2*rng.Float64(), 1.6, rng.Float64()*6, 1, 0)
		}
	}
	return t
}

// BenchmarkDecodeNMS decodes a 10-class 128×128 head at 0.8 m cells with
// about 200 peaks and runs Scale-NMS on them (nuScenes' BEVDet factors).
func BenchmarkDecodeNMS(b *testing.B) {
	t := benchTensors(200)
	d, err := New(Config{NumClasses: 10, Stride: 8, Resolution: 0.1, MinX: -51.2, MinY: -51.2})
	if err != nil {
		b.Fatal(err)
	}
	n, err := NewNMS(NMSConfig{IoUThreshold: 0.2, Scale: []float64{1, 0.7, 0.7, 0.4, 0.55, 1.1, 1, 1, 4.5, 9}})
	if err != nil {
		b.Fatal(err)
	}
	var boxes []Box
	b.ReportAllocs()
	kept := 0
	for b.Loop() {
		boxes, _ = d.Decode(t, boxes[:0])
		if len(boxes) < 150 {
			b.Fatalf("only %d candidates", len(boxes))
		}
		kept = len(n.Apply(boxes))
	}
	b.ReportMetric(float64(kept), "boxes")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkBEVIoU measures one exact rotated IoU of overlapping boxes.
func BenchmarkBEVIoU(b *testing.B) {
	a := Box{L: 4, W: 2, Yaw: 0.3}
	c := Box{X: 1, Y: 0.5, L: 4.2, W: 1.9, Yaw: 0.9}
	var s float64
	for b.Loop() {
		s += BEVIoU(a, c)
	}
	_ = s
}
