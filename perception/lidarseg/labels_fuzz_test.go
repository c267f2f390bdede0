package lidarseg

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadLabelMap loads arbitrary label map files, seeded with the
// SemanticKITTI map the package ships. A map that loads must answer for
// every raw label and class without panicking, and map every raw label to
// a valid class.
func FuzzLoadLabelMap(f *testing.F) {
	real, err := os.ReadFile("semantic_kitti.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add(real[:len(real)/2])
	f.Add([]byte("labels: {0: a, 1: b}\nlearning_map: {0: 0, 1: 1}\nlearning_map_inv: {0: 0, 1: 1}\ncolor_map: {0: [0, 0, 0], 1: [255, 255, 255]}\n"))
	path := filepath.Join(f.TempDir(), "labels.yaml")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := LoadLabelMap(path)
		if err != nil {
			return
		}
		n := m.NumClasses()
		for _, raw := range []uint32{0, 1, 10, 40, 252, 259, 0xffff, 0x10000, 0xffffffff} {
			if c := m.Class(raw); int(c) >= n {
				t.Fatalf("raw %d -> class %d of %d", raw, c, n)
			}
		}
		for c := range n {
			_ = m.ClassName(uint16(c))
			_ = m.ClassColour(uint16(c))
			_ = m.RawID(uint16(c))
		}
		if len(m.ClassColours()) != n {
			t.Fatalf("%d colours for %d classes", len(m.ClassColours()), n)
		}
	})
}
