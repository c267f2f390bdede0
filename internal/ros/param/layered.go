package param

import (
	"fmt"
	"sort"
	"strings"
)

// Layered returns a Set for node holding the values of its parameter files
// (files, merged as LoadFile returns them, later files winning) with the
// command-line overrides (-p name:=value) on top. As in rclcpp, a name the
// node never declares is ignored when only a file gives it (one file often
// serves several nodes through "/**"), and reported by Ignored and Warning;
// given by an override it is an error from Err.
func Layered(node string, files, overrides map[string]any) *Set {
	values := make(map[string]any, len(files)+len(overrides))
	fileOnly := map[string]bool{}
	for k, v := range files {
		values[k] = v
		fileOnly[k] = true
	}
	for k, v := range overrides {
		values[k] = v
		delete(fileOnly, k)
	}
	s := New(node, values)
	s.fileOnly = fileOnly
	return s
}

// unknown reports whether name has a value but is neither declared nor one
// every node accepts (use_sim_time, well-formed qos_overrides).
func (s *Set) unknown(name string) bool {
	if s.declared[name] || name == "use_sim_time" {
		return false
	}
	_, _, _, ok := splitQoSOverride(name)
	return !ok
}

// Ignored lists, sorted, the names only parameter files gave that the node
// does not declare. Call it after every parameter has been declared.
func (s *Set) Ignored() []string {
	var out []string
	for k := range s.fileOnly {
		if s.unknown(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Warning is the one line to log about Ignored names, or "" when there are
// none.
func (s *Set) Warning() string {
	ig := s.Ignored()
	if len(ig) == 0 {
		return ""
	}
	return fmt.Sprintf("param: %s does not declare %s: ignored (given by a parameter file)", s.node, strings.Join(ig, ", "))
}
