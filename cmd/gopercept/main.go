// Command gopercept is the offline side of the gopercept perception nodes:
// replay bags through the nodes, inspect bags, simulate sensor data,
// evaluate and benchmark.
//
//	gopercept replay IN... -o OUT.mcap [--nodes lidarseg,pose2d] [--params FILE] [--rate R | --fast] [--keep-inputs] [--json]
//	gopercept simulate -o DIR [--seed N] [--duration S] [--cameras six|front|none] [--json]
//	gopercept info BAG [--json]
//	gopercept nodes [--json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopercept:", err)
		os.Exit(1)
	}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"replay", "run nodes over bags and write their outputs to MCAP", cmdReplay},
		{"simulate", "write a synthetic drive with exact ground truth as a rosbag2", cmdSimulate},
		{"bench", "measure a node's per-stage latency, throughput and allocations", cmdBench},
		{"eval", "score a node against ground truth: lidarseg, pose2d or bevfusion", cmdEval},
		{"info", "list a bag's topics, types, counts and time range", cmdInfo},
		{"nodes", "list the nodes and their parameters", cmdNodes},
		{"snapshot", "write one image of a bag as PNG", cmdSnapshot},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(stdout, "gopercept", version())
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil // -h printed the command's usage: not a failure
			}
			return err
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gopercept COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gopercept COMMAND -h' for a command's flags.")
}

// version is the module version and VCS revision the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v + " " + bi.GoVersion
}
