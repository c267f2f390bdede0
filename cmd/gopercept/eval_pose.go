package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/gopercept/gopercept/evaluate"
)

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
