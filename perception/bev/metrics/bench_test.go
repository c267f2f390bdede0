package metrics

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEvaluate scores 200 frames of 40 ground-truth boxes and 80
// noisy predictions over nuScenes' ten classes.
func BenchmarkEvaluate(b *testing.B) {
	rng := rand.New(rand.NewPCG(8, 8))
	const frames = 200
	gt := make([][]Box, frames)
	pred := make([][]Box, frames)
	for f := range frames {
		for range 40 {
			g := Box{X: rng.Float64()*80 - 40, Y: rng.Float64()*80 - 40, L: 4, W: 2, H: 1.5, Yaw: rng.Float64() * 6, Class: rng.IntN(10)}
			gt[f] = append(gt[f], g)
			p := g
			p.X += rng.NormFloat64() * 0.5
			p.Y += rng.NormFloat64() * 0.5
			p.Score = rng.Float64()
			pred[f] = append(pred[f], p)
		}
		for range 40 {
			pred[f] = append(pred[f], Box{X: rng.Float64()*80 - 40, Y: rng.Float64()*80 - 40, L: 4, W: 2, H: 1.5, Score: rng.Float64() * 0.5, Class: rng.IntN(10)})
		}
	}
	b.ReportAllocs()
	var r *Result
	for b.Loop() {
		var err error
		if r, err = Evaluate(Config{Classes: NuScenesClasses()}, gt, pred); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.MAP, "mAP")
	b.ReportMetric(frames*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
