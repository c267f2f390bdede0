package lss_test

import (
	"encoding/binary"
	"github.com/gopercept/gopercept/internal/testfix"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/kernelbench"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// BenchmarkPool is interval-reduction pooling of BEVFusion's workload,
// 6×118×32×88 frustum points with 80 channels into 256², on the nuScenes
// rig (1.59 M points kept): the "pool" kernel of internal/kernelbench. Run
// with -cpu 1,2 for the single-thread CPU time and the two-thread wall
// time.
func BenchmarkPool(b *testing.B) { kernelbench.Bench(b, "pool") }

// BenchmarkPoolUniform is the same with all 1.99 M points spread uniformly
// over the cells (lss.UniformGeometry): the "pool-uniform" kernel.
func BenchmarkPoolUniform(b *testing.B) { kernelbench.Bench(b, "pool-uniform") }

// BenchmarkGeometryEgomotion is the per-frame geometry of bevfusion with
// ego-motion compensation through MovingGeometry (every camera moved, the
// intervals re-placed, the pooler reset): the "geometry-egomotion" kernel.
// BenchmarkRebuild is the full rebuild it replaces.
func BenchmarkGeometryEgomotion(b *testing.B) { kernelbench.Bench(b, "geometry-egomotion") }

// BenchmarkGeometry measures the precomputation at BEVFusion's camera
// configuration (6 cameras, 118 bins, 32×88 features, 0.4 m over
// ±51.2 m). Target ≤ 30 ms.
func BenchmarkGeometry(b *testing.B) {
	cams := testfix.NuScenesRig()
	b.ReportAllocs()
	var g *lss.Geometry
	cpu0 := kernelbench.CPUTime()
	for b.Loop() {
		var err error
		if g, err = lss.NewGeometry(lss.Config{}, cams); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(kernelbench.CPUTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(g.Frustum())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpoints/s")
	b.ReportMetric(float64(g.Kept()), "kept")
	b.ReportMetric(float64(len(g.Intervals)), "intervals")
}

// BenchmarkScatterAdd is the straightforward scatter-add over all frustum
// points of the pooling workload, the reference Pool replaces.
func BenchmarkScatterAdd(b *testing.B) {
	g, err := lss.PoolWorkload(testfix.NuScenesRig(), false)
	if err != nil {
		b.Fatal(err)
	}
	const c = lss.PoolChannels
	depth, feat := lss.RandomInputs(g, c, 1)
	out := make([]float32, c*g.Cells())
	b.ReportAllocs()
	cpu0 := kernelbench.CPUTime()
	for b.Loop() {
		if err := lss.ScatterAdd(g, c, depth, feat, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(kernelbench.CPUTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkRebuild is the per-frame geometry work of bevfusion with
// ego-motion compensation done by a full rebuild: every camera moved, the
// geometry rebuilt by a Builder and the pooler Reset.
func BenchmarkRebuild(b *testing.B) {
	cfg := lss.Config{Sampling: lss.SampleLinspace}
	var bl lss.Builder
	cams := testfix.NuScenesRig()
	rigs := [][]bev.Camera{lss.MoveRig(cams, lss.RigMotions(1, 6)), lss.MoveRig(cams, lss.RigMotions(2, 6))}
	g, err := bl.Build(cfg, rigs[0])
	if err != nil {
		b.Fatal(err)
	}
	p, _ := lss.NewPooler(g, lss.PoolChannels, 0)
	defer p.Close()
	f := 0
	b.ReportAllocs()
	cpu0 := kernelbench.CPUTime()
	for b.Loop() {
		g, _ = bl.Build(cfg, rigs[f%2])
		if err := p.Reset(g); err != nil {
			b.Fatal(err)
		}
		f++
	}
	b.ReportMetric(float64(kernelbench.CPUTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkSoftmaxDepthPooler is the depth softmax on the pooling workers.
func BenchmarkSoftmaxDepthPooler(b *testing.B) {
	g, err := lss.PoolWorkload(testfix.NuScenesRig(), false)
	if err != nil {
		b.Fatal(err)
	}
	p, _ := lss.NewPooler(g, lss.PoolChannels, 0)
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
		_ = lss.SoftmaxDepth(x, 6, 118, 32*88)
	}
	b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlogits/s")
}

// BenchmarkFingerprint is the per-frame check whether the rig changed.
func BenchmarkFingerprint(b *testing.B) {
	cams := testfix.NuScenesRig()
	b.ReportAllocs()
	var fp uint64
	for b.Loop() {
		fp ^= lss.Fingerprint(lss.Config{}, cams)
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
	g, err := lss.PoolWorkload(testfix.NuScenesRig(), false)
	if err != nil {
		t.Fatal(err)
	}
	depth, feat := lss.RandomInputs(g, lss.PoolChannels, 1)
	write("pool_depth.bin", 4*len(depth), floats(depth))
	write("pool_feat.bin", 4*len(feat), floats(feat))
	for name, g := range map[string]*lss.Geometry{"pool_rig.bin": g, "pool_uniform.bin": lss.UniformGeometry(g, 1)} {
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
