package param

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse parses arbitrary parameter files for a bare and a namespaced
// node name, seeded with the repository's real params files. It must not
// panic, and the same input must give the same result twice (no map-order
// dependence).
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../../../params/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed params files: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("/**:\n  ros__parameters:\n    a: 1\n/veh1/lidarseg:\n  ros__parameters:\n    a: 2\n    b: {c: [1, 2]}\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, node := range []string{"lidarseg", "/veh1/lidarseg"} {
			a, errA := Parse(raw, node)
			b, errB := Parse(raw, node)
			if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) || !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: two parses differ: %v / %v, %v / %v", node, a, b, errA, errB)
			}
		}
	})
}
