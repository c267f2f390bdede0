package bag

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrTypeHash reports a message definition whose type hash cannot be
// computed: a line that does not parse or a referenced type the schema text
// does not define.
var ErrTypeHash = errors.New("bag: cannot compute type hash")

// FieldType ids of type_description_interfaces/msg/FieldType (ROS 2 Jazzy).
const (
	fieldNested        = 1
	fieldString        = 17
	fieldWString       = 18
	fieldBoundedString = 21
	fieldBoundedWStr   = 22
	fieldArray         = 48 // added to the element's id for T[N]
	fieldBoundedSeq    = 96 // for T[<=N]
	fieldUnboundedSeq  = 144
)

// primitiveIDs maps .msg primitive names to FieldType ids; char is uint8
// and byte is octet in ROS 2's .msg to IDL mapping.
var primitiveIDs = map[string]int{
	"int8": 2, "uint8": 3, "char": 3, "int16": 4, "uint16": 5, "int32": 6, "uint32": 7,
	"int64": 8, "uint64": 9, "float32": 10, "float64": 11, "bool": 15, "byte": 16,
}

// tdField is one field of an individual type description.
type tdField struct {
	name           string
	typeID         int
	capacity       int
	stringCapacity int
	nestedTypeName string
}

// tdType is an individual type description.
type tdType struct {
	name   string
	fields []tdField
}

// TypeHash computes the RIHS01 type description hash (REP-2011) of the
// message type typeName ("pkg/msg/Name") from its ros2msg schema text with
// the definitions of every type it uses appended after "====" separator
// lines and "MSG: pkg/Name" headers, as rosbag2 stores schemas. It is the
// hash ROS 2 Jazzy's rosidl_generator_type_description gives: SHA-256 of
// the type description and its referenced descriptions (sorted by name,
// default values left out) rendered as Python's json.dumps renders them.
func TypeHash(typeName, schemaText string) (string, error) {
	typeName = normType(typeName, "")
	types, err := parseSchemaText(typeName, schemaText)
	if err != nil {
		return "", err
	}
	top := types[typeName]
	refs := map[string]bool{}
	queue := []string{typeName}
	for len(queue) > 0 {
		t := types[queue[0]]
		queue = queue[1:]
		for _, f := range t.fields {
			if n := f.nestedTypeName; n != "" && !refs[n] {
				if _, ok := types[n]; !ok {
					return "", fmt.Errorf("%w: %s uses %s, which the schema text does not define", ErrTypeHash, typeName, n)
				}
				refs[n] = true
				queue = append(queue, n)
			}
		}
	}
	names := make([]string, 0, len(refs))
	for n := range refs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`{"type_description": `)
	writeTD(&b, top)
	b.WriteString(`, "referenced_type_descriptions": [`)
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		writeTD(&b, types[n])
	}
	b.WriteString("]}")
	sum := sha256.Sum256([]byte(b.String()))
	return "RIHS01_" + hex.EncodeToString(sum[:]), nil
}

// writeTD renders an individual type description with json.dumps'
// separators (", " and ": ") and key order.
func writeTD(b *strings.Builder, t *tdType) {
	fmt.Fprintf(b, `{"type_name": %s, "fields": [`, jsonString(t.name))
	for i, f := range t.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, `{"name": %s, "type": {"type_id": %d, "capacity": %d, "string_capacity": %d, "nested_type_name": %s}}`,
			jsonString(f.name), f.typeID, f.capacity, f.stringCapacity, jsonString(f.nestedTypeName))
	}
	b.WriteString("]}")
}

// jsonString quotes s as json.dumps does with ensure_ascii.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// normType turns "pkg/Name" into "pkg/msg/Name"; a bare "Name" is taken
// from package pkg.
func normType(name, pkg string) string {
	switch strings.Count(name, "/") {
	case 0:
		return pkg + "/msg/" + name
	case 1:
		p, n, _ := strings.Cut(name, "/")
		return p + "/msg/" + n
	}
	return name
}

// parseSchemaText splits a rosbag2 ros2msg schema into its definitions,
// the first being typeName.
func parseSchemaText(typeName, text string) (map[string]*tdType, error) {
	types := map[string]*tdType{}
	name := typeName
	var body []string
	flush := func() error {
		pkg, _, _ := strings.Cut(name, "/")
		t, err := parseMsgDef(name, pkg, body)
		if err != nil {
			return err
		}
		if _, dup := types[name]; !dup {
			types[name] = t
		}
		return nil
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "====") && strings.Trim(l, "=") == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			// The next non-empty line is "MSG: pkg/Name".
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) == ""; i++ {
			}
			if i == len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i]), "MSG:") {
				return nil, fmt.Errorf("%w: %s: separator not followed by a MSG line", ErrTypeHash, typeName)
			}
			name = normType(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), "MSG:")), "")
			body = nil
			continue
		}
		body = append(body, l)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return types, nil
}

// parseMsgDef parses the fields of one .msg definition; constants and
// comments are not part of the type description. A message without fields
// gets rosidl's placeholder uint8 field.
func parseMsgDef(name, pkg string, lines []string) (*tdType, error) {
	t := &tdType{name: name}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		typ, rest, ok := strings.Cut(l, " ")
		rest = strings.TrimLeft(rest, " \t")
		if !ok || rest == "" {
			return nil, fmt.Errorf("%w: %s: line %q", ErrTypeHash, name, l)
		}
		fname := rest
		if i := strings.IndexAny(rest, " \t=#"); i >= 0 {
			fname = rest[:i]
			if strings.HasPrefix(strings.TrimLeft(rest[i:], " \t"), "=") {
				continue // a constant
			}
		}
		if strings.Contains(fname, "=") {
			continue
		}
		f, err := fieldType(typ, pkg)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: field %s: %v", ErrTypeHash, name, fname, err)
		}
		f.name = fname
		t.fields = append(t.fields, f)
	}
	if len(t.fields) == 0 {
		t.fields = []tdField{{name: "structure_needs_at_least_one_member", typeID: primitiveIDs["uint8"]}}
	}
	return t, nil
}

// fieldType maps a .msg field type ("float64[3]", "string<=10",
// "geometry_msgs/Point[]") to its FieldType.
func fieldType(typ, pkg string) (tdField, error) {
	var f tdField
	base, arr := typ, ""
	if i := strings.IndexByte(typ, '['); i >= 0 {
		if !strings.HasSuffix(typ, "]") {
			return f, fmt.Errorf("type %q", typ)
		}
		base, arr = typ[:i], typ[i+1:len(typ)-1]
	}
	if s, bound, ok := strings.Cut(base, "<="); ok {
		n, err := strconv.Atoi(bound)
		if err != nil || (s != "string" && s != "wstring") {
			return f, fmt.Errorf("type %q", typ)
		}
		f.typeID, f.stringCapacity = fieldBoundedString, n
		if s == "wstring" {
			f.typeID = fieldBoundedWStr
		}
	} else if id, ok := primitiveIDs[base]; ok {
		f.typeID = id
	} else if base == "string" {
		f.typeID = fieldString
	} else if base == "wstring" {
		f.typeID = fieldWString
	} else {
		f.typeID, f.nestedTypeName = fieldNested, normType(base, pkg)
	}
	switch {
	case typ == base:
	case arr == "":
		f.typeID += fieldUnboundedSeq
	case strings.HasPrefix(arr, "<="):
		n, err := strconv.Atoi(arr[2:])
		if err != nil {
			return f, fmt.Errorf("type %q", typ)
		}
		f.typeID += fieldBoundedSeq
		f.capacity = n
	default:
		n, err := strconv.Atoi(arr)
		if err != nil {
			return f, fmt.Errorf("type %q", typ)
		}
		f.typeID += fieldArray
		f.capacity = n
	}
	return f, nil
}
