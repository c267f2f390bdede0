package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gopercept/gopercept/internal/kernelbench"
)

// cmdBenchKernels is `gopercept bench kernels`: the perception kernels on
// issue 16's reference workloads, single-thread CPU time and wall time at
// each thread count.
func cmdBenchKernels(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench kernels", flag.ContinueOnError)
	fs.SetOutput(stderr)
	filter := fs.String("filter", "", "regular expression over kernel names (default all)")
	threadList := fs.String("threads", "1,2", "thread counts, comma-separated")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var threads []int
	for _, s := range splitList(*threadList) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("bench kernels: --threads %q: want positive integers", *threadList)
		}
		threads = append(threads, n)
	}
	if len(threads) == 0 {
		return fmt.Errorf("bench kernels: --threads is empty")
	}
	res, err := kernelbench.Run(*filter, threads)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		var names []string
		for _, k := range kernelbench.Kernels() {
			names = append(names, k.Name)
		}
		return fmt.Errorf("bench kernels: no kernel matches %q (have %s)", *filter, strings.Join(names, ", "))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%-22s %7s %10s %10s %8s %8s  %s\n", "kernel", "threads", "wall ms", "cpu ms", "allocs", "target", "workload")
	for _, r := range res {
		target := "-"
		if r.Met != nil {
			target = fmt.Sprintf("%.2f", r.TargetMs)
			if !*r.Met {
				target += "!"
			}
		}
		fmt.Fprintf(stdout, "%-22s %7d %10.3f %10.3f %8d %8s  %s\n", r.Kernel, r.Threads, r.WallMs, r.CPUMs, r.AllocsPerOp, target, r.Workload)
	}
	return nil
}
