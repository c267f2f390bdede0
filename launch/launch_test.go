// Package launch holds gopercept's ROS 2 launch files; this test checks
// them against the code: every executable they start is a node (or rviz2),
// every file they name exists in the package, and every parameter they set
// is one the node declares.
package launch

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/node"
	_ "github.com/gopercept/gopercept/nodes/all"
	"github.com/gopercept/gopercept/param"
)

var (
	executableRe = regexp.MustCompile(`executable='([\w-]+)'`)
	nodeCallRe   = regexp.MustCompile(`gopercept_node\('([\w-]+)'\)`)
	nodesListRe  = regexp.MustCompile(`NODES = \[([^\]]*)\]`)
	// OVERRIDES in _common.py: a node's block, then its
	// 'argument': ('parameter', names_a_file, ...) entries.
	overridesRe = regexp.MustCompile(`(?s)OVERRIDES = \{(.*?)\n\}`)
	blockRe     = regexp.MustCompile(`(?s)'([\w-]+)': \{(.*?)\n    \}`)
	entryRe     = regexp.MustCompile(`'(\w+)': \('([\w.]+)', (True|False)`)
)

// declared builds node name with its parameter file in Describe mode and
// returns the parameters it declares.
func declared(t *testing.T, name string) map[string]bool {
	t.Helper()
	f, err := node.Lookup(name)
	if err != nil {
		t.Fatalf("launch files start %q: %v", name, err)
	}
	values, err := param.LoadFile(filepath.Join("..", "params", name+".yaml"), name)
	if err != nil {
		t.Fatal(err)
	}
	ps := param.New(name, values)
	node.DeclareDriverParams(ps)
	n, err := f(node.Env{Name: name, Params: ps, Stats: node.NewStats(), Root: "..", Describe: true})
	if err != nil {
		t.Fatalf("%s with params/%s.yaml: %v", name, name, err)
	}
	defer n.Close()
	if err := ps.Err(); err != nil {
		t.Fatalf("params/%s.yaml: %v", name, err)
	}
	out := map[string]bool{}
	for _, d := range ps.Decls() {
		out[d.Name] = true
	}
	return out
}

// TestLaunchFilesMatchNodes checks the launch files against the code: each
// node they start is a gopercept node, and every parameter a launch argument
// overrides (OVERRIDES in _common.py) is one that node declares. The launch
// tier (scripts/ros2/launch-test.sh) runs them.
func TestLaunchFilesMatchNodes(t *testing.T) {
	files, _ := filepath.Glob("*.launch.py")
	if len(files) < 4 {
		t.Fatalf("want a launch file per node and perception.launch.py, have %v", files)
	}
	raw, err := os.ReadFile("_common.py")
	if err != nil {
		t.Fatal(err)
	}
	common := string(raw)
	m := overridesRe.FindStringSubmatch(common)
	if m == nil {
		t.Fatal("_common.py has no OVERRIDES table")
	}
	overrides := map[string]bool{}
	for _, b := range blockRe.FindAllStringSubmatch(m[1], -1) {
		name := b[1]
		overrides[name] = true
		decl := declared(t, name)
		entries := entryRe.FindAllStringSubmatch(b[2], -1)
		if len(entries) == 0 {
			t.Errorf("OVERRIDES[%s] has no entries", name)
		}
		for _, e := range entries {
			if !decl[e[2]] {
				t.Errorf("launch argument %s_%s sets %s.%s, which the node does not declare", name, e[1], name, e[2])
			}
		}
		if _, err := os.Stat(filepath.Join("..", "params", name+".yaml")); err != nil {
			t.Errorf("node %s has no params/%s.yaml", name, name)
		}
	}
	for _, n := range node.Names() {
		if !overrides[n] {
			t.Errorf("OVERRIDES lacks node %s", n)
		}
	}
	started := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(raw)
		var names []string
		for _, m := range nodeCallRe.FindAllStringSubmatch(src, -1) {
			names = append(names, m[1])
		}
		if m := nodesListRe.FindStringSubmatch(src); m != nil {
			for _, q := range strings.Split(m[1], ",") {
				names = append(names, strings.Trim(strings.TrimSpace(q), "'"))
			}
		}
		for _, m := range executableRe.FindAllStringSubmatch(src, -1) {
			if m[1] != "rviz2" {
				names = append(names, m[1])
			}
		}
		for _, n := range names {
			if !overrides[n] {
				t.Errorf("%s starts %s, which is not a gopercept node in OVERRIDES", f, n)
			}
			started[n] = true
		}
		if want := strings.TrimSuffix(f, ".launch.py"); want != "perception" && !started[want] {
			t.Errorf("%s does not start %s", f, want)
		}
	}
	for _, n := range node.Names() {
		if !started[n] {
			t.Errorf("no launch file starts %s", n)
		}
	}
	// The parameters every node gets from _common.py must be declared too.
	for _, n := range node.Names() {
		if !declared(t, n)["use_sim_time"] {
			t.Errorf("_common.py sets use_sim_time on every node, but %s does not declare it", n)
		}
	}
	if !strings.Contains(common, "get_package_share_directory('gopercept')") {
		t.Error("_common.py does not resolve files in the installed share directory")
	}
}

// TestRvizShowsNodeOutputs checks that every topic the rviz configuration
// displays is one a node publishes with the matching type.
func TestRvizShowsNodeOutputs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "rviz", "gopercept.rviz"))
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	for _, name := range node.Names() {
		f, _ := node.Lookup(name)
		values, err := param.LoadFile(filepath.Join("..", "params", name+".yaml"), name)
		if err != nil {
			t.Fatal(err)
		}
		ps := param.New(name, values)
		node.DeclareDriverParams(ps)
		n, err := f(node.Env{Name: name, Params: ps, Stats: node.NewStats(), Root: "..", Describe: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range n.Outputs() {
			outputs[resolve(o.Name)] = o.Type
		}
		n.Close()
	}
	displayType := map[string]string{
		"rviz_default_plugins/PointCloud2": "sensor_msgs/msg/PointCloud2",
		"rviz_default_plugins/Map":         "nav_msgs/msg/OccupancyGrid",
		"rviz_default_plugins/MarkerArray": "visualization_msgs/msg/MarkerArray",
		"rviz_default_plugins/Image":       "sensor_msgs/msg/Image",
	}
	var class string
	shown := 0
	for _, line := range strings.Split(string(raw), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "- Class: ") {
			class = strings.TrimPrefix(l, "- Class: ")
		}
		if strings.HasPrefix(l, "Value: /") {
			topic := strings.TrimPrefix(l, "Value: ")
			typ, ok := outputs[topic]
			if !ok {
				t.Errorf("rviz shows %s, which no node publishes with its default parameters", topic)
				continue
			}
			if want := displayType[class]; want != typ {
				t.Errorf("rviz shows %s (%s) with a %s display", topic, typ, class)
			}
			shown++
		}
	}
	if shown < 5 {
		t.Fatalf("rviz shows only %d node topics", shown)
	}
}

func resolve(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/" + name
}
