package param

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadFile reads a ROS 2 parameter file and returns the values it gives
// node, as rclcpp reads it (rclcpp::parameter_map_from): every section whose
// node name matches is applied in file order, a later one overriding an
// earlier one.
//
// node is either the node's fully qualified name ("/veh1/lidarseg", what the
// live driver knows) or its bare name ("lidarseg", for gopercept replay,
// which has no namespace). A section's name gets a leading "/" if it has
// none; "/*" in it stands for one name component and "/**" for any number,
// so "/**", "/**/lidarseg", "lidarseg", "/veh1/lidarseg", "/veh1/*" and
// "/*/lidarseg" are all valid sections. Nested maps above ros__parameters
// are namespaces ("veh1: lidarseg: ros__parameters:" is "/veh1/lidarseg").
// With a bare name a section matches when some namespace would make it
// match; sections naming the node in two different namespaces are then
// ambiguous and an error.
func LoadFile(path, node string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("param: %w", err)
	}
	v, err := Parse(raw, node)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return v, nil
}

// section is one node section of a parameter file.
type section struct {
	name   string         // as rclcpp normalizes it: leading "/"
	params map[string]any // ros__parameters, still nested
}

// Parse is LoadFile on the file's bytes.
func Parse(raw []byte, node string) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("param: parse: %w", err)
	}
	var secs []section
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("param: a parameter file is a map of node names, not a %s", kindName(root))
		}
		var err error
		if secs, err = sections(root, ""); err != nil {
			return nil, err
		}
	}
	fqn := strings.HasPrefix(node, "/")
	out := map[string]any{}
	var literal []string // bare-name mode: literal sections that matched
	for _, sec := range secs {
		re, err := sectionRegexp(sec.name)
		if err != nil {
			return nil, err
		}
		if fqn {
			if !re.MatchString(node) {
				continue
			}
		} else {
			last := sec.name[strings.LastIndex(sec.name, "/")+1:]
			if last != node && !strings.Contains(last, "*") {
				continue
			}
			if !strings.Contains(sec.name, "*") && !contains(literal, sec.name) {
				literal = append(literal, sec.name)
			}
		}
		flatten("", sec.params, out)
	}
	if len(literal) > 1 {
		sort.Strings(literal)
		return nil, fmt.Errorf("param: sections %s all name node %s in different namespaces: give the namespace", strings.Join(literal, ", "), node)
	}
	return out, nil
}

// sections walks the map above ros__parameters: its keys are node names
// or, nested, namespaces and node names (rcl_yaml_param_parser joins them
// with "/").
func sections(m *yaml.Node, prefix string) ([]section, error) {
	var out []section
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i].Value, m.Content[i+1]
		if key == "ros__parameters" {
			if prefix == "" {
				return nil, fmt.Errorf("param: line %d: ros__parameters outside a node section", m.Content[i].Line)
			}
			var ps map[string]any
			if val.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("param: section %q: ros__parameters is a %s, want a map", prefix, kindName(val))
			}
			if err := val.Decode(&ps); err != nil {
				return nil, fmt.Errorf("param: section %q: %w", prefix, err)
			}
			out = append(out, section{name: prefix, params: ps})
			continue
		}
		name := strings.TrimSuffix(prefix, "/") + "/" + strings.Trim(key, "/")
		if prefix == "" && !strings.HasPrefix(key, "/") {
			name = "/" + strings.Trim(key, "/")
		}
		if val.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("param: section %q has no ros__parameters map", name)
		}
		sub, err := sections(val, name)
		if err != nil {
			return nil, err
		}
		if len(sub) == 0 {
			return nil, fmt.Errorf("param: section %q has no ros__parameters map", name)
		}
		out = append(out, sub...)
	}
	return out, nil
}

var nameRe = regexp.MustCompile(`^(/(\*\*|\*|[A-Za-z_][A-Za-z0-9_]*))+$`)

// sectionRegexp turns a section name into rclcpp's pattern: "/*" becomes
// "(/\w+)", so "/**" becomes "(/\w+)*", matched against the whole name.
func sectionRegexp(name string) (*regexp.Regexp, error) {
	if !nameRe.MatchString(name) {
		return nil, fmt.Errorf("param: section %q is not a node name (letters, digits, _ and the wildcards /* and /**)", name)
	}
	return regexp.Compile("^" + strings.ReplaceAll(name, "/*", `(/\w+)`) + "$")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "map"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func flatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(name, sub, out)
			continue
		}
		out[name] = v
	}
}
