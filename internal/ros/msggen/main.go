// Command msggen generates Go message types and CDR codecs from ROS 2 .msg
// definitions. It is run by `go generate ./rosmsg`.
//
//	msggen -in internal/ros/rosmsg/defs -in msgs -out internal/ros/rosmsg
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("msggen", flag.ContinueOnError)
	var ins multiFlag
	fs.Var(&ins, "in", "directory of ROS packages (pkg/msg/*.msg) or a package directory; repeatable")
	out := fs.String("out", "internal/ros/rosmsg", "output directory; each package goes to OUT/<pkg>/<pkg>.gen.go")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := Load(ins)
	if err != nil {
		return err
	}
	for _, pkg := range u.Packages() {
		src, err := generatePackage(u, pkg)
		if err != nil {
			return err
		}
		dir := filepath.Join(*out, pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, pkg+".gen.go"), src, 0o644); err != nil {
			return err
		}
	}
	src, err := generateRegistry(u)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*out, "registry.gen.go"), src, 0o644)
}
