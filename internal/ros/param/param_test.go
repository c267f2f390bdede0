package param

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

const file = `
/**:
  ros__parameters:
    use_sim_time: true
    rate: 10
lidarseg:
  ros__parameters:
    fov_up: 3.0
    knn:
      k: 5
    classes: [car, road]
    enabled: false
`

func TestParseAndDeclare(t *testing.T) {
	vals, err := Parse([]byte(file), "lidarseg")
	if err != nil {
		t.Fatal(err)
	}
	s := New("lidarseg", vals)
	if got := s.Float("fov_up", 2, "Upper field of view in degrees."); got != 3 {
		t.Errorf("fov_up = %v", got)
	}
	if got := s.Float("rate", 1, "Rate in Hz."); got != 10 {
		t.Errorf("rate from /** = %v", got)
	}
	if got := s.Int("knn.k", 3, "Neighbours."); got != 5 {
		t.Errorf("knn.k = %v", got)
	}
	if got := s.Strings("classes", nil, "Classes."); strings.Join(got, ",") != "car,road" {
		t.Errorf("classes = %v", got)
	}
	if got := s.Bool("enabled", true, "On."); got {
		t.Errorf("enabled = %v", got)
	}
	if got := s.String("frame", "base_link", "Frame."); got != "base_link" {
		t.Errorf("default not used: %v", got)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.Decls()) != 6 {
		t.Errorf("decls %d", len(s.Decls()))
	}
}

func TestErrors(t *testing.T) {
	s := New("n", map[string]any{"fov_up": "high", "typo_param": 1})
	s.Float("fov_up", 3, "")
	err := s.Err()
	var ce *configerr.Error
	if !errors.As(err, &ce) || ce.Param != "fov_up" || ce.Value != "high" || ce.Reason != "is string, want a number" ||
		!strings.Contains(err.Error(), "param: n: invalid configuration: fov_up = high") || !strings.Contains(err.Error(), "does not declare typo_param") {
		t.Fatalf("got %v", err)
	}
	if _, err := Parse([]byte("n:\n  other: 1\n"), "n"); err == nil {
		t.Fatal("section without ros__parameters accepted")
	}
}

func TestWildcardNamespaceSection(t *testing.T) {
	vals, err := Parse([]byte("/**/lidarseg:\n  ros__parameters:\n    k: 3\n/**/pose2d:\n  ros__parameters:\n    k: 9\n"), "lidarseg")
	if err != nil || vals["k"] != 3 {
		t.Fatalf("got %v %v", vals, err)
	}
}
