package param

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Decl is one declared parameter.
type Decl struct {
	Name        string
	Default     any
	Description string // one sentence with the unit, e.g. "Upper field of view in degrees."
}

// Set holds the values given to one node and records what it declares.
type Set struct {
	node     string
	values   map[string]any
	decls    []Decl
	declared map[string]bool
	errs     []error
	meta     meta            // ranges and run-time changes (dynamic.go)
	fileOnly map[string]bool // given only by parameter files (layered.go)
}

// New returns a Set for node holding values (flattened names with dots, as
// ROS 2 names nested parameters).
func New(node string, values map[string]any) *Set {
	if values == nil {
		values = map[string]any{}
	}
	return &Set{node: node, values: values, declared: map[string]bool{}}
}

func (s *Set) declare(name string, def any, desc string) (any, bool) {
	if !s.declared[name] {
		s.declared[name] = true
		s.decls = append(s.decls, Decl{Name: name, Default: def, Description: desc})
	}
	v, ok := s.values[name]
	return v, ok
}

// fail records that name was given v of the wrong type, as the shared
// *configerr.Error in the node's context.
func (s *Set) fail(name string, v any, want string) {
	s.bad(configerr.New(name, v, "is %T, want %s", v, want))
}

// bad records a *configerr.Error for one of the node's parameters.
func (s *Set) bad(err error) {
	s.errs = append(s.errs, fmt.Errorf("param: %s: %w", s.node, err))
}

// Float declares a float parameter (integers in YAML are accepted).
func (s *Set) Float(name string, def float64, desc string) float64 {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	s.fail(name, v, "a number")
	return def
}

// Int declares an integer parameter.
func (s *Set) Int(name string, def int, desc string) int {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	if x, ok := v.(int); ok {
		return x
	}
	s.fail(name, v, "an integer")
	return def
}

// Bool declares a boolean parameter.
func (s *Set) Bool(name string, def bool, desc string) bool {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	if x, ok := v.(bool); ok {
		return x
	}
	s.fail(name, v, "true or false")
	return def
}

// String declares a string parameter.
func (s *Set) String(name string, def string, desc string) string {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	if x, ok := v.(string); ok {
		return x
	}
	s.fail(name, v, "a string")
	return def
}

// Strings declares a string-array parameter.
func (s *Set) Strings(name string, def []string, desc string) []string {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	arr, ok := v.([]any)
	if !ok {
		s.fail(name, v, "a list of strings")
		return def
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		str, ok := e.(string)
		if !ok {
			s.fail(name, v, "a list of strings")
			return def
		}
		out = append(out, str)
	}
	return out
}

// Floats declares a float-array parameter.
func (s *Set) Floats(name string, def []float64, desc string) []float64 {
	v, ok := s.declare(name, def, desc)
	if !ok {
		return def
	}
	arr, ok := v.([]any)
	if !ok {
		s.fail(name, v, "a list of numbers")
		return def
	}
	out := make([]float64, 0, len(arr))
	for _, e := range arr {
		switch x := e.(type) {
		case float64:
			out = append(out, x)
		case int:
			out = append(out, float64(x))
		default:
			s.fail(name, v, "a list of numbers")
			return def
		}
	}
	return out
}

// Decls returns the declarations in declaration order.
func (s *Set) Decls() []Decl { return append([]Decl(nil), s.decls...) }

// Err reports wrongly typed values, invalid qos_overrides values, and values
// for parameters the node never declared that did not come only from a
// parameter file (a typo in -p must not pass silently; a file's are
// Ignored, as rclcpp ignores them). Call it after every parameter has been
// declared. A bad value is a *configerr.Error naming the parameter
// (errors.As finds the first); the messages are joined by "; ".
func (s *Set) Err() error {
	errs := append([]error(nil), s.errs...)
	var unknown []string
	for k := range s.values {
		if s.unknown(k) && !s.fileOnly[k] {
			unknown = append(unknown, k)
		}
	}
	errs = append(errs, s.qosErrs()...)
	sort.Strings(unknown)
	if len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("param: %s does not declare %s", s.node, strings.Join(unknown, ", ")))
	}
	if len(errs) == 0 {
		return nil
	}
	return joined(errs)
}

// joined is several errors on one line, each still reachable by errors.Is
// and errors.As.
type joined []error

func (j joined) Error() string {
	msgs := make([]string, len(j))
	for i, e := range j {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j joined) Unwrap() []error { return j }
