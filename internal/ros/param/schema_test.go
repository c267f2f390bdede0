package param

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compileSchema compiles params/<node>.schema.json with a JSON-Schema
// (draft 2020-12) validator, not with our own reading of it.
func compileSchema(t *testing.T, node string) *jsonschema.Schema {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "..", "params", node+".schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

// instance turns YAML into what the validator takes: JSON values.
func instance(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestSchemasAcceptShippedFiles validates each shipped params file, and
// the same parameters under every section form rclcpp reads, plus a "/**"
// section holding another node's parameters.
func TestSchemasAcceptShippedFiles(t *testing.T) {
	for _, node := range []string{"lidarseg", "pose2d", "bevfusion"} {
		s := compileSchema(t, node)
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", "params", node+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(instance(t, raw)); err != nil {
			t.Errorf("params/%s.yaml against its schema: %v", node, err)
		}
		for _, sec := range []string{node, "/" + node, "/veh1/" + node, "/*/" + node, "/veh1/sub/" + node} {
			moved := strings.Replace(string(raw), "/**/"+node+":", sec+":", 1)
			if moved == string(raw) {
				t.Fatalf("params/%s.yaml has no /**/%s section", node, node)
			}
			if err := s.Validate(instance(t, []byte(moved))); err != nil {
				t.Errorf("%s's parameters under %q: %v", node, sec, err)
			}
		}
		shared := string(raw) + `
/**:
  ros__parameters:
    use_sim_time: true
    some_other_nodes_parameter: 3
    qos_overrides:
      /lidarseg/labelled:
        publisher:
          reliability: best_effort
          depth: 5
/veh1/*:
  ros__parameters:
    use_sim_time: false
`
		if err := s.Validate(instance(t, []byte(shared))); err != nil {
			t.Errorf("%s with /** and /veh1/* sections: %v", node, err)
		}
		own := strings.Replace(string(raw), "ros__parameters:\n", "ros__parameters:\n    use_sim_time: true\n    qos_overrides:\n      /x:\n        subscription:\n          history: keep_last\n", 1)
		if err := s.Validate(instance(t, []byte(own))); err != nil {
			t.Errorf("%s with use_sim_time and qos_overrides in its own section: %v", node, err)
		}
	}
}

// TestSchemasReject makes sure the validator is not vacuous: each of these
// is a mistake the schema must catch.
func TestSchemasReject(t *testing.T) {
	for _, node := range []string{"lidarseg", "pose2d", "bevfusion"} {
		s := compileSchema(t, node)
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", "params", node+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for what, f := range map[string]string{
			"an undeclared parameter":  strings.Replace(string(raw), "ros__parameters:\n", "ros__parameters:\n    not_a_parameter: 1\n", 1),
			"a wrong type":             strings.Replace(string(raw), "ros__parameters:\n", "ros__parameters:\n    use_sim_time: 3\n", 1),
			"an invalid QoS value":     "/**:\n  ros__parameters:\n    qos_overrides:\n      /a:\n        publisher:\n          reliability: sometimes\n",
			"an unknown QoS policy":    "/**:\n  ros__parameters:\n    qos_overrides:\n      /a:\n        publisher:\n          reliabilty: reliable\n",
			"another node's section":   "/veh1/other_node:\n  ros__parameters:\n    k: 1\n",
			"no ros__parameters":       "/**/" + node + ":\n  parameters:\n    k: 1\n",
			"an empty file":            "{}\n",
			"a section name with dash": "/veh-1/" + node + ":\n  ros__parameters: {}\n",
		} {
			if err := s.Validate(instance(t, []byte(f))); err == nil {
				t.Errorf("%s schema accepts %s", node, what)
			}
		}
	}
}
