package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gopercept/gopercept/evaluate"
	"github.com/gopercept/gopercept/lidarseg"
)

func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("eval: which node? lidarseg, pose2d or bevfusion")
	}
	switch args[0] {
	case "lidarseg":
		return evalLidarseg(ctx, args[1:], stdout, stderr)
	case "pose2d":
		return evalPose(ctx, args[1:], stdout, stderr)
	case "bevfusion":
		return evalBEV(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("eval: unknown node %q (have lidarseg, pose2d, bevfusion)", args[0])
}

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

func evalPose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval pose2d", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := fs.String("params", "", "pose2d parameter YAML files, comma-separated")
	camera := fs.String("camera", "cam_front", "simulated camera to evaluate: its image, camera_info and ground truth")
	output := fs.String("output", "/skeletons", "the node's Skeleton2DArray topic")
	output3D := fs.String("output-3d", "/skeletons_3d", "the node's Skeleton3DArray topic, for MPJPE when the node has depth (empty: no 3D)")
	asJSON := fs.Bool("json", false, "print JSON")
	bags, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(bags) == 0 {
		return errors.New("eval pose2d: give bags with camera images and /gt/cameras/<camera>/skeletons")
	}
	root, _ := os.Getwd()
	over := map[string]any{
		"image.topic":       "/cameras/" + *camera + "/image",
		"camera_info.topic": "/cameras/" + *camera + "/camera_info",
	}
	r, err := evaluate.Pose(ctx, evaluate.PoseConfig{Bags: bags, ParamsFiles: splitList(*params), Params: over,
		GTTopic: "/gt/cameras/" + *camera + "/skeletons", OutputTopic: *output,
		GT3DTopic: "/gt/cameras/" + *camera + "/skeletons_3d", Output3DTopic: *output3D, Root: root, Progress: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	evaluate.WritePoseText(stdout, r)
	return nil
}

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
