package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/replay"
	_ "github.com/gopercept/gopercept/nodes/all" // register the nodes
)

func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output MCAP file (required unless --dry-run)")
	nodes := fs.String("nodes", "", "comma-separated nodes to run (see 'gopercept nodes')")
	params := fs.String("params", "", "ROS 2 parameter YAML files for the nodes, comma-separated (e.g. params/lidarseg.yaml,params/pose2d.yaml)")
	rate := fs.Float64("rate", 1, "playback rate on the bag's clock (2 = twice real time)")
	fast := fs.Bool("fast", false, "run as fast as possible, ignoring --rate")
	keep := fs.Bool("keep-inputs", false, "also write the input messages to the output")
	comp := fs.String("compression", "zstd", "output chunk compression: zstd, lz4 or none")
	dry := fs.Bool("dry-run", false, "run the nodes without writing an output file")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	verbose := fs.Bool("v", false, "log node warnings to stderr")
	maxGap := fs.Duration("max-gap", time.Second, "longest wait across a jump in log time in real-time playback (such jumps are reported)")
	var ros rosArgs
	ros.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gopercept replay IN... -o OUT.mcap [flags]\n\nIN is an .mcap file, a .db3 file or a rosbag2 directory.")
		fs.PrintDefaults()
	}
	inputs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		fs.Usage()
		return errors.New("replay: no input bags")
	}
	if *out == "" && !*dry {
		return errors.New("replay: -o OUT.mcap is required (or --dry-run)")
	}
	if *dry {
		*out = ""
	}
	if !*fast && (*rate <= 0 || math.IsNaN(*rate) || math.IsInf(*rate, 0)) {
		return fmt.Errorf("replay: --rate %g: must be a positive number (use --fast for as fast as possible)", *rate)
	}
	switch bag.Compression(*comp) {
	case bag.CompressionZstd, bag.CompressionLZ4, bag.CompressionNone:
	default:
		return fmt.Errorf("replay: --compression %q: want zstd, lz4 or none", *comp)
	}
	nodeList := splitList(*nodes)
	if len(nodeList) == 0 && !*keep {
		return errors.New("replay: nothing to do: name the nodes to run with --nodes (see 'gopercept nodes'), or copy the bags with --keep-inputs")
	}
	cfg := replay.Config{
		Inputs: inputs, Output: *out, Nodes: nodeList, ParamsFiles: splitList(*params),
		Params: ros.nodeParams(nodeList), Remap: ros.remap, MaxGap: *maxGap,
		Rate: *rate, Fast: *fast, KeepInputs: *keep, Compression: bag.Compression(*comp),
		Progress: os.Stderr,
	}
	if *verbose {
		cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if root, err := os.Getwd(); err == nil {
		cfg.Root = root
	}
	sum, err := replay.Run(ctx, cfg)
	if err != nil {
		if sum != nil { // what was done before the run failed
			sum.WriteText(stderr)
		}
		return err
	}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	sum.WriteText(stdout)
	return nil
}
