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
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
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
	// Workload is the simulated drive's size; absent for a given bag.
	Workload *benchWorkload `json:"workload,omitempty"`
}

// benchWorkload is the size of the simulated drive `gopercept bench` ran
// on, as its --lidar, --columns, --cameras, --pedestrians and --crowd
// options set it (tools/bench/scaling.py plots frame time against these).
type benchWorkload struct {
	Duration       float64 `json:"duration_s"`
	Lidar          string  `json:"lidar"`
	Rows           int     `json:"lidar_rows"`
	Columns        int     `json:"lidar_columns"`
	PointsPerSweep int     `json:"points_per_sweep"` // rows × columns: rays, returns or not
	CameraPreset   string  `json:"camera_preset"`
	Cameras        int     `json:"cameras"`
	Width          int     `json:"image_width"`
	Height         int     `json:"image_height"`
	Pedestrians    int     `json:"pedestrians"` // the world's, besides the crowd
	Crowd          bool    `json:"crowd"`
	// CrowdSize is --crowd's people a half second across the view; 0 for
	// the crowd along the route (3 a half second) or none.
	CrowdSize int `json:"crowd_size,omitempty"`
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "kernels" {
		return cmdBenchKernels(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "parameter YAML files for the node, comma-separated (default params/<node>.yaml)")
	duration := fs.Float64("duration", 3, "seconds of simulated drive when no bag is given")
	// The simulated drive's size, for scaling runs (tools/bench/scaling.py).
	lidar := fs.String("lidar", "hdl64", "simulated lidar: "+strings.Join(simdrive.LidarNames, ", ")+" (HDL-64E-, OS1-128-, HDL-32E-, OS1-64- and VLP-16-like)")
	columns := fs.Int("columns", 2048, "simulated lidar columns per sweep, 8 to 16384 (points per sweep = rows × columns)")
	cameras := fs.String("cameras", "", "simulated cameras: eight, six, four, front or none (default six; front for pose2d); bevfusion's cameras parameter follows")
	saveBag := fs.String("save-bag", "", "keep the simulated drive in this MCAP file (to rerun on it as BAG with --params params/<node>.yaml,params/demo.yaml)")
	pedestrians := fs.Int("pedestrians", -1, "pedestrians in the simulated world, besides pose2d's crowd along the route (default 60; the world's 40 for pose2d); negative for the default")
	crowd := fs.Int("crowd", 0, "people placed every half second across the front camera's view, 5–20 m ahead (10 give a 640×480 camera 30 or more a frame; pose2d's scaling); 0 for pose2d's crowd along the route, or none for the other nodes")
	asJSON := fs.Bool("json", false, "print JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured run (not the warm-up) to this file, for go tool pprof")
	traceFile := fs.String("trace", "", "write an execution trace of the measured run to this file, for go tool trace (which goroutines ran when)")
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
	var rep benchReport
	if len(bags) == 0 {
		dir, err := os.MkdirTemp("", "gopercept-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "drive.mcap")
		if *saveBag != "" {
			path = *saveBag
		}
		w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
		if err != nil {
			return err
		}
		cfg := simdrive.Config{Seed: 3, Duration: *duration, Cameras: "six", Width: 704, Height: 256, Depth: true, Pedestrians: 60,
			Lidar: *lidar, Columns: *columns}
		if name == "pose2d" {
			// People along the route, so every frame has some to crop and decode.
			cfg.Cameras, cfg.Width, cfg.Height, cfg.Crowd, cfg.Pedestrians = "front", 640, 480, true, 0
		}
		if *cameras != "" {
			cfg.Cameras = *cameras
		}
		if *crowd < 0 || *crowd > 1000 {
			return fmt.Errorf("bench: --crowd %d: want 0 to 1000 people a half second", *crowd)
		}
		if *crowd > 0 {
			cfg.Crowd, cfg.CrowdSize = true, *crowd
		}
		if *pedestrians >= 0 {
			// The world's default replaces 0; a negative count means none.
			cfg.Pedestrians = *pedestrians
			if cfg.Pedestrians == 0 {
				cfg.Pedestrians = -1
			}
		}
		wl, camNames, err := benchWorkloadOf(cfg)
		if err != nil {
			return err
		}
		rep.Workload = wl
		if name == "bevfusion" && *cameras != "" && ros.params[name]["cameras"] == nil && ros.params[""]["cameras"] == nil {
			// The node fuses the cameras the drive has (params/demo.yaml lists six).
			if ros.params == nil {
				ros.params = map[string]map[string]any{}
			}
			if ros.params[name] == nil {
				ros.params[name] = map[string]any{}
			}
			list := make([]any, len(camNames))
			for i, c := range camNames {
				list[i] = c
			}
			ros.params[name]["cameras"] = list
		}
		fmt.Fprintf(stderr, "bench: simulating %.0f s of drive (%s × %d columns, %d cameras)\n", *duration, wl.Lidar, wl.Columns, wl.Cameras)
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
	stopProfile, err := capture("--cpuprofile", *cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		return err
	}
	stopTrace, err := capture("--trace", *traceFile, trace.Start, trace.Stop)
	if err != nil {
		stopProfile()
		return err
	}
	t0 := time.Now()
	sum, err := run()
	wall := time.Since(t0).Seconds()
	stopProfile()
	stopTrace()
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&m1)
	ns := sum.Nodes[0]
	rep.Node, rep.Bag, rep.Frames, rep.Processed, rep.Seconds = name, bags[0], ns.TotalIn(), ns.TotalIn()-ns.TotalDropped(), wall
	rep.Stages, rep.Facts, rep.Dropped = ns.Stages, ns.Facts, ns.Dropped
	rep.Machine = fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
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

// benchWorkloadOf describes cfg's drive and returns its cameras' topic
// prefixes as params/demo.yaml names them (cameras/cam_front, ...).
func benchWorkloadOf(cfg simdrive.Config) (*benchWorkload, []string, error) {
	rows, err := simdrive.LidarRings(cfg.Lidar)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: --lidar %q: want one of %s", cfg.Lidar, strings.Join(simdrive.LidarNames, ", "))
	}
	if cfg.Columns < 8 || cfg.Columns > 16384 {
		return nil, nil, fmt.Errorf("bench: --columns %d: want 8 to 16384", cfg.Columns)
	}
	rig, err := simdrive.Rig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: --cameras %q: %w", cfg.Cameras, err)
	}
	var names []string
	if cfg.Cameras != "none" {
		for _, c := range rig.Cameras {
			names = append(names, "cameras/"+simdrive.CameraName(c))
		}
	}
	return &benchWorkload{Duration: cfg.Duration, Lidar: cfg.Lidar, Rows: rows, Columns: cfg.Columns, PointsPerSweep: rows * cfg.Columns,
		CameraPreset: cfg.Cameras, Cameras: len(names), Width: cfg.Width, Height: cfg.Height,
		Pedestrians: pedestriansOf(cfg), Crowd: cfg.Crowd, CrowdSize: cfg.CrowdSize}, names, nil
}

// pedestriansOf is the world's pedestrian count for cfg: 0 takes sim's
// default (sim.WorldConfig.NumPedestrians, 40), a negative count none.
func pedestriansOf(cfg simdrive.Config) int {
	switch {
	case cfg.Pedestrians < 0:
		return 0
	case cfg.Pedestrians == 0:
		return 40
	}
	return cfg.Pedestrians
}

// capture starts a profile or trace (start) into a new file at path, named
// by flag in errors; the returned func stops it (stop) and closes the file.
// An empty path captures nothing.
func capture(flag, path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", flag, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: %s %s: %w", flag, path, err)
	}
	return func() {
		stop()
		f.Close()
	}, nil
}
