package lss

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// uniformGeometry is the adversarial twin of a rig's geometry: every
// frustum point of g's dimensions kept (6×118×32×88 = 1.99 M for the
// nuScenes rig, where the rig keeps 1.59 M) and sent to a uniformly random
// cell, so that neighbouring points share neither a cell nor a feature
// row and no locality of a real rig helps.
func uniformGeometry(g *Geometry, seed uint64) *Geometry {
	rng := rand.New(rand.NewPCG(seed, 3))
	cells := g.Cells()
	u := &Geometry{Config: g.Config, NCam: g.NCam, D: g.D, FH: g.FH, FW: g.FW,
		pointCell: make([]int32, g.Frustum()), DepthIndex: make([]int32, g.Frustum())}
	count := make([]int32, cells+1)
	for i := range u.pointCell {
		c := int32(rng.IntN(cells))
		u.pointCell[i] = c
		count[c+1]++
	}
	for c := range cells {
		if n := count[c+1]; n > 0 {
			u.Intervals = append(u.Intervals, Interval{Start: count[c], Len: n, Cell: int32(c)})
		}
		count[c+1] += count[c]
	}
	for i, c := range u.pointCell {
		u.DepthIndex[count[c]] = int32(i)
		count[c]++
	}
	return u
}

// poolWorkload returns the nuScenes rig's geometry, or its uniform twin.
func poolWorkload(b testing.TB, uniform bool) *Geometry {
	g, err := NewGeometry(Config{}, nuScenesRig())
	if err != nil {
		b.Fatal(err)
	}
	if uniform {
		g = uniformGeometry(g, 1)
	}
	return g
}

func benchPool(b *testing.B, scatter, uniform bool) {
	g := poolWorkload(b, uniform)
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

// BenchmarkPool is interval-reduction pooling of BEVFusion's workload,
// 6×118×32×88 frustum points with 80 channels into 256², on the nuScenes
// rig (1.59 M points kept). Run with -cpu 1,2 for the single-thread CPU
// time and the two-thread wall time.
func BenchmarkPool(b *testing.B) { benchPool(b, false, false) }

// BenchmarkPoolUniform is the same with all 1.99 M points spread uniformly
// over the cells (uniformGeometry).
func BenchmarkPoolUniform(b *testing.B) { benchPool(b, false, true) }

// BenchmarkScatterAdd is the straightforward scatter-add over all frustum
// points at the rig's configuration.
func BenchmarkScatterAdd(b *testing.B) { benchPool(b, true, false) }

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

// TestDumpPoolWorkload writes BenchmarkPool's and BenchmarkPoolUniform's
// inputs to $GOPERCEPT_BENCH_DUMP for tools/bench/ref_pool.py; it runs only
// when that variable is set. Files (little endian): pool_depth.bin
// [6,118,32,88] and pool_feat.bin [6,80,32,88] float32; pool_rig.bin and
// pool_uniform.bin, per kept point in cell order, int32 depth index then
// int32 cell.
func TestDumpPoolWorkload(t *testing.T) {
	dir := os.Getenv("GOPERCEPT_BENCH_DUMP")
	if dir == "" {
		t.Skip("GOPERCEPT_BENCH_DUMP not set")
	}
	write := func(name string, n int, put func(b []byte) []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), put(make([]byte, 0, n)), 0o644); err != nil {
			t.Fatalf("pool workload %s: %v", name, err)
		}
	}
	floats := func(v []float32) func([]byte) []byte {
		return func(b []byte) []byte {
			for _, x := range v {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
			return b
		}
	}
	g := poolWorkload(t, false)
	depth, feat := randomInputs(g, 80, 1)
	write("pool_depth.bin", 4*len(depth), floats(depth))
	write("pool_feat.bin", 4*len(feat), floats(feat))
	for name, g := range map[string]*Geometry{"pool_rig.bin": g, "pool_uniform.bin": uniformGeometry(g, 1)} {
		write(name, 8*g.Kept(), func(b []byte) []byte {
			for _, iv := range g.Intervals {
				for _, idx := range g.DepthIndex[iv.Start : iv.Start+iv.Len] {
					b = binary.LittleEndian.AppendUint32(b, uint32(idx))
					b = binary.LittleEndian.AppendUint32(b, uint32(iv.Cell))
				}
			}
			return b
		})
	}
}
