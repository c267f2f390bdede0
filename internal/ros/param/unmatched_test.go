package param

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestUnmatchedSections(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(p, []byte(`/**:
  ros__parameters: {a: 1}
/**/lidarsge:
  ros__parameters: {b: 2}
veh1:
  pose2d:
    ros__parameters: {c: 3}
/veh1/*:
  ros__parameters: {d: 4}
`), 0o644)
	got, err := Unmatched(p, []string{"lidarseg", "pose2d", "bevfusion"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/**/lidarsge"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("unmatched %v, want %v", got, want)
	}
}
