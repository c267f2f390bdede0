package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// benchReport is what `gopercept bench` measures for one node.
type benchReport struct {
	Node           string              `json:"node"`
	Bag            string              `json:"bag"`
	Frames         int64               `json:"frames_in"`
	Processed      int64               `json:"frames_processed"`
	Seconds        float64             `json:"wall_seconds"`
	FramesPerSec   float64             `json:"frames_per_second"`
	AllocsPerFrame float64             `json:"allocs_per_frame"`
	BytesPerFrame  float64             `json:"alloc_bytes_per_frame"`
	Stages         []node.StageSummary `json:"stages"`
	Facts          map[string]string   `json:"facts,omitempty"`
	Dropped        map[string]int64    `json:"dropped,omitempty"`
	Machine        string              `json:"machine"`
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "kernels" {
		return cmdBenchKernels(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "parameter YAML files for the node, comma-separated (default params/<node>.yaml)")
	duration := fs.Float64("duration", 3, "seconds of simulated drive when no bag is given")
	asJSON := fs.Bool("json", false, "print JSON")
	var ros rosArgs
	ros.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("bench: which node? lidarseg, pose2d or bevfusion [BAG...], or kernels")
	}
	name, bags := pos[0], pos[1:]
	if _, err := node.Lookup(name); err != nil {
		return err
	}
	if *params == "" {
		*params = filepath.Join("params", name+".yaml")
		if len(bags) == 0 {
			// The simulated drive's topics, as make demo uses them.
			*params += "," + filepath.Join("params", "demo.yaml")
		}
	}
	if len(bags) == 0 {
		dir, err := os.MkdirTemp("", "gopercept-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "drive.mcap")
		w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: simulating %.0f s of drive\n", *duration)
		cfg := simdrive.Config{Seed: 3, Duration: *duration, Cameras: "six", Width: 704, Height: 256, Depth: true, Pedestrians: 60}
		if name == "pose2d" {
			// People along the route, so every frame has some to crop and decode.
			cfg.Cameras, cfg.Width, cfg.Height, cfg.Crowd, cfg.Pedestrians = "front", 640, 480, true, 0
		}
		if _, err := simdrive.Run(ctx, cfg, w); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		bags = []string{path}
	}
	root, _ := os.Getwd()
	// Warm up once (model load, first-frame allocations), then measure.
	run := func() (*replay.Summary, error) {
		return replay.Run(ctx, replay.Config{Inputs: bags, Nodes: []string{name}, ParamsFiles: splitList(*params), Fast: true, Root: root,
			Params: ros.nodeParams([]string{name}), Remap: ros.remap})
	}
	if _, err := run(); err != nil {
		return err
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	sum, err := run()
	if err != nil {
		return err
	}
	wall := time.Since(t0).Seconds()
	runtime.ReadMemStats(&m1)
	ns := sum.Nodes[0]
	rep := benchReport{Node: name, Bag: bags[0], Frames: ns.TotalIn(), Processed: ns.TotalIn() - ns.TotalDropped(), Seconds: wall,
		Stages: ns.Stages, Facts: ns.Facts, Dropped: ns.Dropped,
		Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())}
	if rep.Processed > 0 {
		// The replay's own reading is included: these bound the node's
		// allocations from above.
		rep.AllocsPerFrame = float64(m1.Mallocs-m0.Mallocs) / float64(rep.Frames)
		rep.BytesPerFrame = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(rep.Frames)
	}
	for _, st := range ns.Stages {
		if st.Name == "total" && st.P50 > 0 {
			rep.FramesPerSec = 1000 / st.P50
		}
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "bench %s on %s (%s): %d frames, %d processed, %.1f frames/s at the median, %.0f allocs and %.1f kB per frame (replay included)\n",
		name, rep.Bag, rep.Machine, rep.Frames, rep.Processed, rep.FramesPerSec, rep.AllocsPerFrame, rep.BytesPerFrame/1e3)
	for _, st := range rep.Stages {
		fmt.Fprintf(stdout, "  %-20s p50 %8.2f ms  p95 %8.2f ms  max %8.2f ms\n", st.Name, st.P50, st.P95, st.Max)
	}
	for k, v := range rep.Dropped {
		fmt.Fprintf(stdout, "  dropped %s: %d\n", k, v)
	}
	keys := make([]string, 0, len(rep.Facts))
	for k := range rep.Facts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  last frame: %s = %s\n", k, rep.Facts[k])
	}
	return nil
}
