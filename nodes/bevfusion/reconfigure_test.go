package bevfusionnode

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/paramschema"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
)

// TestReconfigure: the lidar-only node with the hand-set fuser takes a new
// score threshold and obstacle height from the frame after apply, not
// before; bad values (out of range, an NMS group without a radius, nms_iou
// 0) are refused with the parameter named and the node keeps its old ones;
// a second change restores the detection.
func TestReconfigure(t *testing.T) {
	r := newRig(t, nil, true)
	nd := r.n.(*Node)
	for name, want := range map[string]bool{"score_threshold": true, "nms_radius": true, "obstacle_height": true, "max_wait": true,
		"fuser_model": false, "grid.resolution": false, "cloud_topic": false, "providers": false} {
		if in, _ := r.ps.Info(name); in.Dynamic != want {
			t.Errorf("%s: dynamic %v, want %v", name, in.Dynamic, want)
		}
	}
	ts := 200 * sec
	// frame sends the scene and returns the detections and the object
	// cell (22, 10) of the occupancy grid.
	frame := func() (int, int8) {
		t.Helper()
		ts += sec / 10
		if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
			t.Fatal(err)
		}
		var d vision_msgs.Detection3DArray
		var og nav_msgs.OccupancyGrid
		if !r.pub.last(t, TopicDetections, &d) || !r.pub.last(t, TopicOccupancy, &og) || node.StampNS(d.Header.Stamp) != ts {
			t.Fatalf("no outputs for the frame at %d ns", ts)
		}
		return len(d.Detections), og.Data[10*testCells+22]
	}
	if dets, occ := frame(); dets != 1 || occ != 100 {
		t.Fatalf("before: %d detections, object cell %d; want 1 and 100", dets, occ)
	}
	// The box scores sigmoid(8) ≈ 0.99966; the object points are at 0.9
	// and 1.0 m.
	apply, err := nd.Reconfigure(r.ps.With(map[string]any{"score_threshold": 0.9999, "obstacle_height": 1.5}))
	if err != nil {
		t.Fatal(err)
	}
	if dets, occ := frame(); dets != 1 || occ != 100 {
		t.Fatalf("before apply: %d detections, object cell %d; want the old 1 and 100", dets, occ)
	}
	apply()
	if dets, occ := frame(); dets != 0 || occ != 0 {
		t.Fatalf("after apply: %d detections, object cell %d; want 0 and 0 (free)", dets, occ)
	}
	for _, bad := range []struct {
		change map[string]any
		param  string
	}{
		{map[string]any{"score_threshold": 1.5}, "score_threshold"},
		{map[string]any{"top_k": 0}, "top_k"},
		{map[string]any{"nms_iou": 0.0}, "nms_iou"},
		{map[string]any{"sync_tolerance": -0.1}, "sync_tolerance"},
		{map[string]any{"nms": "circle", "nms_radius": []any{4.0, 1.0}, "nms_groups": []any{0.0, 2.0}}, "min_radius"},
	} {
		if _, err := nd.Reconfigure(r.ps.With(bad.change)); err == nil || !strings.Contains(err.Error(), bad.param) {
			t.Errorf("%v: error %v, want one naming %s", bad.change, err, bad.param)
		}
	}
	if dets, occ := frame(); dets != 0 || occ != 0 || nd.cfg.Head.TopK != 500 || nd.cfg.NMS.Kind.String() != "rotated" {
		t.Fatalf("after refusals: %d detections, object cell %d, top_k %d, nms %s; want the applied values kept", dets, occ, nd.cfg.Head.TopK, nd.cfg.NMS.Kind)
	}
	apply, err = nd.Reconfigure(r.ps.With(map[string]any{"score_threshold": 0.5, "nms": "circle", "nms_radius": []any{4.0}}))
	if err != nil {
		t.Fatal(err)
	}
	apply()
	if dets, occ := frame(); dets != 1 || occ != 100 || nd.cfg.NMS.Kind.String() != "circle" {
		t.Fatalf("after a second change: %d detections, object cell %d, nms %s; want 1, 100 (obstacle_height back to its default) and circle", dets, occ, nd.cfg.NMS.Kind)
	}
}

// TestDynamicRangesMatchSchema: every run-time parameter's declared range is
// the one params/bevfusion.schema.json gives, and the node refuses an
// exclusive end itself (internal/paramschema).
func TestDynamicRangesMatchSchema(t *testing.T) {
	r := newRig(t, nil, false)
	paramschema.CheckDynamic(t, filepath.Join("..", "..", "params", "bevfusion.schema.json"), "/**/bevfusion", r.ps, func(name string, v any) error {
		_, err := r.n.(*Node).Reconfigure(r.ps.With(map[string]any{name: v}))
		return err
	})
}
