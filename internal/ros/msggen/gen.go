package main

import (
	"bytes"
	"fmt"
	"go/format"
	"sort"
	"strconv"
	"strings"
)

const modulePath = "github.com/gopercept/gopercept"

// goName turns a snake_case ROS field name into an exported Go name.
func goName(s string) string {
	parts := strings.Split(s, "_")
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		switch strings.ToLower(p) {
		case "id", "uv", "url", "rgb", "roi", "ns":
			b.WriteString(strings.ToUpper(p))
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

var goPrims = map[string]string{
	"bool": "bool", "byte": "uint8", "char": "uint8", "int8": "int8", "uint8": "uint8",
	"int16": "int16", "uint16": "uint16", "int32": "int32", "uint32": "uint32",
	"int64": "int64", "uint64": "uint64", "float32": "float32", "float64": "float64",
	"string": "string",
}

// codec returns the Encoder/Decoder method name for a primitive.
func codec(prim string) string {
	switch prim {
	case "byte", "char":
		return "Uint8"
	case "string":
		return "String"
	}
	return strings.ToUpper(prim[:1]) + prim[1:]
}

type pkgGen struct {
	u       Universe
	pkg     string
	imports map[string]bool
}

func (g *pkgGen) elemType(t Type) string {
	if t.Primitive {
		return goPrims[t.Base]
	}
	pkg, name, _ := strings.Cut(t.Base, "/")
	if pkg == g.pkg {
		return name
	}
	g.imports[pkg] = true
	return pkg + "." + name
}

func (g *pkgGen) goType(t Type) string {
	el := g.elemType(t)
	switch {
	case t.Fixed > 0:
		return fmt.Sprintf("[%d]%s", t.Fixed, el)
	case t.Array:
		return "[]" + el
	}
	return el
}

func isByte(t Type) bool { return t.Base == "uint8" || t.Base == "byte" || t.Base == "char" }

func (g *pkgGen) encodeField(b *bytes.Buffer, f Field) {
	x := "m." + goName(f.Name)
	t := f.Type
	switch {
	case !t.Array && t.Primitive:
		fmt.Fprintf(b, "\te.%s(%s)\n", codec(t.Base), x)
	case !t.Array:
		fmt.Fprintf(b, "\t%s.EncodeCDR(e)\n", x)
	case t.Primitive && isByte(t) && t.Fixed > 0:
		fmt.Fprintf(b, "\te.Bytes8(%s[:])\n", x)
	case t.Primitive && isByte(t):
		fmt.Fprintf(b, "\te.SeqLen(len(%s))\n\te.Bytes8(%s)\n", x, x)
	default:
		if t.Fixed == 0 {
			fmt.Fprintf(b, "\te.SeqLen(len(%s))\n", x)
		}
		if t.Primitive {
			fmt.Fprintf(b, "\tfor _, v := range %s {\n\t\te.%s(v)\n\t}\n", x, codec(t.Base))
		} else {
			fmt.Fprintf(b, "\tfor i := range %s {\n\t\t%s[i].EncodeCDR(e)\n\t}\n", x, x)
		}
	}
}

func (g *pkgGen) decodeField(b *bytes.Buffer, f Field) {
	x := "m." + goName(f.Name)
	t := f.Type
	switch {
	case !t.Array && t.Base == "string":
		fmt.Fprintf(b, "\t%s = d.String(%s)\n", x, x)
	case !t.Array && t.Primitive:
		fmt.Fprintf(b, "\t%s = d.%s()\n", x, codec(t.Base))
	case !t.Array:
		fmt.Fprintf(b, "\t%s.DecodeCDR(d)\n", x)
	case t.Primitive && isByte(t) && t.Fixed > 0:
		fmt.Fprintf(b, "\tcopy(%s[:], d.Bytes8(%d))\n", x, t.Fixed)
	case t.Primitive && isByte(t):
		fmt.Fprintf(b, "\t%s = d.Bytes8(d.SeqLen(1))\n", x)
	default:
		if t.Fixed == 0 {
			fmt.Fprintf(b, "\t%s = cdr.Resize(%s, d.SeqLen(%d))\n", x, x, g.u.MinSize(Type{Base: t.Base, Primitive: t.Primitive}))
		}
		switch {
		case t.Base == "string":
			fmt.Fprintf(b, "\tfor i := range %s {\n\t\t%s[i] = d.String(%s[i])\n\t}\n", x, x, x)
		case t.Primitive:
			fmt.Fprintf(b, "\tfor i := range %s {\n\t\t%s[i] = d.%s()\n\t}\n", x, x, codec(t.Base))
		default:
			fmt.Fprintf(b, "\tfor i := range %s {\n\t\t%s[i].DecodeCDR(d)\n\t}\n", x, x)
		}
	}
}

func constLiteral(c Constant) string {
	switch c.Type {
	case "string":
		v := c.Value
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			v = v[1 : len(v)-1]
		}
		return strconv.Quote(v)
	case "bool":
		if c.Value == "True" || c.Value == "true" || c.Value == "1" {
			return "true"
		}
		return "false"
	}
	return c.Value
}

// generatePackage returns the Go source for every message of pkg.
func generatePackage(u Universe, pkg string) ([]byte, error) {
	g := &pkgGen{u: u, pkg: pkg, imports: map[string]bool{}}
	var body bytes.Buffer
	for _, s := range u.Specs(pkg) {
		n := s.Name
		full := s.Pkg + "/msg/" + s.Name
		fmt.Fprintf(&body, "// %sTypeName is the ROS 2 type name of %s.\nconst %sTypeName = %q\n\n", n, n, n, full)
		fmt.Fprintf(&body, "// %sSchema is the ros2msg definition of %s with its dependencies.\nconst %sSchema = %s\n\n", n, n, n, strconv.Quote(u.SchemaText(s)))
		if len(s.Constants) > 0 {
			body.WriteString("// Constants of " + n + ".\nconst (\n")
			for _, c := range s.Constants {
				fmt.Fprintf(&body, "\t%s_%s %s = %s\n", n, c.Name, goPrims[c.Type], constLiteral(c))
			}
			body.WriteString(")\n\n")
		}
		fmt.Fprintf(&body, "// %s is %s.\ntype %s struct {\n", n, full, n)
		for _, f := range s.Fields {
			comment := ""
			if f.Type.Primitive && isByte(f.Type) && f.Type.Array && f.Type.Fixed == 0 {
				comment = " // aliases the decoded buffer"
			}
			if f.Default != "" {
				comment = " // default " + f.Default
			}
			fmt.Fprintf(&body, "\t%s %s `ros:\"%s\"`%s\n", goName(f.Name), g.goType(f.Type), f.Name, comment)
		}
		body.WriteString("}\n\n")
		fmt.Fprintf(&body, "// TypeName returns %q.\nfunc (*%s) TypeName() string { return %sTypeName }\n\n", full, n, n)
		fmt.Fprintf(&body, "// Schema returns %sSchema.\nfunc (*%s) Schema() string { return %sSchema }\n\n", n, n, n)
		fmt.Fprintf(&body, "// EncodeCDR appends m's CDR body to e.\nfunc (m *%s) EncodeCDR(e *cdr.Encoder) {\n", n)
		for _, f := range s.Fields {
			g.encodeField(&body, f)
		}
		body.WriteString("}\n\n")
		fmt.Fprintf(&body, "// DecodeCDR reads m's CDR body from d.\nfunc (m *%s) DecodeCDR(d *cdr.Decoder) {\n", n)
		for _, f := range s.Fields {
			g.decodeField(&body, f)
		}
		body.WriteString("}\n\n")
		if hasDefaults(s) {
			fmt.Fprintf(&body, "// New%s returns a %s with the defaults its definition declares.\nfunc New%s() %s {\n\treturn %s{", n, n, n, n, n)
			var parts []string
			for _, f := range s.Fields {
				if f.Default != "" {
					parts = append(parts, fmt.Sprintf("%s: %s", goName(f.Name), f.Default))
				}
			}
			body.WriteString(strings.Join(parts, ", ") + "}\n}\n\n")
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "// Code generated by msggen from the %s .msg definitions. DO NOT EDIT.\n\n", pkg)
	fmt.Fprintf(&out, "// Package %s holds the %s ROS 2 message types with their CDR codecs.\npackage %s\n\nimport (\n", pkg, pkg, pkg)
	imps := []string{modulePath + "/internal/ros/cdr"}
	for p := range g.imports {
		imps = append(imps, modulePath+"/internal/ros/rosmsg/"+p)
	}
	sort.Strings(imps)
	for _, p := range imps {
		fmt.Fprintf(&out, "\t%q\n", p)
	}
	out.WriteString(")\n\n")
	out.Write(body.Bytes())
	src, err := format.Source(out.Bytes())
	if err != nil {
		return out.Bytes(), fmt.Errorf("msggen: format %s: %w", pkg, err)
	}
	return src, nil
}

func hasDefaults(s *Spec) bool {
	for _, f := range s.Fields {
		if f.Default != "" && f.Type.Primitive && !f.Type.Array && f.Type.Base != "string" {
			return true
		}
	}
	return false
}

// generateRegistry returns the source of package rosmsg's type table.
func generateRegistry(u Universe) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by msggen. DO NOT EDIT.\n\npackage rosmsg\n\nimport (\n")
	fmt.Fprintf(&b, "\t%q\n", modulePath+"/internal/ros/cdr")
	for _, p := range u.Packages() {
		fmt.Fprintf(&b, "\t%q\n", modulePath+"/internal/ros/rosmsg/"+p)
	}
	b.WriteString(")\n\nvar registry = map[string]func() cdr.Message{\n")
	var names []string
	for k := range u {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := u[k]
		fmt.Fprintf(&b, "\t%q: func() cdr.Message { return new(%s.%s) },\n", s.Pkg+"/msg/"+s.Name, s.Pkg, s.Name)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return b.Bytes(), fmt.Errorf("msggen: format registry: %w", err)
	}
	return src, nil
}
