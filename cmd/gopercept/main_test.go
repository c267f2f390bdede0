package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/testfix"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String() + errb.String(), err
}

func TestReplayAndInfo(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	if err := testfix.WriteTFCloudBag(in); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.mcap")
	got, err := runCLI(t, "replay", in, "-o", out, "--fast", "--keep-inputs", "--compression", "lz4", "--json")
	if err != nil {
		t.Fatal(err, got)
	}
	var sum struct {
		MessagesRead    int `json:"messages_read"`
		MessagesWritten int `json:"messages_written"`
		TFMessages      int `json:"tf_messages"`
	}
	if err := json.Unmarshal([]byte(got), &sum); err != nil {
		t.Fatalf("replay --json is not JSON: %v\n%s", err, got)
	}
	if sum.MessagesRead != 11 || sum.MessagesWritten != 11 || sum.TFMessages != 6 {
		t.Fatalf("summary %+v", sum)
	}
	text, err := runCLI(t, "info", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Messages:          11", "Storage id:        mcap", "Topic: /lidar/points | Type: sensor_msgs/msg/PointCloud2", "tf2_msgs/msg/TFMessage"} {
		if !strings.Contains(text, want) {
			t.Errorf("info lacks %q:\n%s", want, text)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"bogus"}, {"replay"}, {"replay", "x.mcap"}, {"info"}, {"replay", "missing.mcap", "-o", "/tmp/x.mcap"}} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if out, err := runCLI(t, "help"); err != nil || !strings.Contains(out, "replay") {
		t.Fatalf("help: %v %s", err, out)
	}
}
