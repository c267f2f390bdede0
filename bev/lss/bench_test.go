package lss

import (
	"math"
	"testing"

	"github.com/gopercept/gopercept/bev"
)

// nuScenesRig returns six 1600×900 cameras around the vehicle, resized by
// 0.48 and cropped to 704×256 as CUDA-BEVFusion does.
func nuScenesRig() []bev.Camera {
	cams := make([]bev.Camera, 6)
	yaws := []float64{0, -55, 55, 180, -110, 110}
	for i := range cams {
		psi := yaws[i] * math.Pi / 180
		cams[i] = bev.Camera{
			Name: "CAM", Width: 1600, Height: 900, Fx: 1260, Fy: 1260, Cx: 800, Cy: 450,
			Aug:       bev.ResizeCrop(0.48, 0.48, 32, 176),
			Extrinsic: opticalExtrinsic(psi, 0, 1.5*math.Cos(psi), 0.5*math.Sin(psi), 1.6),
		}
	}
	cams[3].Fx, cams[3].Fy = 800, 800 // the rear camera is wider
	return cams
}

// BenchmarkGeometry measures the precomputation at BEVFusion's camera
// configuration (6 cameras, 118 bins, 32×88 features, 0.4 m over
// ±51.2 m). Target ≤ 30 ms.
func BenchmarkGeometry(b *testing.B) {
	cams := nuScenesRig()
	b.ReportAllocs()
	var g *Geometry
	cpu0 := processCPU()
	for b.Loop() {
		var err error
		if g, err = NewGeometry(Config{}, cams); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(g.Frustum())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpoints/s")
	b.ReportMetric(float64(g.Kept()), "kept")
	b.ReportMetric(float64(len(g.Intervals)), "intervals")
}

func benchPool(b *testing.B, scatter bool) {
	cams := nuScenesRig()
	g, err := NewGeometry(Config{}, cams)
	if err != nil {
		b.Fatal(err)
	}
	const c = 80
	depth, feat := randomInputs(g, c, 1)
	p, err := NewPooler(g, c, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	out := make([]float32, p.OutputLen())
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if scatter {
			err = ScatterAdd(g, c, depth, feat, out)
		} else {
			err = p.Pool(depth, feat, out)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(g.Kept())*c*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

// BenchmarkPool is interval-reduction pooling at the full configuration
// with 80 channels. Target ≤ 60 ms and ≥ 3× faster than
// BenchmarkScatterAdd.
func BenchmarkPool(b *testing.B) { benchPool(b, false) }

// BenchmarkScatterAdd is the straightforward scatter-add over all frustum
// points at the same configuration.
func BenchmarkScatterAdd(b *testing.B) { benchPool(b, true) }

// BenchmarkSoftmaxDepthPooler is the same softmax on the pooling workers.
func BenchmarkSoftmaxDepthPooler(b *testing.B) {
	g, err := NewGeometry(Config{}, nuScenesRig())
	if err != nil {
		b.Fatal(err)
	}
	p, _ := NewPooler(g, 80, 0)
	defer p.Close()
	x := make([]float32, 6*118*32*88)
	for i := range x {
		x[i] = float32(i%17) * 0.1
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.SoftmaxDepth(x)
	}
	b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlogits/s")
}

// BenchmarkSoftmaxDepth is the depth softmax of 6×118×32×88 logits.
func BenchmarkSoftmaxDepth(b *testing.B) {
	x := make([]float32, 6*118*32*88)
	for i := range x {
		x[i] = float32(i%17) * 0.1
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = SoftmaxDepth(x, 6, 118, 32*88)
	}
	b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlogits/s")
}

// BenchmarkFingerprint is the per-frame check whether the rig changed.
func BenchmarkFingerprint(b *testing.B) {
	cams := nuScenesRig()
	b.ReportAllocs()
	var fp uint64
	for b.Loop() {
		fp ^= Fingerprint(Config{}, cams)
	}
	_ = fp
}
