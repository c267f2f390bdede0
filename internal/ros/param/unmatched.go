package param

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Unmatched lists the sections of the parameter file at path that name a
// node none of nodes is (bare names, any namespace), such as a misspelt
// "/**/lidarsge": rclcpp ignores them silently, so callers warn.
func Unmatched(path string, nodes []string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("param: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("param: parse %s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil // Parse reports it
	}
	secs, err := sections(doc.Content[0], "")
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	var out []string
	for _, sec := range secs {
		last := sec.name[strings.LastIndex(sec.name, "/")+1:]
		if !strings.Contains(last, "*") && !contains(nodes, last) && !contains(out, sec.name) {
			out = append(out, sec.name)
		}
	}
	return out, nil
}
