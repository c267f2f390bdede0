package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gopercept/gopercept/internal/jsonnull"
)

// parseInterspersed parses flags that may come before, between or after
// positional arguments ("replay a.mcap -o out.mcap b.mcap").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	b, err := jsonnull.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// rosArgs collects ROS-style overrides: -p [node:]name:=value and
// -r [node:]from:=to, as the live nodes take them after --ros-args.
type rosArgs struct {
	params map[string]map[string]any    // node ("" = every node) → name → value
	remap  map[string]map[string]string // node ("" = every node) → from → to
}

func (a *rosArgs) register(fs *flag.FlagSet) {
	fs.Func("p", "parameter override `[node:]name:=value` (YAML value, as ros2 run's -p); repeatable", func(s string) error {
		node, name, val, err := splitAssign(s)
		if err != nil {
			return err
		}
		var v any
		if err := yaml.Unmarshal([]byte(val), &v); err != nil {
			return fmt.Errorf("-p %s: value %q is not YAML: %w", s, val, err)
		}
		if a.params == nil {
			a.params = map[string]map[string]any{}
		}
		if a.params[node] == nil {
			a.params[node] = map[string]any{}
		}
		a.params[node][name] = v
		return nil
	})
	fs.Func("r", "topic remapping `[node:]from:=to` (as ros2 run's -r); repeatable", func(s string) error {
		node, from, to, err := splitAssign(s)
		if err != nil {
			return err
		}
		if a.remap == nil {
			a.remap = map[string]map[string]string{}
		}
		if a.remap[node] == nil {
			a.remap[node] = map[string]string{}
		}
		a.remap[node][from] = to
		return nil
	})
}

// splitAssign splits "[node:]name:=value".
func splitAssign(s string) (node, name, value string, err error) {
	left, value, ok := strings.Cut(s, ":=")
	if !ok || left == "" {
		return "", "", "", fmt.Errorf("%q is not [node:]name:=value", s)
	}
	if n, rest, ok := strings.Cut(left, ":"); ok {
		node, left = n, rest
	}
	if left == "" || node == "" && strings.HasSuffix(s, ":") {
		return "", "", "", fmt.Errorf("%q is not [node:]name:=value", s)
	}
	return node, left, value, nil
}

// forNode merges the overrides for every node with those for name (the
// latter win) over base.
func (a *rosArgs) forNode(name string, base map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for _, m := range []map[string]any{a.params[""], a.params[name]} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// nodeParams is forNode for each of nodes.
func (a *rosArgs) nodeParams(nodes []string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, n := range nodes {
		out[n] = a.forNode(n, nil)
	}
	return out
}

// forRemap merges the remappings for every node with those for name.
func (a *rosArgs) forRemap(name string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a.remap[""], a.remap[name]} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
