package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/testfix"
)

// TestReplayNeverTruncatesItsInput: `replay IN -o IN` once truncated the
// bag to 0 bytes before failing.
func TestReplayNeverTruncatesItsInput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.mcap")
	if err := testfix.WriteTFCloudBag(in); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(in)
	out, err := runCLI(t, "replay", in, "-o", in, "--keep-inputs", "--fast")
	if err == nil || !strings.Contains(err.Error(), "also an input") {
		t.Fatalf("replay IN -o IN: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(in); string(after) != string(before) {
		t.Fatal("the input bag changed")
	}
}

func TestFlagMistakes(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.mcap")
	if err := testfix.WriteTFCloudBag(in); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mcap")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", in, "-o", out, "--rate", "0", "--keep-inputs"}, "--rate 0"},
		{[]string{"replay", in, "-o", out, "--rate", "-1", "--keep-inputs"}, "--rate -1"},
		{[]string{"replay", in, "-o", out, "--compression", "foo", "--keep-inputs"}, `--compression "foo"`},
		{[]string{"replay", in, "-o", out}, "nothing to do"},
		{[]string{"replay", in, "-o", out, "--nodes", "lidarseg", "-p", "novalue"}, "not [node:]name:=value"},
	} {
		msg, err := runCLI(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v (want %q)\n%s", c.args, err, c.want, msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v left %s behind", c.args, out)
		}
	}
	for _, args := range [][]string{{"replay", "-h"}, {"eval", "-h"}, {"bench", "-h"}, {"simulate", "-h"}, {"info", "-h"}, {"--version"}} {
		if msg, err := runCLI(t, args...); err != nil {
			t.Errorf("%v: %v\n%s", args, err, msg)
		}
	}
}

func TestROSArgs(t *testing.T) {
	var a rosArgs
	fs := newFlagSetForTest()
	a.register(fs)
	if err := fs.Parse([]string{"-p", "knn.k:=7", "-p", "pose2d:image.topic:=/cam/image", "-r", "lidarseg:/lidar/points:=/os/points", "-r", "/tf:=/veh1/tf"}); err != nil {
		t.Fatal(err)
	}
	p := a.forNode("lidarseg", map[string]any{"knn.k": 5, "x": true})
	if p["knn.k"] != 7 || p["x"] != true || p["image.topic"] != nil {
		t.Fatalf("lidarseg params %v", p)
	}
	if a.forNode("pose2d", nil)["image.topic"] != "/cam/image" {
		t.Fatalf("pose2d params %v", a.forNode("pose2d", nil))
	}
	if a.remap["lidarseg"]["/lidar/points"] != "/os/points" || a.remap[""]["/tf"] != "/veh1/tf" {
		t.Fatalf("remap %v", a.remap)
	}
	for _, bad := range []string{"", ":=x", "name", "node::=x"} {
		if _, _, _, err := splitAssign(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func newFlagSetForTest() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }

// TestSimulateBadOptionLeavesNothing: a bad option once left a partial bag
// that made the corrected rerun fail, and named Go struct fields.
func TestSimulateBadOptionLeavesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "drive")
	msg, err := runCLI(t, "simulate", "-o", out, "--duration", "0.2", "--cameras", "front", "--width", "-5")
	if err == nil || !strings.Contains(err.Error(), "--width") || strings.Contains(err.Error(), "CameraModel") {
		t.Fatalf("bad --width: %v\n%s", err, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed simulate left its output")
	}
	if _, err := os.Stat(out + ".partial"); err == nil {
		t.Fatal("a failed simulate left a partial directory")
	}
	if msg, err := runCLI(t, "simulate", "-o", out, "--duration", "0.2", "--cameras", "none"); err != nil {
		t.Fatalf("rerun: %v\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(out, "metadata.yaml")); err != nil {
		t.Fatal(err)
	}
}

// TestSimulateDetectorSize: --detector-size sets the letterbox of a pose
// dataset's detector frames (a larger detector input is trained from
// them), and is refused where it means nothing or cannot be a detector's
// input.
func TestSimulateDetectorSize(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pose")
	if msg, err := runCLI(t, "simulate", "--dataset", "pose", "--detector-size", "160", "-o", out, "--seed", "7", "--duration", "0.25",
		"--cameras", "front", "--width", "320", "--height", "240", "--every", "3"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	a, err := npy.ReadFile(filepath.Join(out, "images.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if s := a.Shape; len(s) != 4 || s[1] != 3 || s[2] != 160 || s[3] != 160 || s[0] < 1 {
		t.Fatalf("images.npy %v, want [M, 3, 160, 160]", s)
	}
	for _, bad := range [][]string{
		{"--dataset", "pose", "--detector-size", "100"},
		{"--dataset", "pose", "--detector-size", "0"},
		{"--dataset", "lidarseg", "--detector-size", "640"},
	} {
		args := append([]string{"simulate", "-o", filepath.Join(t.TempDir(), "x"), "--duration", "0.1"}, bad...)
		if _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "--detector-size") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
