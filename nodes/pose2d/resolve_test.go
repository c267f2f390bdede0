package pose2dnode

import (
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

// TestFactsNameResolvedTopics: with a driver's resolver the node's own
// messages name topics as the graph shows them (namespace, remapping): the
// missing-depth reason in the "3d" fact and an unknown input's drop.
func TestFactsNameResolvedTopics(t *testing.T) {
	needORT(t)
	det, pm := buildModels(t, t.TempDir())
	values := map[string]any{"model.path": pm, "detector.path": det, "tracking.min_hits": 1, "depth.topic": "camera/depth"}
	resolve := func(name string) string {
		if name == "camera/depth" { // as with -r camera/depth:=/cam/aligned_depth_to_color/image_raw
			return "/cam/aligned_depth_to_color/image_raw"
		}
		return "/veh1/" + name
	}
	st := node.NewStats()
	nn, err := New(node.Env{Name: "pose2d", Params: param.New("pose2d", values), Stats: st, Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	var r recorder
	// Two colour images and no depth: the first waits for its depth, the
	// second gives up on it.
	h := header(frameID)
	for _, m := range []*node.Msg{infoMsg(h), goodImage(h), goodImage(header(frameID))} {
		if err := nn.Handle(m, &r); err != nil {
			t.Fatal(err)
		}
	}
	want := "no depth image received on /cam/aligned_depth_to_color/image_raw"
	if f := st.Snapshot().Facts["3d"]; !strings.HasSuffix(f, want) {
		t.Errorf("3d fact %q, want it to end %q", f, want)
	}
	err = nn.Handle(&node.Msg{Topic: "camera/unknown", Data: []byte{0, 1, 0, 0}}, &r)
	if node.DropReason(err) != "unknown topic" || !strings.Contains(err.Error(), `"/veh1/camera/unknown"`) {
		t.Errorf("unknown input: %v, want a drop naming /veh1/camera/unknown", err)
	}
}
