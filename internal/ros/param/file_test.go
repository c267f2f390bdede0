package param

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

// sectionsFile gives k a different value in every section form rclcpp
// reads, so which sections a node gets is visible in the result.
const sectionsFile = `
/**:
  ros__parameters:
    all: 1
/**/lidarseg:
  ros__parameters:
    any_ns: 2
lidarseg:
  ros__parameters:
    bare: 3
/veh1/lidarseg:
  ros__parameters:
    veh1: 4
/veh1/*:
  ros__parameters:
    veh1_any: 5
/*/lidarseg:
  ros__parameters:
    one_ns: 6
/veh1/pose2d:
  ros__parameters:
    pose: 7
`

func keys(m map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestSectionForms checks each section form against fully qualified names
// as rclcpp matches them ("/*" one component, "/**" any number, a name
// without "/" is in the root namespace).
func TestSectionForms(t *testing.T) {
	for _, c := range []struct{ node, want string }{
		{"/lidarseg", "all any_ns bare"},
		{"/veh1/lidarseg", "all any_ns one_ns veh1 veh1_any"},
		{"/veh2/lidarseg", "all any_ns one_ns"},
		{"/a/b/lidarseg", "all any_ns"},
		{"/veh1/pose2d", "all pose veh1_any"},
		{"/pose2d", "all"},
	} {
		got, err := Parse([]byte(sectionsFile), c.node)
		if err != nil {
			t.Fatalf("%s: %v", c.node, err)
		}
		if keys(got) != c.want {
			t.Errorf("%s gets %q, want %q", c.node, keys(got), c.want)
		}
	}
}

// TestBareNameAnyNamespace: replay knows no namespace, so a section naming
// the node in one namespace applies; two namespaces are ambiguous.
func TestBareNameAnyNamespace(t *testing.T) {
	got, err := Parse([]byte("/veh1/lidarseg:\n  ros__parameters:\n    k: 3\n/veh1/pose2d:\n  ros__parameters:\n    k: 9\n"), "lidarseg")
	if err != nil || keys(got) != "k" || got["k"] != 3 {
		t.Fatalf("got %v %v", got, err)
	}
	_, err = Parse([]byte(sectionsFile), "lidarseg")
	if err == nil || !strings.Contains(err.Error(), "/lidarseg, /veh1/lidarseg") {
		t.Fatalf("two namespaces for a bare name: %v", err)
	}
	if _, err := Parse([]byte(sectionsFile), "/veh1/lidarseg"); err != nil {
		t.Fatalf("a fully qualified name is never ambiguous: %v", err)
	}
}

// TestLaterSectionWins: rclcpp applies matching sections in file order, so
// a "/**" after the node's own section overrides it.
func TestLaterSectionWins(t *testing.T) {
	f := "/lidarseg:\n  ros__parameters:\n    k: 1\n/**:\n  ros__parameters:\n    k: 2\n/**/lidarseg:\n  ros__parameters:\n    j: 5\nlidarseg:\n  ros__parameters:\n    j: 6\n"
	got, err := Parse([]byte(f), "/lidarseg")
	if err != nil || got["k"] != 2 || got["j"] != 6 {
		t.Fatalf("got %v %v", got, err)
	}
}

// TestNestedNamespaces: maps above ros__parameters are namespaces, as
// rcl_yaml_param_parser reads them.
func TestNestedNamespaces(t *testing.T) {
	f := "veh1:\n  lidarseg:\n    ros__parameters:\n      k: 1\n  pose2d:\n    ros__parameters:\n      k: 2\n"
	for node, want := range map[string]any{"/veh1/lidarseg": 1, "/veh1/pose2d": 2} {
		got, err := Parse([]byte(f), node)
		if err != nil || got["k"] != want {
			t.Errorf("%s: got %v %v", node, got, err)
		}
	}
	if got, _ := Parse([]byte(f), "/lidarseg"); len(got) != 0 {
		t.Errorf("/lidarseg got /veh1/lidarseg's %v", got)
	}
}

// TestLaunchRosOverrides reads a file as launch_ros writes its dict
// parameters: under the fully qualified name, with dotted names.
func TestLaunchRosOverrides(t *testing.T) {
	f := "/veh1/lidarseg:\n  ros__parameters:\n    use_sim_time: true\n    model.path: /m/x.onnx\n    model.providers: [cuda, cpu]\n"
	path := filepath.Join(t.TempDir(), "launch_params.yaml")
	if err := os.WriteFile(path, []byte(f), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(path, "/veh1/lidarseg")
	if err != nil {
		t.Fatal(err)
	}
	s := New("lidarseg", got)
	if !s.Bool("use_sim_time", false, "") || s.String("model.path", "", "") != "/m/x.onnx" ||
		strings.Join(s.Strings("model.providers", nil, ""), ",") != "cuda,cpu" {
		t.Fatalf("launch_ros overrides under /veh1/lidarseg not applied: %v", got)
	}
	if got, _ := LoadFile(path, "/veh2/lidarseg"); len(got) != 0 {
		t.Errorf("/veh2/lidarseg got /veh1/lidarseg's %v", got)
	}
}

func TestBadFiles(t *testing.T) {
	for name, f := range map[string]string{
		"no ros__parameters":     "n:\n  other: 1\n",
		"scalar section":         "n: 3\n",
		"list parameters":        "n:\n  ros__parameters: [1]\n",
		"not a name":             "/veh-1/n:\n  ros__parameters:\n    k: 1\n",
		"top-level list":         "- a\n",
		"ros__parameters on top": "ros__parameters:\n  k: 1\n",
	} {
		if _, err := Parse([]byte(f), "/n"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"), "/n"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestFileKeysIgnoredOverridesStrict: rclcpp ignores parameters a file
// gives that the node never declares; a -p override of one is a mistake.
func TestFileKeysIgnoredOverridesStrict(t *testing.T) {
	s := Layered("lidarseg", map[string]any{"k": 1, "shared.other": 2, "typo": 3}, map[string]any{"typo": 4, "p_typo": 5})
	if s.Int("k", 0, "") != 1 {
		t.Fatal("file value lost")
	}
	err := s.Err()
	if err == nil || !strings.Contains(err.Error(), "does not declare p_typo, typo") {
		t.Fatalf("overrides of undeclared names: %v", err)
	}
	if got := strings.Join(s.Ignored(), ","); got != "shared.other" {
		t.Errorf("ignored %q", got)
	}
	if w := s.Warning(); !strings.Contains(w, "shared.other") || strings.Contains(w, "typo") {
		t.Errorf("warning %q", w)
	}
	ok := Layered("n", map[string]any{"k": 1}, nil)
	ok.Int("k", 0, "")
	if ok.Err() != nil || ok.Warning() != "" {
		t.Errorf("clean set: %v %q", ok.Err(), ok.Warning())
	}
}

func TestQoSOverrides(t *testing.T) {
	f := `
/**:
  ros__parameters:
    qos_overrides:
      /lidarseg/labels:
        publisher:
          reliability: best_effort
          depth: 3
          history: keep_last
          durability: transient_local
      /ouster/points:
        subscription:
          reliability: reliable
          liveliness: automatic
`
	vals, err := Parse([]byte(f), "/lidarseg")
	if err != nil {
		t.Fatal(err)
	}
	s := Layered("lidarseg", vals, nil)
	if err := s.Err(); err != nil {
		t.Fatalf("standard qos_overrides refused: %v", err)
	}
	o, ok := s.QoSOverride("/lidarseg/labels", Publisher)
	if want := (QoSOverride{Reliability: "best_effort", Durability: "transient_local", History: "keep_last", Depth: 3}); !ok || o != want {
		t.Errorf("publisher override %+v %v, want %+v", o, ok, want)
	}
	if o, ok := s.QoSOverride("/ouster/points", Subscription); !ok || o != (QoSOverride{Reliability: "reliable"}) {
		t.Errorf("subscription override %+v %v", o, ok)
	}
	if _, ok := s.QoSOverride("/ouster/points", Publisher); ok {
		t.Error("a subscription override applied to the publisher")
	}
	if got := strings.Join(s.QoSOverrideTopics(Publisher), ","); got != "/lidarseg/labels" {
		t.Errorf("publisher topics %q", got)
	}
	// liveliness is not honoured: undeclared, so ignored from a file.
	if got := strings.Join(s.Ignored(), ","); got != "qos_overrides./ouster/points.subscription.liveliness" {
		t.Errorf("ignored %q", got)
	}

	bad := Layered("lidarseg", nil, map[string]any{
		"qos_overrides./a.publisher.reliability":  "sometimes",
		"qos_overrides./a.publisher.depth":        0,
		"qos_overrides./a.subscription.history":   "keep_last",
		"qos_overrides./b.publisher.liveliness":   "manual",
		"qos_overrides.relative.publisher.depth":  4,
		"qos_overrides./a.subscriber.reliability": "reliable",
	})
	err = bad.Err()
	for _, want := range []string{
		"qos_overrides./a.publisher.reliability = sometimes: is string, want one of reliable, best_effort, system_default",
		"qos_overrides./a.publisher.depth = 0: is int, want a positive integer",
		"does not declare qos_overrides./a.subscriber.reliability, qos_overrides./b.publisher.liveliness, qos_overrides.relative.publisher.depth",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// The first bad value (names sorted) is reachable as the shared error.
	var ce *configerr.Error
	if !errors.As(err, &ce) || ce.Param != "qos_overrides./a.publisher.depth" || ce.Value != 0 || ce.Reason != "is int, want a positive integer" {
		t.Errorf("errors.As: %#v", ce)
	}
	if o, ok := bad.QoSOverride("/a", Subscription); !ok || o.History != "keep_last" {
		t.Errorf("valid value beside invalid ones: %+v %v", o, ok)
	}
	if o, _ := bad.QoSOverride("/a", Publisher); o != (QoSOverride{}) {
		t.Errorf("invalid values exposed: %+v", o)
	}
}

// TestWithKeepsFileOnly: a run-time change (parameter services) validates
// a copy of the set; names only a file gave must stay ignored there too.
func TestWithKeepsFileOnly(t *testing.T) {
	s := Layered("n", map[string]any{"k": 1, "other_nodes": 2}, nil)
	s.Int("k", 0, "")
	c := s.With(map[string]any{"k": 5})
	if c.Int("k", 0, "") != 5 {
		t.Fatal("change lost")
	}
	if err := c.Err(); err != nil {
		t.Fatalf("a change failed on a name only the file gave: %v", err)
	}
	if got := strings.Join(c.Ignored(), ","); got != "other_nodes" {
		t.Errorf("ignored after With: %q", got)
	}
}
