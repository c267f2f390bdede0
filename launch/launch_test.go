// Package launch holds gopercept's ROS 2 launch files; this test checks
// them against the code: every executable they start is a node (or rviz2),
// every file they name exists in the package, and every parameter they set
// is one the node declares.
package launch

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	_ "github.com/gopercept/gopercept/nodes/all"
	"gopkg.in/yaml.v3"
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

// shipped returns the values of params/<name>.yaml.
func shipped(t *testing.T, name string) map[string]any {
	t.Helper()
	values, err := param.LoadFile(filepath.Join("..", "params", name+".yaml"), name)
	if err != nil {
		t.Fatal(err)
	}
	return values
}

// describe builds node name from values in Describe mode (no models run,
// no topics open) and returns it, for the caller to close, with the
// parameters it declared.
func describe(t *testing.T, name string, values map[string]any) (node.Node, *param.Set) {
	t.Helper()
	f, err := node.Lookup(name)
	if err != nil {
		t.Fatalf("launch files start %q: %v", name, err)
	}
	ps := param.New(name, values)
	node.DeclareDriverParams(ps)
	n, err := f(node.Env{Name: name, Params: ps, Stats: node.NewStats(), Root: "..", Describe: true})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n, ps
}

// declared builds node name with its parameter file in Describe mode and
// returns the parameters it declares.
func declared(t *testing.T, name string) map[string]bool {
	t.Helper()
	n, ps := describe(t, name, shipped(t, name))
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

// TestRvizShowsNodeOutputs loads rviz/gopercept.rviz as YAML and checks
// every display's topic: relative, so that rviz2 started in a namespace
// (perception.launch.py rviz:=true namespace:=veh1) shows that namespace's
// nodes, and, resolved as rviz2 resolves it, a topic a node publishes there
// with the display's message type, in the root namespace and in veh1.
func TestRvizShowsNodeOutputs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "rviz", "gopercept.rviz"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Manager struct {
			Displays []rvizDisplay `yaml:"Displays"`
		} `yaml:"Visualization Manager"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("rviz/gopercept.rviz: %v", err)
	}
	displays := flatten(cfg.Manager.Displays)
	displayType := map[string]string{
		"rviz_default_plugins/PointCloud2": "sensor_msgs/msg/PointCloud2",
		"rviz_default_plugins/Map":         "nav_msgs/msg/OccupancyGrid",
		"rviz_default_plugins/MarkerArray": "visualization_msgs/msg/MarkerArray",
		"rviz_default_plugins/Image":       "sensor_msgs/msg/Image",
	}
	for _, ns := range []string{"", "veh1"} {
		outputs := map[string]string{} // resolved topic → type
		owner := map[string]string{}   // resolved topic → node
		for _, name := range node.Names() {
			_, outs := nodeTopics(t, name, nil)
			for _, o := range outs {
				topic := resolveIn(o.Name, ns, name)
				outputs[topic], owner[topic] = o.Type, name
			}
		}
		shown := map[string]int{} // per node
		for _, d := range displays {
			if d.Topic.Value == "" {
				if _, ok := displayType[d.Class]; ok {
					t.Errorf("display %q (%s) has no topic", d.Name, d.Class)
				}
				continue
			}
			if strings.HasPrefix(d.Topic.Value, "/") || strings.HasPrefix(d.Topic.Value, "~") {
				t.Errorf("display %q shows %s: want a name relative to rviz2's namespace, e.g. lidarseg/labelled", d.Name, d.Topic.Value)
				continue
			}
			topic := resolveIn(d.Topic.Value, ns, "rviz2")
			typ, ok := outputs[topic]
			if !ok {
				t.Errorf("namespace %q: display %q shows %s, which no node publishes with its shipped parameters (they publish %v)", ns, d.Name, topic, sortedKeys(outputs))
				continue
			}
			if want, known := displayType[d.Class]; !known || want != typ {
				t.Errorf("display %q shows %s (%s) with a %s display", d.Name, topic, typ, d.Class)
			}
			shown[owner[topic]]++
		}
		for _, name := range node.Names() {
			if shown[name] == 0 {
				t.Errorf("namespace %q: rviz shows no output of %s", ns, name)
			}
		}
	}
}

// rvizDisplay is one entry of an rviz2 configuration's display tree.
type rvizDisplay struct {
	Class string `yaml:"Class"`
	Name  string `yaml:"Name"`
	Topic struct {
		Value string `yaml:"Value"`
	} `yaml:"Topic"`
	Displays []rvizDisplay `yaml:"Displays"` // rviz_common/Group
}

func flatten(ds []rvizDisplay) []rvizDisplay {
	var out []rvizDisplay
	for _, d := range ds {
		out = append(out, d)
		out = append(out, flatten(d.Displays)...)
	}
	return out
}

// nodeTopics builds node name with its shipped parameter file and
// overrides in Describe mode and returns its inputs and outputs.
func nodeTopics(t *testing.T, name string, overrides map[string]any) (ins, outs []node.Topic) {
	t.Helper()
	values := shipped(t, name)
	for k, v := range overrides {
		values[k] = v
	}
	n, _ := describe(t, name, values)
	defer n.Close()
	return n.Inputs(), n.Outputs()
}

// resolveIn expands a topic name of node nodeName in namespace ns as rcl
// does: "/x" stays, "~/x" is /<ns>/<node>/x, "x" is /<ns>/x.
func resolveIn(name, ns, nodeName string) string {
	prefix := "/" + strings.Trim(ns, "/")
	if prefix == "/" {
		prefix = ""
	}
	switch {
	case strings.HasPrefix(name, "/"):
		return name
	case strings.HasPrefix(name, "~/"):
		return prefix + "/" + nodeName + "/" + name[2:]
	}
	return prefix + "/" + name
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileOnly lists the parameters whose value in params/<node>.yaml differs
// from the node's declared default on purpose, with why. Every other value
// in the files must be the default: `gopercept eval` and `bench` run a node
// with its defaults unless given --params, and the README's figures come
// from them, so a tuned value kept only in the file (detector.max_people
// was 30 there and 10 in the node) makes the figures describe a node no
// vehicle runs.
var fileOnly = map[string]map[string]string{
	"pose2d": {
		"depth.topic": "the file enables lifting with the camera's aligned depth; without one the node runs 2D",
	},
	"lidarseg": {
		"model.path":  "the node requires a model; the file names the shipped one",
		"labels.path": "the node requires a label map; the file names SemanticKITTI's",
	},
	"bevfusion": {
		"cameras":       "the node has no cameras by default; the file names the simulated rig's",
		"encoder_model": "the node requires models; the file names the shipped ones",
		"fuser_model":   "the node requires models; the file names the shipped ones",
		"class_names":   "the node's defaults are CUDA-BEVFusion's nuScenes heads, so a user's export runs unchanged; the file's are bev-small's",
		"nms_scale":     "per class, as class_names",
		"nms_groups":    "per class, as class_names",
	},
}

// TestParamsFilesAreDefaults: what the shipped params files set is the
// nodes' declared default, but for the parameters fileOnly lists.
func TestParamsFilesAreDefaults(t *testing.T) {
	for name, allowed := range fileOnly {
		values := shipped(t, name)
		n, ps := describe(t, name, map[string]any{})
		n.Close()
		for _, d := range ps.Decls() {
			v, ok := values[d.Name]
			if !ok {
				continue
			}
			same := fmt.Sprint(v) == fmt.Sprint(d.Default)
			if _, listed := allowed[d.Name]; listed == same {
				if same {
					t.Errorf("params/%s.yaml: %s is the default (%v) now; drop it from fileOnly", name, d.Name, v)
				} else {
					t.Errorf("params/%s.yaml sets %s to %v, the node's default is %v: make them one, or list it in fileOnly with why", name, d.Name, v, d.Default)
				}
			}
		}
	}
}
