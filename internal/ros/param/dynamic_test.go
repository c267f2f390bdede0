package param

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

// TestDynamic declares like a node, marks two parameters changeable, and
// checks what a parameter service would accept and refuse.
func TestDynamic(t *testing.T) {
	s := New("n", map[string]any{"thr": 1, "k": 5, "names": []any{"a", "b"}})
	s.Float("thr", 0.5, "Threshold.")
	s.Int("k", 3, "Neighbours.")
	s.Strings("names", nil, "Names.")
	s.String("topic", "in", "Topic.")
	s.Range("thr", 0, 2, 0)
	s.Range("k", 1, 9, 2)
	s.Dynamic("thr", "k")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); !reflect.DeepEqual(got, []string{"k", "names", "thr", "topic"}) {
		t.Errorf("Names = %v", got)
	}
	for name, want := range map[string]any{"thr": 1.0, "k": 5, "names": []string{"a", "b"}, "topic": "in"} {
		if v, ok := s.Value(name); !ok || !reflect.DeepEqual(v, want) {
			t.Errorf("Value(%s) = %#v, %v; want %#v", name, v, ok, want)
		}
	}
	in, ok := s.Info("k")
	if !ok || in.Type != TypeInteger || !in.Dynamic || in.Range == nil || *in.Range != (Range{1, 9, 2}) || in.Description != "Neighbours." {
		t.Errorf("Info(k) = %+v", in)
	}
	if in, _ := s.Info("topic"); in.Dynamic || in.Type != TypeString || in.Range != nil {
		t.Errorf("Info(topic) = %+v", in)
	}
	for _, c := range []struct {
		name string
		v    any
		want string // "" accepted, else a piece of the reason
	}{
		{"thr", 1.5, ""},
		{"thr", 2.0, ""},
		{"thr", 2.5, "outside [0, 2]"},
		{"thr", 1, "of type double, cannot set it to a integer"},
		{"k", 7, ""},
		{"k", 9, ""},
		{"k", 4, "not 1 + a multiple of 2"},
		{"k", 11, "outside"},
		{"topic", "other", "read-only"},
		{"nope", 1, "not declared"},
	} {
		err := s.Check(c.name, c.v)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Check(%s, %v) = %v, want %q", c.name, c.v, err, c.want)
		}
	}
	n := s.With(map[string]any{"thr": 0.25})
	if got := n.Float("thr", 0.5, "Threshold."); got != 0.25 {
		t.Errorf("With: thr = %v", got)
	}
	if got := n.Int("k", 3, "Neighbours."); got != 5 {
		t.Errorf("With: k = %v, want the old 5", got)
	}
	if v, _ := s.Value("thr"); v != 1.0 {
		t.Errorf("With changed the original: thr = %v", v)
	}
	s.Update(map[string]any{"thr": 0.25})
	if v, _ := s.Value("thr"); v != 0.25 {
		t.Errorf("after Update thr = %v", v)
	}
}

// TestRangeAtStart: a file value outside a declared range fails the start.
func TestRangeAtStart(t *testing.T) {
	s := New("n", map[string]any{"thr": 3.0})
	s.Float("thr", 0.5, "Threshold.")
	s.Range("thr", 0, 1, 0)
	var ce *configerr.Error
	if err := s.Err(); !errors.As(err, &ce) || ce.Param != "thr" || ce.Reason != "3 is outside [0, 1]" ||
		!strings.Contains(err.Error(), "thr: 3 is outside [0, 1]") {
		t.Errorf("Err = %v", err)
	}
}
