package lidarseg_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/kernelbench"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// BenchmarkProject is lidar-bonnetal's LaserScan workload (kernel
// "projection"): 131,072 points of an HDL-64E-like sweep into a 64×2048
// range image with the five-channel tensor. Run with -cpu 1,2 for the
// single-thread CPU time and the two-thread wall time.
func BenchmarkProject(b *testing.B) { kernelbench.Bench(b, "projection") }

// BenchmarkKNN is RangeNet++'s kNN (S5, k5) on the same sweep with
// realistic labels (kernel "knn"); BenchmarkKNNRandom is its adversarial
// twin with random labels ("knn-random").
func BenchmarkKNN(b *testing.B)       { kernelbench.Bench(b, "knn") }
func BenchmarkKNNRandom(b *testing.B) { kernelbench.Bench(b, "knn-random") }

// BenchmarkKNNNoisy is the kNN with a class change every metre of range:
// between the realistic and the random labels.
func BenchmarkKNNNoisy(b *testing.B) {
	_, proj, pix, err := lidarseg.SweepScene(lidarseg.LabelsNoisy)
	if err != nil {
		b.Fatal(err)
	}
	k, err := lidarseg.NewKNN(lidarseg.DefaultKNNConfig(), lidarseg.SweepClasses, lidarseg.SweepHeight, lidarseg.SweepWidth)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]uint16, proj.NumPoints())
	b.ReportAllocs()
	c0 := kernelbench.CPUTime()
	for b.Loop() {
		if err := k.Apply(dst, proj, pix); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((kernelbench.CPUTime()-c0).Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
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
	c, _, real, err := lidarseg.SweepScene(lidarseg.LabelsRealistic)
	if err != nil {
		t.Fatal(err)
	}
	_, _, random, err := lidarseg.SweepScene(lidarseg.LabelsRandom)
	if err != nil {
		t.Fatal(err)
	}
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
