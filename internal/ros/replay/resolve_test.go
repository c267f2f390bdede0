package replay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/replay"
	_ "github.com/gopercept/gopercept/nodes/lidarseg" // registers the node
)

// TestDropsNameRemappedTopics: a node's own drop detail names its input as
// remapped (-r lidar/points:=/os_cloud_node/points), the topic the bag has,
// not the node's declared relative name.
func TestDropsNameRemappedTopics(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "ouster.mcap")
	writeClouds(t, in, "/os_cloud_node/points", 2, 0, nil) // empty clouds: "invalid cloud"
	sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Output: filepath.Join(dir, "out.mcap"),
		Nodes: []string{"lidarseg"}, Fast: true,
		Remap: map[string]map[string]string{"lidarseg": {"lidar/points": "/os_cloud_node/points"}}})
	// Every frame dropped: the run fails, and its summary says why.
	if err == nil || sum == nil {
		t.Fatalf("a run with every frame dropped: err %v, summary %v", err, sum)
	}
	if len(sum.Drops) != 2 {
		t.Fatalf("drops %+v, want both empty clouds", sum.Drops)
	}
	for _, d := range sum.Drops {
		if d.Topic != "/os_cloud_node/points" || d.Reason != "invalid cloud" || !strings.Contains(d.Error, "/os_cloud_node/points: ") || strings.Contains(d.Error, "lidar/points") {
			t.Errorf("drop %+v, want an invalid cloud naming /os_cloud_node/points", d)
		}
	}
	var text bytes.Buffer
	sum.WriteText(&text)
	if !strings.Contains(text.String(), "invalid cloud): /os_cloud_node/points: ") {
		t.Errorf("summary does not name the remapped topic in the drop:\n%s", text.String())
	}
}
