// Package paramschema reads the numeric bounds of a node's parameters from
// its params/<node>.schema.json and checks the ranges the node declares for
// its run-time (Dynamic) parameters against them, so that what ROS 2's
// describe reports and what the schema says cannot drift apart.
package paramschema

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/param"
)

// Bounds are one parameter's numeric bounds in the schema (an array's are
// its items').
type Bounds struct {
	Min, Max       float64
	HasMin, HasMax bool
	ExclusiveMin   bool // Min is the schema's exclusiveMinimum
	Array, Integer bool
	Bounded        bool // HasMin || HasMax
	Schema         map[string]any
}

// Range is the param.Range a node declares for b: Min (an exclusive minimum
// too, which the node must refuse itself) to Max, open ends infinite.
func (b Bounds) Range() param.Range {
	r := param.Range{From: math.Inf(-1), To: math.Inf(1)}
	if b.HasMin {
		r.From = b.Min
	}
	if b.HasMax {
		r.To = b.Max
	}
	return r
}

// Read returns the bounds of every parameter under the schema's section
// (e.g. "/**/pose2d"), by dotted name as package param names them.
func Read(path, section string) (map[string]Bounds, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("paramschema: %s: %w", path, err)
	}
	get := func(m any, keys ...string) map[string]any {
		for _, k := range keys {
			mm, _ := m.(map[string]any)
			m = mm[k]
		}
		mm, _ := m.(map[string]any)
		return mm
	}
	root := get(file, "properties", section, "properties", "ros__parameters")
	if root == nil {
		return nil, fmt.Errorf("paramschema: %s has no %s.ros__parameters", path, section)
	}
	out := map[string]Bounds{}
	var walk func(prefix string, s map[string]any)
	walk = func(prefix string, s map[string]any) {
		if s["type"] == "object" {
			for k, v := range get(s, "properties") {
				name := k
				if prefix != "" {
					name = prefix + "." + k
				}
				m, _ := v.(map[string]any)
				walk(name, m)
			}
			return
		}
		b := Bounds{Schema: s}
		if items := get(s, "items"); items != nil {
			b.Array, s = true, items
		}
		b.Integer = s["type"] == "integer"
		num := func(k string) (float64, bool) { f, ok := s[k].(float64); return f, ok }
		b.Min, b.HasMin = num("minimum")
		if !b.HasMin {
			b.Min, b.HasMin = num("exclusiveMinimum")
			b.ExclusiveMin = b.HasMin
		}
		b.Max, b.HasMax = num("maximum")
		b.Bounded = b.HasMin || b.HasMax
		out[prefix] = b
	}
	walk("", root)
	return out, nil
}

// CheckDynamic fails t for every Dynamic parameter of ps that the schema at
// path does not list, whose declared range is not the schema's (Bounds.Range;
// no bounds, no range), or, where the schema's minimum is exclusive, that
// reconfigure (setting one value on the running node) does not refuse at
// that minimum with an error naming the parameter.
func CheckDynamic(t testing.TB, path, section string, ps *param.Set, reconfigure func(name string, v any) error) {
	t.Helper()
	bounds, err := Read(path, section)
	if err != nil {
		t.Fatal(err)
	}
	dynamic := 0
	for _, name := range ps.Names() {
		in, _ := ps.Info(name)
		if !in.Dynamic {
			continue
		}
		dynamic++
		b, ok := bounds[name]
		switch {
		case !ok:
			t.Errorf("%s: run-time parameter missing from %s", name, path)
			continue
		case !b.Bounded:
			if in.Range != nil {
				t.Errorf("%s: declared range %v, but %s bounds nothing", name, *in.Range, path)
			}
			continue
		case in.Range == nil || *in.Range != b.Range():
			t.Errorf("%s: declared range %v, want the schema's %v", name, in.Range, b.Range())
			continue
		}
		if b.ExclusiveMin {
			var v any = b.Min
			switch {
			case b.Array:
				v = []float64{b.Min}
			case b.Integer:
				v = int(b.Min)
			}
			if err := reconfigure(name, v); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s = %v (the schema's exclusive minimum): error %v, want a refusal naming it", name, v, err)
			}
		}
	}
	if dynamic == 0 {
		t.Errorf("%s declares no run-time parameters", section)
	}
}
