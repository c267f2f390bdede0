package simdrive

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/perception/lidarseg"
	"gopkg.in/yaml.v3"
)

// TestLidarDatasetNative: a native set has a row per ring and a column per
// azimuth step of its lidar, its meta says so (the trainer exports a model
// with dynamic rows and columns from it); Randomize changes the channels
// sweep by sweep (mounting, intensity, noise) while the same seed gives the
// same set.
func TestLidarDatasetNative(t *testing.T) {
	ctx := context.Background()
	lm := lidarseg.SemanticKITTI()
	dir := t.TempDir()
	write := func(name string, randomize bool) []float32 {
		t.Helper()
		cfg := DatasetConfig{Config: Config{Seed: 3, Duration: 0.2, Lidar: "vlp16", Columns: 1024}, LabelMap: lm, Native: true, Randomize: randomize}
		n, err := WriteLidarDataset(ctx, cfg, filepath.Join(dir, name), nil)
		if err != nil || n != 2 {
			t.Fatalf("%s: %d scans, %v", name, n, err)
		}
		if s := shapeOf(t, filepath.Join(dir, name, "range.npy")); !same(s, []int{2, 5, 16, 1024}) {
			t.Fatalf("%s: range.npy %v, want [2 5 16 1024]", name, s)
		}
		raw, err := os.ReadFile(filepath.Join(dir, name, "meta.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Projection map[string]any `yaml:"projection"`
			Randomized bool           `yaml:"randomized"`
		}
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Projection["native"] != true || meta.Projection["use_ring"] != true || meta.Projection["height"] != 16 || meta.Randomized != randomize {
			t.Errorf("%s: meta projection %v randomized %v", name, meta.Projection, meta.Randomized)
		}
		v, err := readNpy(t, filepath.Join(dir, name, "range.npy")).Float32s()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	plain, jittered, again := write("plain", false), write("random", true), write("random2", true)
	diff := 0
	for i := range plain {
		if plain[i] != jittered[i] {
			diff++
		}
		if jittered[i] != again[i] {
			t.Fatalf("randomized set differs between runs of one seed at value %d", i)
		}
	}
	if diff < len(plain)/4 {
		t.Errorf("randomized set differs from the plain one in %d of %d values", diff, len(plain))
	}
}
