package sim

import "testing"

func benchWorld(b *testing.B) (*World, *Rig) {
	b.Helper()
	w, err := NewWorld(WorldConfig{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	rig, err := DefaultRig(RigConfig{})
	if err != nil {
		b.Fatal(err)
	}
	return w, rig
}

// BenchmarkLidarSweep64x2048 simulates one HDL-64E-like sweep of 2048 columns.
func BenchmarkLidarSweep64x2048(b *testing.B) {
	w, rig := benchWorld(b)
	l, err := NewLidar(LidarConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	pts := 0
	for i := 0; i < b.N; i++ {
		sw := w.LidarSweep(l, rig.LidarMount, 0.1*float64(i%100))
		pts += len(sw.Points)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sweeps/s")
	b.ReportMetric(float64(pts)/float64(b.N), "points/sweep")
}

// BenchmarkRender704x256 renders one 704×256 front camera image with shadows.
func BenchmarkRender704x256(b *testing.B) {
	w, rig := benchWorld(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = w.RenderRGB(rig.Cameras[0], 0.1*float64(i%100))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkPersonsGT computes keypoint ground truth for the front camera.
func BenchmarkPersonsGT(b *testing.B) {
	w, rig := benchWorld(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = w.PersonsGT(rig.Cameras[0], 0.1*float64(i%100), 0)
	}
}

// BenchmarkBEV computes the default 256×256 BEV grid.
func BenchmarkBEV(b *testing.B) {
	w, _ := benchWorld(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.BEV(0.1*float64(i%100), BEVConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
