package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/gopercept/gopercept/evaluate"
	"github.com/gopercept/gopercept/lidarseg"
)

func evalLidarseg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval lidarseg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "lidarseg parameter YAML files, comma-separated")
	model := fs.String("model", "", "ONNX model (sets model.path); empty keeps the params file's")
	labels := fs.String("labels", "params/semantic-kitti.yaml", "SemanticKITTI label map")
	asJSON := fs.Bool("json", false, "print JSON")
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(bags) == 0 {
		return errors.New("eval lidarseg: give bags with /lidar/points and /gt/lidar/labels")
	}
	lm, err := lidarseg.LoadLabelMap(*labels)
	if err != nil {
		return err
	}
	over := map[string]any{}
	if *model != "" {
		over["model.path"] = *model
	}
	root, _ := os.Getwd()
	rs, err := evaluate.Lidarseg(ctx, evaluate.LidarsegConfig{Bags: bags, ParamsFiles: splitList(*params), Params: over, LabelMap: lm, Root: root, Progress: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rs)
	}
	evaluate.WriteLidarsegText(stdout, rs)
	return nil
}
