package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/gopercept/gopercept/internal/ros/evaluate"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func evalLidarseg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval lidarseg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "lidarseg parameter YAML files, comma-separated")
	model := fs.String("model", "", "ONNX model (sets model.path); empty keeps the params file's")
	labels := fs.String("labels", "params/semantic-kitti.yaml", "SemanticKITTI label map")
	modes := fs.String("post-processing", "knn,none", "post_processing modes to score, comma-separated")
	kittiDirs := fs.String("semantic-kitti", "", "SemanticKITTI sequence directories (DIR/sequences/NN with velodyne/, labels/, calib.txt), comma-separated, scored instead of bags")
	writeLabels := fs.String("write-labels", "", "with -semantic-kitti: write the first mode's predictions as DIR/sequences/NN/predictions/*.label (raw label ids)")
	remission := fs.Float64("remission-scale", 1, "with -semantic-kitti: factor from the scans' remission (0..1) to the intensity the node gets (255 for a model whose card expects 8-bit intensity)")
	asJSON := fs.Bool("json", false, "print JSON (undefined scores as null)")
	var ros rosArgs
	ros.register(fs)
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	seqs := splitList(*kittiDirs)
	switch {
	case len(seqs) > 0 && len(bags) > 0:
		return errors.New("eval lidarseg: give bags or -semantic-kitti sequences, not both")
	case len(seqs) == 0 && len(bags) == 0:
		return errors.New("eval lidarseg: give bags with /lidar/points and /gt/lidar/labels, or -semantic-kitti DIR/sequences/NN")
	case *writeLabels != "" && len(seqs) == 0:
		return errors.New("eval lidarseg: -write-labels needs -semantic-kitti")
	}
	lm, err := lidarseg.LoadLabelMap(*labels)
	if err != nil {
		return err
	}
	over := ros.forNode("lidarseg", nil)
	if *model != "" {
		over["model.path"] = *model
	}
	root, _ := os.Getwd()
	var rs []evaluate.LidarsegResult
	if len(seqs) > 0 {
		rs, err = evaluate.LidarsegKITTI(ctx, evaluate.LidarsegKITTIConfig{Sequences: seqs, ParamsFiles: splitList(*params), Params: over,
			LabelMap: lm, Root: root, Modes: splitList(*modes), WriteLabels: *writeLabels, RemissionScale: float32(*remission), Progress: stderr})
	} else {
		rs, err = evaluate.Lidarseg(ctx, evaluate.LidarsegConfig{Bags: bags, ParamsFiles: splitList(*params), Params: over, Remap: ros.forRemap("lidarseg"),
			LabelMap: lm, Root: root, Modes: splitList(*modes), Progress: stderr})
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rs)
	}
	evaluate.WriteLidarsegText(stdout, rs)
	return nil
}
