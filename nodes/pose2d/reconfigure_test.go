package pose2dnode

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/paramschema"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/perception/pose"
)

// reconfNode is newNode keeping the parameter set, for Reconfigure; with
// describe it loads no model.
func reconfNode(t *testing.T, describe bool, extra map[string]any) (*Node, *param.Set) {
	t.Helper()
	values, err := param.LoadFile(filepath.Join("..", "..", "params", "pose2d.yaml"), "pose2d")
	if err != nil {
		t.Fatal(err)
	}
	if !describe {
		needORT(t)
		values["detector.path"], values["model.path"] = buildModels(t, t.TempDir())
	}
	values["tracking.min_hits"] = 1
	for k, v := range extra {
		values[k] = v
	}
	ps := param.New("pose2d", values)
	n, err := New(node.Env{Name: "pose2d", Params: ps, Stats: node.NewStats(), Describe: describe})
	if err == nil {
		err = ps.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n.(*Node), ps
}

// TestReconfigure: run-time changes reach the node from the frame after
// apply, not before: marker size, overlay off, the person score threshold
// (a new decoder), tracking off and on again (ids go on, none reused), the
// tracker's configuration (tracks kept); bad values are refused naming the
// parameter and the node keeps its old ones; the overlay cannot be turned on
// when the node started without it (its topic is not advertised).
func TestReconfigure(t *testing.T) {
	n, ps := reconfNode(t, false, nil)
	for name, want := range map[string]bool{"pose.keypoint_threshold": true, "tracking.one_euro.beta": true, "overlay.enabled": true,
		"model.path": false, "image.topic": false, "detector.max_people": false, "model.providers": false} {
		if in, _ := ps.Info(name); in.Dynamic != want {
			t.Errorf("%s: dynamic %v, want %v", name, in.Dynamic, want)
		}
	}
	var r recorder
	n.Handle(infoMsg(header(frameID)), &r)
	type out struct {
		skel     gopercept_msgs.Skeleton2DArray
		overlays int
		joint    float64
	}
	frame := func() out {
		t.Helper()
		h := header(frameID)
		overlays := r.count(n.cfg.OverlayTopic)
		if err := n.Handle(depthMsg(h, imgW, imgH, 2.5), &r); err != nil {
			t.Fatal(err)
		}
		if err := n.Handle(goodImage(h), &r); err != nil {
			t.Fatal(err)
		}
		var o out
		r.last(t, n.cfg.SkeletonsTopic, &o.skel)
		if o.skel.Header != h {
			t.Fatalf("skeletons of %+v, want the frame %+v", o.skel.Header, h)
		}
		o.overlays = r.count(n.cfg.OverlayTopic) - overlays
		var ma visualization_msgs.MarkerArray
		r.last(t, n.cfg.MarkersTopic, &ma)
		if len(ma.Markers) > 1 {
			o.joint = ma.Markers[1].Scale.X
		}
		return o
	}
	change := func(values map[string]any) func() {
		t.Helper()
		apply, err := n.Reconfigure(ps.With(values))
		if err != nil {
			t.Fatalf("%v: %v", values, err)
		}
		return apply
	}
	id := func(o out) uint64 {
		t.Helper()
		if len(o.skel.Skeletons) != 1 {
			t.Fatalf("%d skeletons, want 1", len(o.skel.Skeletons))
		}
		return o.skel.Skeletons[0].TrackID
	}

	if o := frame(); id(o) != 1 || o.overlays != 1 || o.joint != 0.05 {
		t.Fatalf("first frame: id %d, %d overlays, joint %g; want 1, 1, 0.05", id(o), o.overlays, o.joint)
	}
	tracker := n.tracker
	apply := change(map[string]any{"markers.joint_size": 0.1, "overlay.enabled": false, "tracking.max_misses": 4, "tracking.one_euro.beta": 0.5})
	if o := frame(); o.overlays != 1 || o.joint != 0.05 {
		t.Fatalf("before apply: %d overlays, joint %g; want the old 1 and 0.05", o.overlays, o.joint)
	}
	apply()
	if o := frame(); id(o) != 1 || o.overlays != 0 || o.joint != 0.1 {
		t.Fatalf("after apply: id %d, %d overlays, joint %g; want 1 (track kept), 0, 0.1", id(o), o.overlays, o.joint)
	}
	if c := n.tracker.Config(); n.tracker != tracker || c.MaxMisses != 4 || c.Beta != 0.5 {
		t.Errorf("tracker %p (was %p) with max_misses %d, beta %g; want the same tracker reconfigured", n.tracker, tracker, c.MaxMisses, c.Beta)
	}

	// The person scores 0.9 · 0.95; the decoder and the node drop it above.
	change(map[string]any{"pose.score_threshold": 0.9})()
	if o := frame(); len(o.skel.Skeletons) != 0 {
		t.Fatalf("pose.score_threshold 0.9: %d skeletons, want 0", len(o.skel.Skeletons))
	}
	// Keypoints scoring 0.95 under a 0.96 threshold: the new decoder marks
	// them occluded (the person kept with score 0 ≥ 0).
	change(map[string]any{"pose.keypoint_threshold": 0.96, "pose.score_threshold": 0.0})()
	if o := frame(); len(o.skel.Skeletons) != 1 || o.skel.Skeletons[0].Keypoints[0].Visibility != pose.Occluded {
		t.Fatalf("pose.keypoint_threshold 0.96: %+v, want one skeleton with occluded keypoints", o.skel.Skeletons)
	}
	change(map[string]any{"pose.keypoint_threshold": 0.3, "pose.score_threshold": 0.25})()
	change(map[string]any{"tracking.enabled": false})()
	if o := frame(); id(o) != 0 {
		t.Fatalf("tracking off: id %d, want 0", id(o))
	}
	change(map[string]any{"tracking.enabled": true})()
	if o := frame(); id(o) != 2 {
		t.Fatalf("tracking on again: id %d, want 2 (1 is not handed out again)", id(o))
	}

	for _, bad := range []struct {
		change map[string]any
		param  string
	}{
		{map[string]any{"pose.keypoint_threshold": 1.5}, "pose.keypoint_threshold"},
		{map[string]any{"detector.tiles": 5}, "detector.tiles"},
		{map[string]any{"tracking.min_similarity": 0.0}, "tracking.min_similarity"},
		{map[string]any{"plausibility.mode": "maybe"}, "plausibility.mode"},
		{map[string]any{"markers.line_width": -1.0}, "markers.line_width"},
	} {
		if _, err := n.Reconfigure(ps.With(bad.change)); err == nil || !strings.Contains(err.Error(), bad.param) {
			t.Errorf("%v: error %v, want one naming %s", bad.change, err, bad.param)
		}
	}
	if o := frame(); id(o) != 2 || n.cfg.KeypointThreshold != 0.3 || n.cfg.DetTiles != 1 || n.cfg.PlausibilityMode != "flag" {
		t.Fatalf("after refusals: id %d, keypoint threshold %g, tiles %d, plausibility %s; want the old values", id(o), n.cfg.KeypointThreshold, n.cfg.DetTiles, n.cfg.PlausibilityMode)
	}

	off, psOff := reconfNode(t, true, map[string]any{"overlay.enabled": false})
	if _, err := off.Reconfigure(psOff.With(map[string]any{"overlay.enabled": true})); err == nil || !strings.Contains(err.Error(), "overlay.enabled") {
		t.Errorf("overlay on for a node started without it: %v, want a refusal naming overlay.enabled", err)
	}
}

// TestDynamicRangesMatchSchema: every run-time parameter's declared range is
// the one params/pose2d.schema.json gives, and the node refuses an exclusive
// end itself (internal/paramschema).
func TestDynamicRangesMatchSchema(t *testing.T) {
	n, ps := reconfNode(t, true, nil)
	paramschema.CheckDynamic(t, filepath.Join("..", "..", "params", "pose2d.schema.json"), "/**/pose2d", ps, func(name string, v any) error {
		_, err := n.Reconfigure(ps.With(map[string]any{name: v}))
		return err
	})
}
