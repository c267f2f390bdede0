package lidarsegnode

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

// schemaNode is the part of a JSON schema the check reads.
type schemaNode struct {
	Type                 string                `json:"type"`
	Properties           map[string]schemaNode `json:"properties"`
	Required             []string              `json:"required"`
	AdditionalProperties *bool                 `json:"additionalProperties"`
	Enum                 []any                 `json:"enum"`
	Items                *schemaNode           `json:"items"`
}

// leaves flattens the schema's parameters to dotted names, as ROS 2 and
// package param name nested parameters.
func leaves(prefix string, s schemaNode, out map[string]schemaNode, t *testing.T) {
	if s.Type != "object" {
		out[prefix] = s
		return
	}
	if s.AdditionalProperties == nil || *s.AdditionalProperties {
		t.Errorf("schema object %q allows additional properties", prefix)
	}
	if len(s.Required) != len(s.Properties) {
		t.Errorf("schema object %q requires %d of %d properties", prefix, len(s.Required), len(s.Properties))
	}
	for k, v := range s.Properties {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		leaves(name, v, out, t)
	}
}

// TestParamsFile loads params/lidarseg.yaml as the drivers do, builds the
// node from it, and checks the file, the schema and the node's
// declarations name the same parameters with the same types.
func TestParamsFile(t *testing.T) {
	values, err := param.LoadFile("../../params/lidarseg.yaml", "lidarseg")
	if err != nil {
		t.Fatal(err)
	}
	ps := param.New("lidarseg", values)
	n, err := New(node.Env{Name: "lidarseg", Params: ps, Stats: node.NewStats(), Root: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../params/lidarseg.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root schemaNode
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	schema := map[string]schemaNode{}
	leaves("", root.Properties["/**/lidarseg"].Properties["ros__parameters"], schema, t)
	declared := map[string]param.Decl{}
	for _, d := range ps.Decls() {
		declared[d.Name] = d
		s, ok := schema[d.Name]
		if !ok {
			t.Errorf("declared parameter %s missing from the schema", d.Name)
			continue
		}
		if _, ok := values[d.Name]; !ok {
			t.Errorf("parameter %s missing from params/lidarseg.yaml", d.Name)
		}
		var want string
		switch d.Default.(type) {
		case string:
			want = "string"
		case bool:
			want = "boolean"
		case int:
			want = "integer"
		case float64:
			want = "number"
		case []string, []float64:
			want = "array"
		}
		if s.Type != want {
			t.Errorf("%s: schema type %s, declared %T", d.Name, s.Type, d.Default)
		}
		if d.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
		if v, ok := values[d.Name]; ok && len(s.Enum) > 0 {
			found := false
			for _, e := range s.Enum {
				found = found || e == v
			}
			if !found {
				t.Errorf("%s = %v is not in the schema's enum %v", d.Name, v, s.Enum)
			}
		}
	}
	var extra []string
	for k := range schema {
		if _, ok := declared[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("schema names undeclared parameters %v", extra)
	}
	if n.Labels().NumClasses() != 20 {
		t.Error("labels.path not loaded")
	}
}
