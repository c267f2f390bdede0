package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gopercept/gopercept/internal/ros/evaluate"
)

func evalBEV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval bevfusion", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "bevfusion parameter YAML files, comma-separated")
	asJSON := fs.Bool("json", false, "print JSON")
	submission := fs.String("nuscenes-json", "", "also write the detections as a nuScenes detection-submission `FILE` (sample token: the stamp in ns)")
	var ros rosArgs
	ros.register(fs)
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(bags) == 0 {
		return errors.New("eval bevfusion: give bags with cameras, /lidar/points, /gt/bev and /gt/boxes")
	}
	root, _ := os.Getwd()
	cfg := evaluate.BEVConfig{Bags: bags, ParamsFiles: splitList(*params), Params: ros.forNode("bevfusion", nil),
		Remap: ros.forRemap("bevfusion"), Root: root, Progress: stderr}
	var sub bytes.Buffer
	if *submission != "" {
		cfg.Submission = &sub
	}
	r, err := evaluate.BEV(ctx, cfg)
	if err != nil {
		return err
	}
	if *submission != "" {
		if err := os.WriteFile(*submission, sub.Bytes(), 0o644); err != nil {
			return fmt.Errorf("eval bevfusion: --nuscenes-json: %w", err)
		}
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	evaluate.WriteBEVText(stdout, r)
	return nil
}
