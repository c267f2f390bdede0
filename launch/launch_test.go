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
	shareRe      = regexp.MustCompile(`share\('([\w-]+)', '([\w.-]+)'\)`)
	nodeCallRe   = regexp.MustCompile(`(?s)gopercept_node\('([\w-]+)', \{(.*?)\}\)`)
	dictKeyRe    = regexp.MustCompile(`'([\w.]+)':`)
	includeRe    = regexp.MustCompile(`include\('([\w-]+)'\)`)
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

func TestLaunchFilesMatchNodes(t *testing.T) {
	files, _ := filepath.Glob("*.launch.py")
	if len(files) < 4 {
		t.Fatalf("want a launch file per node and perception.launch.py, have %v", files)
	}
	common, err := os.ReadFile("_common.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(raw)
		for _, m := range executableRe.FindAllStringSubmatch(src, -1) {
			if m[1] == "rviz2" {
				continue
			}
			if _, err := node.Lookup(m[1]); err != nil {
				t.Errorf("%s: executable %s is not a gopercept node", f, m[1])
			}
		}
		for _, m := range shareRe.FindAllStringSubmatch(src, -1) {
			if _, err := os.Stat(filepath.Join("..", m[1], m[2])); err != nil {
				t.Errorf("%s names %s/%s, which the package does not install: %v", f, m[1], m[2], err)
			}
		}
		for _, m := range includeRe.FindAllStringSubmatch(src, -1) {
			if _, err := os.Stat(m[1] + ".launch.py"); err != nil {
				t.Errorf("%s includes missing %s.launch.py", f, m[1])
			}
			if _, err := os.Stat(filepath.Join("..", "params", m[1]+".yaml")); err != nil {
				t.Errorf("%s passes missing params/%s.yaml", f, m[1])
			}
		}
		for _, m := range nodeCallRe.FindAllStringSubmatch(src, -1) {
			decl := declared(t, m[1])
			if _, err := os.Stat(filepath.Join("..", "params", m[1]+".yaml")); err != nil {
				t.Errorf("%s: node %s has no params/%s.yaml", f, m[1], m[1])
			}
			for _, k := range dictKeyRe.FindAllStringSubmatch(m[2], -1) {
				if !decl[k[1]] {
					t.Errorf("%s sets %s.%s, which the node does not declare", f, m[1], k[1])
				}
			}
		}
	}
	// The parameters every node gets from _common.py must be declared too.
	for _, k := range dictKeyRe.FindAllStringSubmatch(string(common), -1) {
		for _, n := range node.Names() {
			if !declared(t, n)[k[1]] {
				t.Errorf("_common.py sets %s on every node, but %s does not declare it", k[1], n)
			}
		}
	}
	if !strings.Contains(string(common), "FindPackageShare('gopercept')") {
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
