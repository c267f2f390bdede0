package paramschema

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/param"
)

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.schema.json")
	schema := `{"properties": {"/**/x": {"properties": {"ros__parameters": {"type": "object", "properties": {
		"a": {"type": "number", "minimum": 0, "maximum": 1},
		"b": {"type": "object", "properties": {"c": {"type": "number", "exclusiveMinimum": 0}}},
		"d": {"type": "array", "items": {"type": "integer", "minimum": 2}},
		"e": {"type": "string"}}}}}}}`
	if err := os.WriteFile(path, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path, "/**/x")
	if err != nil {
		t.Fatal(err)
	}
	inf := math.Inf(1)
	for name, want := range map[string]param.Range{"a": {From: 0, To: 1}, "b.c": {From: 0, To: inf}, "d": {From: 2, To: inf}} {
		if b := got[name]; !b.Bounded || b.Range() != want {
			t.Errorf("%s: %+v, range %v; want %v", name, b, b.Range(), want)
		}
	}
	if !got["b.c"].ExclusiveMin || got["a"].ExclusiveMin || !got["d"].Array || !got["d"].Integer {
		t.Errorf("flags: b.c %+v, a %+v, d %+v", got["b.c"], got["a"], got["d"])
	}
	if b, ok := got["e"]; !ok || b.Bounded {
		t.Errorf("e: %+v, %v", b, ok)
	}
	if _, err := Read(path, "/**/y"); err == nil {
		t.Error("a missing section read without error")
	}
}
