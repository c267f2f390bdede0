package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/gopercept/gopercept/evaluate"
)

func evalBEV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval bevfusion", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "bevfusion parameter YAML files, comma-separated")
	asJSON := fs.Bool("json", false, "print JSON")
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(bags) == 0 {
		return errors.New("eval bevfusion: give bags with cameras, /lidar/points, /gt/bev and /gt/boxes")
	}
	root, _ := os.Getwd()
	r, err := evaluate.BEV(ctx, evaluate.BEVConfig{Bags: bags, ParamsFiles: splitList(*params), Root: root, Progress: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	evaluate.WriteBEVText(stdout, r)
	return nil
}
