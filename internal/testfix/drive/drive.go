// Package drive writes the simulated drives tests replay through the
// nodes, one way everywhere. It is apart from package testfix because the
// simulator imports the algorithm packages whose own tests use testfix.
package drive

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// Write simulates cfg into a new uncompressed MCAP at path: the drive
// tests replay through the nodes, written one way everywhere.
func Write(path string, cfg simdrive.Config) error {
	w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
	if err != nil {
		return err
	}
	if _, err := simdrive.Run(context.Background(), cfg, w); err != nil {
		w.Close()
		return fmt.Errorf("drive: simulate seed %d: %w", cfg.Seed, err)
	}
	return w.Close()
}

// Temp simulates cfg into tb's temporary directory and returns the bag's
// path, failing tb when it cannot.
func Temp(tb testing.TB, cfg simdrive.Config) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "drive.mcap")
	if err := Write(path, cfg); err != nil {
		tb.Fatal(err)
	}
	return path
}
