package param

import (
	"fmt"
	"math"
	"sort"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Type is a parameter's ROS 2 type, numbered as rcl_interfaces/msg/ParameterType.
type Type uint8

// The parameter types package param declares (no byte or bool arrays).
const (
	TypeNotSet      Type = 0
	TypeBool        Type = 1
	TypeInteger     Type = 2
	TypeDouble      Type = 3
	TypeString      Type = 4
	TypeDoubleArray Type = 8
	TypeStringArray Type = 9
)

func (t Type) String() string {
	switch t {
	case TypeBool:
		return "bool"
	case TypeInteger:
		return "integer"
	case TypeDouble:
		return "double"
	case TypeString:
		return "string"
	case TypeDoubleArray:
		return "double_array"
	case TypeStringArray:
		return "string_array"
	case TypeNotSet:
		return "not set"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Range bounds a numeric parameter (inclusive at both ends), as
// rcl_interfaces' FloatingPointRange and IntegerRange do: with Step > 0 a
// value must be From + k·Step or To; Step 0 allows any value in between.
type Range struct{ From, To, Step float64 }

// Info is what a Set knows about one declared parameter.
type Info struct {
	Decl
	Type    Type
	Dynamic bool   // may change while the node runs
	Range   *Range // nil: unbounded
}

// Reconfigurable is implemented by nodes whose Dynamic parameters can change
// while they run. Reconfigure is called off the node's Handle goroutine with
// a Set holding every current value plus the requested changes; it must
// declare the node's parameters on ps as at start, validate them without
// touching the running node, and return apply, which the driver calls on the
// Handle goroutine before the next frame. An error refuses the change and
// the node keeps its old values.
type Reconfigurable interface {
	Reconfigure(ps *Set) (apply func(), err error)
}

// meta is the run-time part of a Set: which parameters may change and their
// ranges. Declarations record it; drivers read it.
type meta struct {
	dynamic map[string]bool
	ranges  map[string]Range
}

// Dynamic marks the named parameters as changeable while the node runs (the
// node takes them from the next frame). Every other parameter is read once
// at start and reported read-only to ROS 2 tools.
func (s *Set) Dynamic(names ...string) {
	if s.meta.dynamic == nil {
		s.meta.dynamic = map[string]bool{}
	}
	for _, n := range names {
		s.meta.dynamic[n] = true
	}
}

// Range bounds the numeric parameter name (see type Range); a value outside
// it is an error at start and refused at run time.
func (s *Set) Range(name string, from, to, step float64) {
	if s.meta.ranges == nil {
		s.meta.ranges = map[string]Range{}
	}
	r := Range{From: from, To: to, Step: step}
	s.meta.ranges[name] = r
	if v, ok := s.values[name]; ok {
		if x, err := normalize(typeOf(s.defaultOf(name)), v); err == nil {
			if err := r.check(x); err != nil {
				s.bad(configerr.New(name, nil, "%v", err))
			}
		}
	}
}

func (s *Set) defaultOf(name string) any {
	for _, d := range s.decls {
		if d.Name == name {
			return d.Default
		}
	}
	return nil
}

// Names returns the declared parameter names, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.decls))
	for _, d := range s.decls {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

// Info describes the declared parameter name.
func (s *Set) Info(name string) (Info, bool) {
	if !s.declared[name] {
		return Info{}, false
	}
	d := Decl{Name: name}
	for _, x := range s.decls {
		if x.Name == name {
			d = x
			break
		}
	}
	in := Info{Decl: d, Type: typeOf(d.Default), Dynamic: s.meta.dynamic[name]}
	if r, ok := s.meta.ranges[name]; ok {
		in.Range = &r
	}
	return in, true
}

// Value returns the current value of the declared parameter name, the given
// one or else the default, as the Go type its declaration returns (bool,
// int, float64, string, []float64 or []string).
func (s *Set) Value(name string) (any, bool) {
	in, ok := s.Info(name)
	if !ok {
		return nil, false
	}
	if v, ok := s.values[name]; ok {
		if x, err := normalize(in.Type, v); err == nil {
			return x, true
		}
	}
	return in.Default, true
}

// Check reports why name may not take v at run time: undeclared, not
// Dynamic, of another type (v as from Value: an int for an integer, a
// float64 for a double, ...) or out of its Range. nil means the node may be
// asked to take it.
func (s *Set) Check(name string, v any) error {
	in, ok := s.Info(name)
	if !ok {
		return fmt.Errorf("parameter %s is not declared by %s", name, s.node)
	}
	if !in.Dynamic {
		return fmt.Errorf("parameter %s is read-only while %s runs (it is read once at start); restart the node to change it", name, s.node)
	}
	if got := typeOf(v); got != in.Type {
		return fmt.Errorf("parameter %s is of type %s, cannot set it to a %s", name, in.Type, got)
	}
	if in.Range != nil {
		if err := in.Range.check(v); err != nil {
			return fmt.Errorf("parameter %s: %v", name, err)
		}
	}
	return nil
}

// With returns a new, undeclared Set for the same node holding s's given
// values with changes on top, for Reconfigurable.Reconfigure.
func (s *Set) With(changes map[string]any) *Set {
	vals := make(map[string]any, len(s.values)+len(changes))
	for k, v := range s.values {
		vals[k] = v
	}
	for k, v := range changes {
		vals[k] = v
	}
	n := New(s.node, vals)
	// Names only a file gave stay ignored (Layered), unless changed now.
	n.fileOnly = map[string]bool{}
	for k := range s.fileOnly {
		if _, changed := changes[k]; !changed {
			n.fileOnly[k] = true
		}
	}
	return n
}

// Update records accepted changes as s's values. Call it after the node took
// them; Check first.
func (s *Set) Update(changes map[string]any) {
	for k, v := range changes {
		s.values[k] = v
	}
}

// typeOf returns the parameter type of a declaration's default (or of a
// value of that Go type).
func typeOf(v any) Type {
	switch v.(type) {
	case bool:
		return TypeBool
	case int:
		return TypeInteger
	case float64:
		return TypeDouble
	case string:
		return TypeString
	case []float64:
		return TypeDoubleArray
	case []string:
		return TypeStringArray
	}
	return TypeNotSet
}

// normalize converts a value as YAML decodes it into the Go type of t, with
// the conversions the declaring functions make (an integer for a double).
func normalize(t Type, v any) (any, error) {
	switch t {
	case TypeBool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case TypeInteger:
		if x, ok := v.(int); ok {
			return x, nil
		}
	case TypeDouble:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int:
			return float64(x), nil
		}
	case TypeString:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case TypeDoubleArray:
		switch x := v.(type) {
		case []float64:
			return x, nil
		case []any:
			out := make([]float64, 0, len(x))
			for _, e := range x {
				switch f := e.(type) {
				case float64:
					out = append(out, f)
				case int:
					out = append(out, float64(f))
				default:
					return nil, fmt.Errorf("%T in a list of numbers", e)
				}
			}
			return out, nil
		}
	case TypeStringArray:
		switch x := v.(type) {
		case []string:
			return x, nil
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				str, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%T in a list of strings", e)
				}
				out = append(out, str)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%T is not a %s", v, t)
}

// check reports whether v (an int, a float64 or a []float64) lies in r.
func (r Range) check(v any) error {
	var xs []float64
	switch x := v.(type) {
	case int:
		xs = []float64{float64(x)}
	case float64:
		xs = []float64{x}
	case []float64:
		xs = x
	default:
		return nil
	}
	for _, x := range xs {
		if math.IsNaN(x) || x < r.From || x > r.To {
			return fmt.Errorf("%v is outside [%v, %v]", x, r.From, r.To)
		}
		if r.Step > 0 && x != r.To {
			k := (x - r.From) / r.Step
			// rclcpp compares floating-point steps with a relative
			// tolerance; integers are exact.
			if math.Abs(k-math.Round(k)) > 1e-9*math.Max(1, math.Abs(k)) {
				return fmt.Errorf("%v is not %v + a multiple of %v", x, r.From, r.Step)
			}
		}
	}
	return nil
}

// String formats r for descriptions: "[from, to]" or "[from, to] step s".
func (r Range) String() string {
	s := fmt.Sprintf("[%v, %v]", r.From, r.To)
	if r.Step > 0 {
		s += fmt.Sprintf(" step %v", r.Step)
	}
	return s
}
