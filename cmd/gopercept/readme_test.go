package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeNodeTables keeps the README's topic and parameter tables equal
// to what the nodes declare.
func TestReadmeNodeTables(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	begin := strings.Index(s, "<!-- nodes:begin")
	end := strings.Index(s, "<!-- nodes:end -->")
	if begin < 0 || end < begin {
		t.Fatal("README.md has no nodes:begin/nodes:end block")
	}
	body := s[strings.Index(s[begin:], "\n")+begin+1 : end]
	infos, err := describeNodes()
	if err != nil {
		t.Fatal(err)
	}
	if want := nodeTables(infos); body != want {
		t.Fatalf("README.md's node tables are stale: regenerate with `gopercept nodes --markdown`")
	}
}

// TestReadmeLayoutFollowsTree keeps the README's layout table equal to the
// tree: every path it names exists, and every top-level folder, every
// folder under internal/ and internal/ros/ is named.
func TestReadmeLayoutFollowsTree(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	begin := strings.Index(s, "## Layout")
	end := strings.Index(s[begin:], "\n## ")
	if begin < 0 || end < 0 {
		t.Fatal("README.md has no Layout section")
	}
	named := map[string]bool{}
	for _, line := range strings.Split(s[begin:begin+end], "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(line, "|", 3)[1]
		for _, f := range strings.Split(cell, "`") {
			f = strings.TrimSpace(f)
			if f == "" || f == "," || strings.Contains(f, "*") {
				continue
			}
			if _, err := os.Stat("../../" + f); err != nil {
				t.Errorf("README layout names %s, which is not in the tree", f)
			}
			named[strings.TrimSuffix(f, "/")] = true
		}
	}
	for _, dir := range []string{"", "internal/", "internal/ros/"} {
		entries, err := os.ReadDir("../../" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() || strings.HasPrefix(name, ".") || name == "bin" || name == "out" || name == "data" || name == "node_modules" {
				continue
			}
			if dir == "" && name == "internal" {
				continue
			}
			covered := named[dir+name]
			for n := range named {
				covered = covered || strings.HasPrefix(n, dir+name+"/")
			}
			if !covered {
				t.Errorf("README layout table does not name %s%s/", dir, name)
			}
		}
	}
}
