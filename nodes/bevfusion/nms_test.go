package bevfusionnode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/perception/bev/head"
)

// TestCircleNMSDefaultsMatchCenterPoint checks the node's circle-NMS
// defaults against CenterPoint's nuScenes configuration as bev/head's
// golden records it: nms_radius is its per-task min_radius, class_names its
// class order, and with nms_groups set to its class→task map every class
// gets its task's radius (without the map the six radii do not cover ten
// classes).
func TestCircleNMSDefaultsMatchCenterPoint(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "perception", "bev", "head", "testdata", "circle_nms_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Config struct {
			Tasks     [][]string `json:"tasks"`
			Classes   []string   `json:"classes"`
			MinRadius []float64  `json:"min_radius"`
		} `json:"config"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("circle_nms_golden.json: %v", err)
	}
	var groups []any
	for ti, task := range g.Config.Tasks {
		for range task {
			groups = append(groups, float64(ti))
		}
	}
	c, err := declare(paramSet(map[string]any{"nms": "circle", "nms_groups": groups}), "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.NMS.MinRadius, g.Config.MinRadius) {
		t.Errorf("nms_radius default %v, CenterPoint min_radius %v", c.NMS.MinRadius, g.Config.MinRadius)
	}
	if !slices.Equal(c.ClassNames, g.Config.Classes) {
		t.Errorf("class_names default %v, CenterPoint classes %v", c.ClassNames, g.Config.Classes)
	}
	n, err := head.NewNMS(c.NMS)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.CheckClasses(len(g.Config.Classes)); err != nil {
		t.Error(err)
	}
	c, err = declare(paramSet(map[string]any{"nms": "circle"}), "")
	if err != nil {
		t.Fatal(err)
	}
	n, err = head.NewNMS(c.NMS)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.CheckClasses(len(g.Config.Classes)); err == nil {
		t.Error("six per-task radii accepted for ten classes without nms_groups")
	}
}

// TestCircleNMSUncoveredClass opens the two-class test fuser with a task
// map that covers only its first class: the node refuses it rather than
// leave the second class without a radius.
func TestCircleNMSUncoveredClass(t *testing.T) {
	needORT(t)
	values := map[string]any{"nms": "circle", "nms_radius": []any{4.0, 1.0, 0.5}, "nms_groups": []any{2.0},
		"grid.x_min": testGridMin, "grid.x_max": -testGridMin, "grid.y_min": testGridMin, "grid.y_max": -testGridMin,
		"grid.resolution": testRes, "fuser_model": writeModel(t, t.TempDir(), "fuser", fuserGraph(), fuserCard)}
	_, err := New(node.Env{Name: "bevfusion", Params: paramSet(values), Stats: node.NewStats()})
	if err == nil || !strings.Contains(err.Error(), "nms_radius") || !strings.Contains(err.Error(), "class 1") {
		t.Fatalf("error %v, want one naming nms_radius and class 1", err)
	}
	values["nms_groups"] = []any{2.0, 0.0}
	n, err := New(node.Env{Name: "bevfusion", Params: paramSet(values), Stats: node.NewStats()})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
}
