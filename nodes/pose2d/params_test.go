package pose2dnode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

// schemaNode is the subset of JSON Schema the parameter schemas use.
type schemaNode struct {
	Type                 string                 `json:"type"`
	Properties           map[string]*schemaNode `json:"properties"`
	Required             []string               `json:"required"`
	AdditionalProperties *bool                  `json:"additionalProperties"`
	Enum                 []any                  `json:"enum"`
	Minimum              *float64               `json:"minimum"`
	Maximum              *float64               `json:"maximum"`
	ExclusiveMinimum     *float64               `json:"exclusiveMinimum"`
	Items                *schemaNode            `json:"items"`
	Description          string                 `json:"description"`
}

// leaves flattens the schema's parameter properties to dotted names.
func leaves(prefix string, s *schemaNode, out map[string]*schemaNode) {
	for name, p := range s.Properties {
		full := name
		if prefix != "" {
			full = prefix + "." + name
		}
		if p.Type == "object" {
			leaves(full, p, out)
			continue
		}
		out[full] = p
	}
}

// check validates one value against a leaf schema.
func check(s *schemaNode, v any) error {
	switch s.Type {
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%v is not a string", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
	case "integer", "number":
		var f float64
		switch x := v.(type) {
		case int:
			f = float64(x)
		case float64:
			if s.Type == "integer" {
				return fmt.Errorf("%v is not an integer", v)
			}
			f = x
		default:
			return fmt.Errorf("%v (%T) is not a number", v, v)
		}
		if s.Minimum != nil && f < *s.Minimum || s.Maximum != nil && f > *s.Maximum || s.ExclusiveMinimum != nil && f <= *s.ExclusiveMinimum {
			return fmt.Errorf("%v out of range", v)
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%v is not an array", v)
		}
		for _, it := range items {
			if err := check(s.Items, it); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unsupported schema type %q", s.Type)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		return fmt.Errorf("%v not in %v", v, s.Enum)
	}
	return nil
}

// TestParamsFileSchemaAndDeclarations checks params/pose2d.yaml against
// params/pose2d.schema.json and both against the node's declarations: the
// same names, the schema's types matching the declared defaults, every
// value and every default valid.
func TestParamsFileSchemaAndDeclarations(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "params", "pose2d.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var root schemaNode
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	params := root.Properties["/**/pose2d"].Properties["ros__parameters"]
	schema := map[string]*schemaNode{}
	leaves("", params, schema)

	values, err := param.LoadFile(filepath.Join("..", "..", "params", "pose2d.yaml"), "pose2d")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		s, ok := schema[k]
		if !ok {
			t.Errorf("params file sets %s, which the schema lacks", k)
			continue
		}
		if err := check(s, v); err != nil {
			t.Errorf("params file %s: %v", k, err)
		}
	}
	// The node's declarations (with the driver's).
	needORT(t)
	det, pm := buildModels(t, t.TempDir())
	ps := param.New("pose2d", map[string]any{"model.path": pm, "detector.path": det})
	node.DeclareDriverParams(ps)
	n, err := New(node.Env{Name: "pose2d", Params: ps})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	declared := map[string]bool{}
	for _, d := range ps.Decls() {
		declared[d.Name] = true
		s, ok := schema[d.Name]
		if !ok {
			t.Errorf("declared %s is missing from the schema", d.Name)
			continue
		}
		def := d.Default
		switch list := def.(type) {
		case []string:
			a := []any{}
			for _, x := range list {
				a = append(a, x)
			}
			def = a
		case []float64: // a list of whole numbers (model.input_sizes) is the schema's integers
			a := []any{}
			for _, x := range list {
				if x == float64(int(x)) {
					a = append(a, int(x))
				} else {
					a = append(a, x)
				}
			}
			def = a
		}
		if err := check(s, def); err != nil {
			t.Errorf("default of %s: %v", d.Name, err)
		}
		if d.Description == "" || s.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
	}
	var extra []string
	for k := range schema {
		if !declared[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("schema names undeclared parameters %v", extra)
	}
	// Every node parameter is in the params file (the file is the complete
	// reference).
	for _, d := range ps.Decls() {
		if _, ok := values[d.Name]; !ok && !isDriver(d.Name) {
			t.Errorf("params file lacks %s", d.Name)
		}
	}
}

func isDriver(name string) bool {
	switch name {
	case "use_sim_time", "lazy", "qos.input_reliability", "qos.output_reliability", "diagnostics_period", "managed":
		return true
	}
	return false
}
