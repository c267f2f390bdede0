package lidarseg

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// reportCPU reports the CPU time per operation since c0 (all threads).
func reportCPU(b *testing.B, c0 float64) {
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
}

// TestDumpBenchWorkload writes the benchmarks' workload for
// tools/bench/ref_lidarseg.py, which times lidar-bonnetal's LaserScan and
// KNN on the same inputs. It runs only when GOPERCEPT_BENCH_DUMP names a
// folder. Files (little endian): cloud.bin, N×4 float32 (x, y, z,
// intensity/255); labels_realistic.bin and labels_random.bin, 64×2048
// uint16 per-pixel classes as BenchmarkKNN and BenchmarkKNNRandom use.
func TestDumpBenchWorkload(t *testing.T) {
	dir := os.Getenv("GOPERCEPT_BENCH_DUMP")
	if dir == "" {
		t.Skip("GOPERCEPT_BENCH_DUMP not set")
	}
	c, _, real := sweepScene(t, labelsRealistic)
	_, _, random := sweepScene(t, labelsRandom)
	buf := make([]byte, 0, 16*len(c.X))
	for i := range c.X {
		for _, v := range []float32{c.X[i], c.Y[i], c.Z[i], c.Intensity[i] / 255} {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatalf("bench workload %s: %v", name, err)
		}
	}
	write("cloud.bin", buf)
	for name, l := range map[string][]uint16{"labels_realistic.bin": real, "labels_random.bin": random} {
		b := make([]byte, 0, 2*len(l))
		for _, v := range l {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		write(name, b)
	}
}
