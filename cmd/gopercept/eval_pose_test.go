package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalPoseCOCOFiles: eval pose2d on a short people drive writes COCO
// ground-truth and results files; scoring those files bag-free gives the
// same scores (only the OKS scale's name and the 3D part differ). The
// drive has no depth, so --json must write MPJPE as null with 0 joints.
func TestEvalPoseCOCOFiles(t *testing.T) {
	dir := t.TempDir()
	drive := filepath.Join(dir, "drive")
	gt, res := filepath.Join(dir, "gt.json"), filepath.Join(dir, "res.json")
	t.Chdir("../..") // params name models relative to the repository
	cli := func(args ...string) []byte {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.Bytes()
	}
	cli("simulate", "-o", drive, "--seed", "301", "--duration", "0.5", "--cameras", "front", "--width", "640", "--height", "480",
		"--crowd", "--lidar", "hdl32", "--columns", "512")
	fromBags := cli("eval", "pose2d", "--json", "--params", "params/pose2d.yaml", "--coco-gt", gt, "--coco-results", res, drive)
	fromFiles := cli("eval", "pose2d", "--json", "--gt", gt, "--results", res)
	var a, b map[string]any
	if err := json.Unmarshal(fromBags, &a); err != nil {
		t.Fatalf("eval pose2d --json is not JSON: %v\n%s", err, fromBags)
	}
	if err := json.Unmarshal(fromFiles, &b); err != nil {
		t.Fatalf("eval pose2d --gt --results --json is not JSON: %v\n%s", err, fromFiles)
	}
	if a["mpjpe_m"] != nil || a["joints_3d"] != 0.0 {
		t.Errorf("without depth: mpjpe_m %v, joints_3d %v; want null and 0", a["mpjpe_m"], a["joints_3d"])
	}
	if a["oks_area"] != "box" || b["oks_area"] != "annotation" {
		t.Errorf("oks_area %v from bags, %v from files; want box and annotation", a["oks_area"], b["oks_area"])
	}
	if n, _ := a["coco_people"].(float64); n == 0 || a["frames"] == 0.0 {
		t.Fatalf("the drive scores nothing:\n%s", fromBags)
	}
	for k, v := range a {
		if k == "oks_area" {
			continue
		}
		if b[k] != v {
			t.Errorf("%s: %v from the bags, %v from their COCO files", k, v, b[k])
		}
	}
	text := string(cli("eval", "pose2d", "--gt", gt, "--results", res))
	for _, want := range []string{"AP50", "ARl", "OKS scaled by the ground truth's area field"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, args := range [][]string{{"eval", "pose2d", "--gt", gt}, {"eval", "pose2d", "--gt", gt, "--results", res, drive}, {"eval", "pose2d", "--results", res, "--coco-gt", gt}} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
