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
