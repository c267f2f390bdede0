package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestEvalBEVJSONWithUndefinedScores: a drive with no truck ground truth
// (which once made --json fail on NaN) gives JSON; undefined values would
// be null (internal/jsonnull's tests), with the counts that explain them.
func TestEvalBEVJSONWithUndefinedScores(t *testing.T) {
	dir := t.TempDir()
	drive := filepath.Join(dir, "drive.mcap")
	t.Chdir("../..") // params name models relative to the repository
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "-o", drive, "--seed", "11", "--duration", "0.5"}, &out, &errb); err != nil {
		t.Fatalf("simulate: %v\n%s", err, errb.String())
	}
	out.Reset()
	errb.Reset()
	sub := filepath.Join(dir, "submission.json")
	if err := run(context.Background(), []string{"eval", "bevfusion", "--json", "--nuscenes-json", sub, "--params", "params/bevfusion.yaml,params/demo.yaml", drive}, &out, &errb); err != nil {
		t.Fatalf("eval bevfusion --json: %v\n%s", err, errb.String())
	}
	var r struct {
		Frames  int      `json:"frames"`
		MAP     *float64 `json:"map"`
		Classes []struct {
			Name  string     `json:"name"`
			NumGT int        `json:"num_gt"`
			AP    []*float64 `json:"ap"`
		} `json:"classes"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	var submission struct {
		Meta    map[string]bool `json:"meta"`
		Results map[string][]struct {
			Name string `json:"detection_name"`
		} `json:"results"`
	}
	if b, err := os.ReadFile(sub); err != nil || json.Unmarshal(b, &submission) != nil || len(submission.Results) != r.Frames || !submission.Meta["use_lidar"] {
		t.Fatalf("nuScenes submission: %v, %d samples for %d frames", err, len(submission.Results), r.Frames)
	}
	noGT := 0
	for _, c := range r.Classes {
		for _, ap := range c.AP {
			if ap == nil && c.NumGT > 0 {
				t.Errorf("%s: AP null with %d ground-truth boxes", c.Name, c.NumGT)
			}
		}
		if c.NumGT == 0 {
			noGT++
		}
	}
	if r.Frames == 0 || noGT == 0 {
		t.Fatalf("%d frames, %d classes without ground truth: the drive does not exercise the case that failed\n%s", r.Frames, noGT, out.String())
	}
}
