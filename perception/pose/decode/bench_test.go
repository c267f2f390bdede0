package decode_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/kernelbench"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/decode"
)

// The issue 16 reference workloads, timed by internal/kernelbench so that
// these benchmarks and `gopercept bench kernels` share their input;
// tools/bench/ratios.sh runs them by name and reads cpu-ms/op.

// BenchmarkDARKPerson is mmpose's refine_keypoints_dark workload (with
// get_heatmap_maximum before it): one person's 17×64×48 heatmaps, blur
// kernel 11.
func BenchmarkDARKPerson(b *testing.B) { kernelbench.Bench(b, "dark") }

// BenchmarkPAFSixPeople is lightweight-openpose's group_keypoints workload:
// six people on 19 heatmaps and 38 PAF channels of 328×184 in its channel
// layout (OpenPoseCOCO: BODY_PARTS_KPT_IDS and BODY_PARTS_PAF_IDS).
func BenchmarkPAFSixPeople(b *testing.B) { kernelbench.Bench(b, "paf") }

func BenchmarkArgmaxQuarterPerson(b *testing.B) {
	const k, w, h = pose.NumKeypoints, 48, 64
	hm := make([]float32, k*w*h)
	for j := range k {
		decode.GaussianBlob(hm[j*w*h:(j+1)*w*h], w, h, 20, 30, 2, 1)
	}
	out := make([]pose.Keypoint, k)
	b.ReportAllocs()
	c0 := kernelbench.CPUTime()
	for b.Loop() {
		decode.ArgmaxQuarter(hm, k, w, h, out)
	}
	b.ReportMetric(float64((kernelbench.CPUTime()-c0).Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
}

// dumpFloats writes v as little-endian float32 to $GOPERCEPT_BENCH_DUMP/name
// for the reference scripts of tools/bench; the caller skips when the
// variable is unset.
func dumpFloats(t *testing.T, dir, name string, v []float32) {
	buf := make([]byte, 0, 4*len(v))
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatalf("bench workload %s: %v", name, err)
	}
}

// TestDumpDARKWorkload writes BenchmarkDARKPerson's heatmaps (17×64×48) to
// dark_person.bin for tools/bench/ref_dark.py; it runs only when
// GOPERCEPT_BENCH_DUMP is set.
func TestDumpDARKWorkload(t *testing.T) {
	dir := os.Getenv("GOPERCEPT_BENCH_DUMP")
	if dir == "" {
		t.Skip("GOPERCEPT_BENCH_DUMP not set")
	}
	dumpFloats(t, dir, "dark_person.bin", decode.DARKPersonHeatmaps())
}

// TestDumpPAFWorkload writes BenchmarkPAFSixPeople's maps (paf_heatmaps.bin
// [19,184,328] and paf_pafs.bin [38,184,328]) for tools/bench/ref_paf.py;
// it runs only when GOPERCEPT_BENCH_DUMP is set.
func TestDumpPAFWorkload(t *testing.T) {
	dir := os.Getenv("GOPERCEPT_BENCH_DUMP")
	if dir == "" {
		t.Skip("GOPERCEPT_BENCH_DUMP not set")
	}
	hm, paf := decode.PAFSixPeople()
	dumpFloats(t, dir, "paf_heatmaps.bin", hm)
	dumpFloats(t, dir, "paf_pafs.bin", paf)
}
