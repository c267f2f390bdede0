package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "usage: gopercept eval lidarseg|pose2d|bevfusion BAG... [flags]\n\nRun 'gopercept eval NODE -h' for a node's flags.")
		return nil
	}
	return fmt.Errorf("eval: unknown node %q (have lidarseg, pose2d, bevfusion)", args[0])
}
