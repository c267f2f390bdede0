package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var roots = []string{"../rosmsg/defs", "../../../msgs"}

// TestGeneratedUpToDate regenerates the message code and fails on any
// difference from what is committed, so a .msg edit cannot go unnoticed.
func TestGeneratedUpToDate(t *testing.T) {
	u, err := Load(roots)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range u.Packages() {
		src, err := generatePackage(u, pkg)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("../rosmsg", pkg, pkg+".gen.go")
		have, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(have, src) {
			t.Errorf("%s is stale: run go generate ./internal/ros/rosmsg", path)
		}
	}
	reg, err := generateRegistry(u)
	if err != nil {
		t.Fatal(err)
	}
	if have, _ := os.ReadFile("../rosmsg/registry.gen.go"); !bytes.Equal(have, reg) {
		t.Error("rosmsg/registry.gen.go is stale: run go generate ./internal/ros/rosmsg")
	}
}

// rosShareDirs lists share/ directories of ROS 2 installations on this
// machine: the sourced environment, the apt layouts and the project-local
// prefix that scripts/ros2-env.sh installs.
func rosShareDirs() []string {
	var dirs []string
	for _, p := range filepath.SplitList(os.Getenv("AMENT_PREFIX_PATH")) {
		dirs = append(dirs, filepath.Join(p, "share"))
	}
	dirs = append(dirs, "/opt/ros/jazzy/share", "/opt/ros/humble/share")
	if m, _ := filepath.Glob("../../../.cache/ros2/*/share"); m != nil {
		dirs = append(dirs, m...)
	}
	if m, _ := filepath.Glob("../../../.cache/ros2/*/lib/python3*/site-packages/*/share"); m != nil {
		dirs = append(dirs, m...)
	}
	return dirs
}

// TestMatchesInstalledROS compares every standard definition with the one
// an installed ROS 2 ships, field for field and constant for constant.
func TestMatchesInstalledROS(t *testing.T) {
	u, err := Load(roots)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, s := range u {
		if s.Pkg == "gopercept_msgs" {
			continue
		}
		var path string
		for _, d := range rosShareDirs() {
			p := filepath.Join(d, s.Pkg, "msg", s.Name+".msg")
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			continue
		}
		ros, err := ParseFile(s.Pkg, path)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		compared++
		if len(ros.Fields) != len(s.Fields) {
			t.Errorf("%s: %d fields, ROS (%s) has %d", s.FullName(), len(s.Fields), path, len(ros.Fields))
			continue
		}
		for i, f := range s.Fields {
			rf := ros.Fields[i]
			if f.Name != rf.Name || f.Type != rf.Type || strings.TrimSpace(f.Default) != strings.TrimSpace(rf.Default) {
				t.Errorf("%s field %d: ours %s %+v %q, ROS %s %+v %q", s.FullName(), i, f.Name, f.Type, f.Default, rf.Name, rf.Type, rf.Default)
			}
		}
		if len(ros.Constants) != len(s.Constants) {
			t.Errorf("%s: %d constants, ROS has %d", s.FullName(), len(s.Constants), len(ros.Constants))
			continue
		}
		for i, c := range s.Constants {
			if c != ros.Constants[i] {
				t.Errorf("%s constant %d: ours %+v, ROS %+v", s.FullName(), i, c, ros.Constants[i])
			}
		}
	}
	if compared == 0 {
		t.Skip("no ROS 2 installation found (AMENT_PREFIX_PATH, /opt/ros/{jazzy,humble}, .cache/ros2): run scripts/ros2-env.sh to install one")
	}
	t.Logf("compared %d definitions with an installed ROS 2", compared)
}
