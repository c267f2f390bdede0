package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Spec is one parsed .msg definition.
type Spec struct {
	Pkg       string // ROS package, e.g. "sensor_msgs"
	Name      string // message name, e.g. "PointCloud2"
	Text      string // definition text as written (the MCAP schema body)
	Fields    []Field
	Constants []Constant
}

// FullName returns "pkg/Name".
func (s *Spec) FullName() string { return s.Pkg + "/" + s.Name }

// Field is one field of a message.
type Field struct {
	Name    string
	Type    Type
	Default string // literal default value, empty when none
}

// Constant is a named constant of a primitive type.
type Constant struct {
	Name  string
	Type  string // primitive type name
	Value string
}

// Type is a field type: a primitive or a message, optionally an array.
type Type struct {
	Base      string // primitive name or "pkg/Name"
	Primitive bool
	Array     bool // fixed [N] or sequence []
	Fixed     int  // N of a fixed array, 0 for sequences
	Bound     int  // upper bound of a bounded sequence ([<=N]), 0 if unbounded
	StrBound  int  // bound of string<=N, 0 if unbounded
}

var primitives = map[string]int{ // name -> size in bytes (0 for string)
	"bool": 1, "byte": 1, "char": 1, "int8": 1, "uint8": 1,
	"int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "float32": 4,
	"int64": 8, "uint64": 8, "float64": 8, "string": 0,
}

// ParseFile reads pkg/msg/Name.msg.
func ParseFile(pkg, path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), ".msg")
	return Parse(pkg, name, string(raw))
}

// Parse parses the text of a .msg definition.
func Parse(pkg, name, text string) (*Spec, error) {
	s := &Spec{Pkg: pkg, Name: name, Text: strings.TrimRight(text, "\n") + "\n"}
	sc := bufio.NewScanner(strings.NewReader(text))
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 && !strings.Contains(line[:i], "=") {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		typ, rest, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("msggen: %s/%s:%d: expected 'TYPE NAME': %q", pkg, name, lineNo, line)
		}
		rest = strings.TrimSpace(rest)
		t, err := parseType(pkg, typ)
		if err != nil {
			return nil, fmt.Errorf("msggen: %s/%s:%d: %w", pkg, name, lineNo, err)
		}
		if eq := strings.IndexByte(rest, '='); eq >= 0 {
			cname := strings.TrimSpace(rest[:eq])
			val := strings.TrimSpace(rest[eq+1:])
			if t.Base != "string" {
				if i := strings.IndexByte(val, '#'); i >= 0 {
					val = strings.TrimSpace(val[:i])
				}
			}
			if !t.Primitive || t.Array {
				return nil, fmt.Errorf("msggen: %s/%s:%d: constant %s must be a primitive", pkg, name, lineNo, cname)
			}
			s.Constants = append(s.Constants, Constant{Name: cname, Type: t.Base, Value: val})
			continue
		}
		fname, def, _ := strings.Cut(rest, " ")
		s.Fields = append(s.Fields, Field{Name: fname, Type: t, Default: strings.TrimSpace(def)})
	}
	return s, sc.Err()
}

func parseType(pkg, typ string) (Type, error) {
	var t Type
	if i := strings.IndexByte(typ, '['); i >= 0 {
		if !strings.HasSuffix(typ, "]") {
			return t, fmt.Errorf("bad array type %q", typ)
		}
		inner := typ[i+1 : len(typ)-1]
		typ = typ[:i]
		t.Array = true
		switch {
		case inner == "":
		case strings.HasPrefix(inner, "<="):
			n, err := strconv.Atoi(inner[2:])
			if err != nil {
				return t, fmt.Errorf("bad bound in %q", typ)
			}
			t.Bound = n
		default:
			n, err := strconv.Atoi(inner)
			if err != nil || n <= 0 {
				return t, fmt.Errorf("bad array size in %q", typ)
			}
			t.Fixed = n
		}
	}
	if strings.HasPrefix(typ, "string<=") {
		n, err := strconv.Atoi(typ[len("string<="):])
		if err != nil {
			return t, fmt.Errorf("bad string bound %q", typ)
		}
		t.StrBound = n
		typ = "string"
	}
	if _, ok := primitives[typ]; ok {
		t.Base, t.Primitive = typ, true
		return t, nil
	}
	switch typ {
	case "Header":
		typ = "std_msgs/Header"
	case "wstring":
		return t, fmt.Errorf("wstring is not supported")
	}
	if !strings.Contains(typ, "/") {
		typ = pkg + "/" + typ
	}
	typ = strings.Replace(typ, "/msg/", "/", 1)
	t.Base = typ
	return t, nil
}

// Universe is every parsed spec by "pkg/Name".
type Universe map[string]*Spec

// Load parses every <root>/<pkg>/msg/*.msg under the roots. A root may also
// be a package directory itself (containing package.xml and msg/).
func Load(roots []string) (Universe, error) {
	u := Universe{}
	for _, root := range roots {
		var dirs []string
		if _, err := os.Stat(filepath.Join(root, "msg")); err == nil {
			dirs = append(dirs, root)
		} else {
			ents, err := os.ReadDir(root)
			if err != nil {
				return nil, err
			}
			for _, e := range ents {
				if e.IsDir() {
					dirs = append(dirs, filepath.Join(root, e.Name()))
				}
			}
		}
		for _, dir := range dirs {
			pkg, err := packageName(dir)
			if err != nil {
				return nil, err
			}
			files, _ := filepath.Glob(filepath.Join(dir, "msg", "*.msg"))
			for _, f := range files {
				s, err := ParseFile(pkg, f)
				if err != nil {
					return nil, err
				}
				u[s.FullName()] = s
			}
		}
	}
	for _, s := range u {
		for _, f := range s.Fields {
			if !f.Type.Primitive && u[f.Type.Base] == nil {
				return nil, fmt.Errorf("msggen: %s: field %s has unknown type %s", s.FullName(), f.Name, f.Type.Base)
			}
		}
	}
	return u, nil
}

// packageName reads <name> from dir/package.xml, or uses the directory name.
func packageName(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.xml"))
	if err != nil {
		return filepath.Base(dir), nil
	}
	s := string(raw)
	i := strings.Index(s, "<name>")
	j := strings.Index(s, "</name>")
	if i < 0 || j < i {
		return "", fmt.Errorf("msggen: %s/package.xml has no <name>", dir)
	}
	return strings.TrimSpace(s[i+len("<name>") : j]), nil
}

// Deps returns the message types s depends on, transitively, depth first in
// field order without repeats: the order of MSG: sections in a schema.
func (u Universe) Deps(s *Spec) []*Spec {
	var out []*Spec
	seen := map[string]bool{s.FullName(): true}
	var walk func(*Spec)
	walk = func(sp *Spec) {
		for _, f := range sp.Fields {
			if f.Type.Primitive || seen[f.Type.Base] {
				continue
			}
			seen[f.Type.Base] = true
			d := u[f.Type.Base]
			out = append(out, d)
			walk(d)
		}
	}
	walk(s)
	return out
}

// SchemaText returns the ros2msg schema: the definition followed by each
// dependency under a separator line and "MSG: pkg/Name", as rosbag2 writes.
func (u Universe) SchemaText(s *Spec) string {
	var b strings.Builder
	b.WriteString(s.Text)
	for _, d := range u.Deps(s) {
		b.WriteString("================================================================================\n")
		b.WriteString("MSG: " + d.FullName() + "\n")
		b.WriteString(d.Text)
	}
	return b.String()
}

// MinSize is a lower bound on the encoded size of one value of type t, used
// to cap sequence lengths before allocation.
func (u Universe) MinSize(t Type) int {
	if t.Array && t.Fixed == 0 {
		return 4
	}
	n := 1
	if t.Fixed > 0 {
		n = t.Fixed
	}
	if t.Primitive {
		sz := primitives[t.Base]
		if sz == 0 {
			sz = 4
		}
		return n * sz
	}
	total := 0
	for _, f := range u[t.Base].Fields {
		total += u.MinSize(f.Type)
	}
	return n * total
}

// Packages returns the sorted package names in u.
func (u Universe) Packages() []string {
	set := map[string]bool{}
	for _, s := range u {
		set[s.Pkg] = true
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Specs returns the specs of pkg sorted by name.
func (u Universe) Specs(pkg string) []*Spec {
	var out []*Spec
	for _, s := range u {
		if s.Pkg == pkg {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
