package bevfusionnode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

// TestInstalledParams loads the real params/bevfusion.yaml, builds the node
// from it and checks that the file, the schema and the node's declarations
// name the same parameters.
func TestInstalledParams(t *testing.T) {
	root := filepath.Join("..", "..")
	values, err := param.LoadFile(filepath.Join(root, "params", "bevfusion.yaml"), "bevfusion")
	if err != nil {
		t.Fatal(err)
	}
	ps := param.New("bevfusion", values)
	node.DeclareDriverParams(ps)
	n, err := New(node.Env{Name: "bevfusion", Params: ps, Stats: node.NewStats(), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	if got := len(n.Inputs()); got != 1+2*6 {
		t.Errorf("%d inputs from the installed file, want 13 (cloud + 6 cameras × 2)", got)
	}
	var declared []string
	for _, d := range ps.Decls() {
		declared = append(declared, d.Name)
	}
	raw, err := os.ReadFile(filepath.Join(root, "params", "bevfusion.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The schema describes the whole file: the node's section, then its
	// ros__parameters.
	var file struct {
		Properties map[string]struct {
			Properties struct {
				Params struct {
					Properties map[string]struct {
						Properties map[string]any `json:"properties"`
					} `json:"properties"`
				} `json:"ros__parameters"`
			} `json:"properties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	schema := file.Properties["/**/bevfusion"].Properties.Params
	var inSchema []string
	for k, p := range schema.Properties {
		if len(p.Properties) == 0 {
			inSchema = append(inSchema, k)
			continue
		}
		for sub := range p.Properties {
			inSchema = append(inSchema, k+"."+sub)
		}
	}
	sort.Strings(declared)
	sort.Strings(inSchema)
	if !slices.Equal(declared, inSchema) {
		t.Errorf("declared parameters and schema differ:\ndeclared %s\nschema   %s", strings.Join(declared, " "), strings.Join(inSchema, " "))
	}
	for k := range values {
		if !slices.Contains(declared, k) {
			t.Errorf("params file sets %s, which the node does not declare", k)
		}
	}
}
