//go:build ros2

package rcl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gopercept/gopercept/infer"
)

// Main is the whole main function of a node executable: it runs the named
// node with the process arguments until SIGINT or SIGTERM and exits
// non-zero on a start-up error. Model and config paths resolve against
// GOPERCEPT_ROOT, else the package's share directory next to the
// executable (colcon's install/share/gopercept), else the working directory.
func Main(name string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, RunConfig{Node: name, Args: os.Args[1:], Root: shareRoot()})
	stop()
	if errors.Is(err, infer.ErrEngineBuilt) {
		// build_engine_only: the engines are cached, which is success.
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func shareRoot() string {
	if r := os.Getenv("GOPERCEPT_ROOT"); r != "" {
		return r
	}
	if exe, err := os.Executable(); err == nil {
		// install/lib/gopercept/<node> → install/share/gopercept
		share := filepath.Join(filepath.Dir(exe), "..", "..", "share", "gopercept")
		if st, err := os.Stat(filepath.Join(share, "params")); err == nil && st.IsDir() {
			return filepath.Clean(share)
		}
	}
	wd, _ := os.Getwd()
	return wd
}
