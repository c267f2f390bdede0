// Package kernelbench runs the perception kernels on the reference
// workloads of issue 16 (the inputs lidar-bonnetal, BEVFusion, mmpose and
// lightweight-openpose were timed on) so that `go test -bench` and
// `gopercept bench kernels --json` measure the same thing. Each kernel
// comes with its adversarial twin where a shortcut could hide a slow path
// (random labels for kNN, uniformly spread cells for pooling).
//
// A workload is registered by the file of its algorithm family (lidarseg.go,
// bev.go, pose.go); Run times each one single-threaded (CPU time, the fair
// figure on a shared machine) and at the requested thread counts (wall
// time), with allocations per operation after warm-up.
package kernelbench

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"testing"
	"time"
)

// Kernel is one workload: Setup builds its inputs once for a thread count
// and returns the operation to time.
type Kernel struct {
	Name     string  // e.g. "projection", "knn-random"
	Workload string  // the reference workload in words
	TargetMs float64 // issue 16's target for the wall time on this machine; 0 when none
	// Setup builds the inputs for threads workers (kernels without a
	// parallel path ignore it) and returns the operation and a cleanup.
	Setup func(threads int) (op func() error, done func(), err error)
}

var registry []Kernel

// register adds k; called from the init of each family's file.
func register(k Kernel) { registry = append(registry, k) }

// Kernels lists the registered kernels by name.
func Kernels() []Kernel {
	out := append([]Kernel(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the kernel called name.
func Lookup(name string) (Kernel, error) {
	for _, k := range registry {
		if k.Name == name {
			return k, nil
		}
	}
	return Kernel{}, fmt.Errorf("kernelbench: no kernel %q", name)
}

// Result is one kernel at one thread count.
type Result struct {
	Kernel      string  `json:"kernel"`
	Workload    string  `json:"workload"`
	Threads     int     `json:"threads"`
	Ops         int     `json:"ops"`
	WallMs      float64 `json:"wall_ms_per_op"`
	CPUMs       float64 `json:"cpu_ms_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	TargetMs    float64 `json:"target_wall_ms,omitempty"`
	Met         *bool   `json:"target_met,omitempty"`
}

// Run times every kernel whose name matches filter (all when empty) at each
// thread count.
func Run(filter string, threads []int) ([]Result, error) {
	re, err := regexp.Compile(filter)
	if err != nil {
		return nil, fmt.Errorf("kernelbench: filter %q: %w", filter, err)
	}
	var out []Result
	for _, k := range Kernels() {
		if !re.MatchString(k.Name) {
			continue
		}
		for _, n := range threads {
			r, err := Measure(k, n)
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Measure times k with n threads (GOMAXPROCS n during the run) after one
// warm-up call.
func Measure(k Kernel, n int) (Result, error) {
	if n < 1 {
		return Result{}, fmt.Errorf("kernelbench: %s: %d threads", k.Name, n)
	}
	prev := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(prev)
	op, done, err := k.Setup(n)
	if err != nil {
		return Result{}, fmt.Errorf("kernelbench: %s: %w", k.Name, err)
	}
	if done != nil {
		defer done()
	}
	if err := op(); err != nil {
		return Result{}, fmt.Errorf("kernelbench: %s warm-up: %w", k.Name, err)
	}
	var opErr error
	var cpu time.Duration
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		c0 := CPUTime()
		for b.Loop() {
			if err := op(); err != nil {
				opErr = err
				b.FailNow()
			}
		}
		cpu = CPUTime() - c0
	})
	if opErr != nil {
		return Result{}, fmt.Errorf("kernelbench: %s: %w", k.Name, opErr)
	}
	if res.N == 0 {
		return Result{}, fmt.Errorf("kernelbench: %s: no operation completed", k.Name)
	}
	r := Result{Kernel: k.Name, Workload: k.Workload, Threads: n, Ops: res.N,
		WallMs:      float64(res.T.Nanoseconds()) / 1e6 / float64(res.N),
		CPUMs:       float64(cpu.Nanoseconds()) / 1e6 / float64(res.N),
		AllocsPerOp: res.AllocsPerOp(), BytesPerOp: res.AllocedBytesPerOp(), TargetMs: k.TargetMs}
	if k.TargetMs > 0 {
		met := r.WallMs <= k.TargetMs
		r.Met = &met
	}
	return r, nil
}

// Bench runs kernel name as a testing benchmark, reporting CPU ms per
// operation beside the wall time, so the packages' `go test -bench`
// benchmarks and `gopercept bench kernels` share one workload.
func Bench(b *testing.B, name string) {
	k, err := Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	op, done, err := k.Setup(runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	if done != nil {
		defer done()
	}
	if err := op(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := CPUTime()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((CPUTime()-c0).Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
}
