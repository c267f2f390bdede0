package testfix

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

// WriteDrive simulates cfg into a new uncompressed MCAP at path: the drive
// tests replay through the nodes, written one way everywhere.
func WriteDrive(path string, cfg simdrive.Config) error {
	w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
	if err != nil {
		return err
	}
	if _, err := simdrive.Run(context.Background(), cfg, w); err != nil {
		w.Close()
		return fmt.Errorf("testfix: simulate seed %d: %w", cfg.Seed, err)
	}
	return w.Close()
}

// Drive simulates cfg into tb's temporary directory and returns the bag's
// path, failing tb when it cannot.
func Drive(tb testing.TB, cfg simdrive.Config) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "drive.mcap")
	if err := WriteDrive(path, cfg); err != nil {
		tb.Fatal(err)
	}
	return path
}
