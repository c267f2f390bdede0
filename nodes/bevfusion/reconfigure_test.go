package bevfusionnode

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/param"
	"github.com/gopercept/gopercept/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/rosmsg/vision_msgs"
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
// the one params/bevfusion.schema.json gives (minimum, else exclusive
// minimum, to maximum; array items' bounds; no bounds, no range), and the
// node refuses an exclusive end itself.
func TestDynamicRangesMatchSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "params", "bevfusion.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, nil, false)
	checkRanges(t, raw, "/**/bevfusion", r.ps, func(name string, v any) error {
		_, err := r.n.(*Node).Reconfigure(r.ps.With(map[string]any{name: v}))
		return err
	})
}

// checkRanges compares the Dynamic parameters' ranges in ps with the schema
// raw's bounds under section; reconfigure sets one value on the node.
func checkRanges(t *testing.T, raw []byte, section string, ps *param.Set, reconfigure func(name string, v any) error) {
	t.Helper()
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	get := func(m any, keys ...string) map[string]any {
		for _, k := range keys {
			mm, _ := m.(map[string]any)
			m = mm[k]
		}
		mm, _ := m.(map[string]any)
		return mm
	}
	leaves := map[string]map[string]any{}
	var walk func(prefix string, s map[string]any)
	walk = func(prefix string, s map[string]any) {
		if s["type"] == "object" {
			for k, v := range get(s, "properties") {
				name := k
				if prefix != "" {
					name = prefix + "." + k
				}
				walk(name, v.(map[string]any))
			}
			return
		}
		leaves[prefix] = s
	}
	walk("", get(file, "properties", section, "properties", "ros__parameters"))
	if len(leaves) == 0 {
		t.Fatalf("no parameters under %s in the schema", section)
	}
	dynamic := 0
	for _, name := range ps.Names() {
		in, _ := ps.Info(name)
		if !in.Dynamic {
			continue
		}
		dynamic++
		s, ok := leaves[name]
		if !ok {
			t.Errorf("%s: not in the schema", name)
			continue
		}
		if items := get(s, "items"); items != nil {
			s = items
		}
		num := func(k string) (float64, bool) { f, ok := s[k].(float64); return f, ok }
		lo, hasLo := num("minimum")
		exLo, hasExLo := num("exclusiveMinimum")
		hi, hasHi := num("maximum")
		if !hasLo && hasExLo {
			lo, hasLo = exLo, true
		}
		if !hasLo && !hasHi {
			if in.Range != nil {
				t.Errorf("%s: range %v, but the schema bounds nothing", name, *in.Range)
			}
			continue
		}
		want := param.Range{From: math.Inf(-1), To: math.Inf(1)}
		if hasLo {
			want.From = lo
		}
		if hasHi {
			want.To = hi
		}
		if in.Range == nil || *in.Range != want {
			t.Errorf("%s: range %v, want the schema's %v", name, in.Range, want)
			continue
		}
		if hasExLo {
			var v any = exLo
			switch {
			case in.Type == param.TypeInteger:
				v = int(exLo)
			case in.Type == param.TypeDoubleArray:
				v = []float64{exLo}
			}
			if err := reconfigure(name, v); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s = %v (the schema's exclusive minimum): error %v, want a refusal naming it", name, v, err)
			}
		}
	}
	if dynamic == 0 {
		t.Fatal("no dynamic parameters")
	}
}
