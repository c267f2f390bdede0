package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gopercept/gopercept/internal/ros/evaluate"
)

func evalPose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval pose2d", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "pose2d parameter YAML files, comma-separated")
	camera := fs.String("camera", "cam_front", "simulated camera to evaluate: its image, camera_info and ground truth")
	output := fs.String("output", "/pose2d/skeletons", "the node's Skeleton2DArray topic (its ~/skeletons in the root namespace)")
	output3D := fs.String("output-3d", "/pose2d/skeletons_3d", "the node's Skeleton3DArray topic, for MPJPE when the node lifts to 3D (depth or lift.model; empty: no 3D)")
	cocoResults := fs.String("coco-results", "", "write the node's skeletons as a COCO keypoint results JSON file (for pycocotools)")
	cocoGT := fs.String("coco-gt", "", "write the bags' ground truth as a COCO keypoint ground-truth JSON file (for pycocotools)")
	gtFile := fs.String("gt", "", "bag-free: score --results against this COCO keypoint ground-truth JSON file")
	resultsFile := fs.String("results", "", "bag-free: the COCO keypoint results JSON file to score against --gt")
	asJSON := fs.Bool("json", false, "print JSON")
	var ros rosArgs
	ros.register(fs)
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	var r *evaluate.PoseResult
	if *gtFile != "" || *resultsFile != "" {
		if len(bags) > 0 || *gtFile == "" || *resultsFile == "" || *cocoGT != "" || *cocoResults != "" {
			return errors.New("eval pose2d: bag-free scoring takes --gt and --results together, and no bags or --coco-* outputs")
		}
		if r, err = poseFromCOCOFiles(*gtFile, *resultsFile); err != nil {
			return err
		}
	} else {
		if len(bags) == 0 {
			return errors.New("eval pose2d: give bags with camera images and /gt/cameras/<camera>/skeletons, or --gt and --results COCO files")
		}
		if r, err = poseFromBags(ctx, bags, *params, *camera, *output, *output3D, *cocoGT, *cocoResults, &ros, stderr); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	evaluate.WritePoseText(stdout, r)
	return nil
}

func poseFromBags(ctx context.Context, bags []string, params, camera, output, output3D, cocoGT, cocoResults string, ros *rosArgs, stderr io.Writer) (*evaluate.PoseResult, error) {
	root, _ := os.Getwd()
	over := ros.forNode("pose2d", map[string]any{
		"image.topic":       "/cameras/" + camera + "/image",
		"camera_info.topic": "/cameras/" + camera + "/camera_info",
	})
	cfg := evaluate.PoseConfig{Bags: bags, ParamsFiles: splitList(params), Params: over, Remap: ros.forRemap("pose2d"),
		GTTopic: "/gt/cameras/" + camera + "/skeletons", OutputTopic: output,
		GT3DTopic: "/gt/cameras/" + camera + "/skeletons_3d", Output3DTopic: output3D, Root: root, Progress: stderr}
	var files []*os.File
	for _, o := range []struct {
		path string
		dst  *io.Writer
	}{{cocoGT, &cfg.COCOGT}, {cocoResults, &cfg.COCOResults}} {
		if o.path == "" {
			continue
		}
		f, err := os.Create(o.path)
		if err != nil {
			return nil, fmt.Errorf("eval pose2d: %w", err)
		}
		defer f.Close()
		files = append(files, f)
		*o.dst = f
	}
	r, err := evaluate.Pose(ctx, cfg)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("eval pose2d: %w", err)
		}
	}
	return r, nil
}

func poseFromCOCOFiles(gtPath, resultsPath string) (*evaluate.PoseResult, error) {
	gt, err := os.Open(gtPath)
	if err != nil {
		return nil, fmt.Errorf("eval pose2d: %w", err)
	}
	defer gt.Close()
	res, err := os.Open(resultsPath)
	if err != nil {
		return nil, fmt.Errorf("eval pose2d: %w", err)
	}
	defer res.Close()
	r, err := evaluate.PoseFromCOCO(gt, res)
	if err != nil {
		return nil, fmt.Errorf("eval pose2d: %s and %s: %w", gtPath, resultsPath, err)
	}
	return r, nil
}
