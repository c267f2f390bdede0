package simdrive

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func shapeOf(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := npy.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return a.Shape
}

func same(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDatasets(t *testing.T) {
	ctx := context.Background()
	lm := lidarseg.SemanticKITTI()
	dir := t.TempDir()
	pc, _ := lidarseg.PresetConfig("hdl64e-1024")
	n, err := WriteLidarDataset(ctx, DatasetConfig{Config: Config{Seed: 2, Duration: 0.3, Lidar: "hdl32", Columns: 512}, Projection: pc, LabelMap: lm}, filepath.Join(dir, "l"), nil)
	if err != nil || n != 3 {
		t.Fatalf("lidarseg: %d scans, %v", n, err)
	}
	if s := shapeOf(t, filepath.Join(dir, "l", "range.npy")); !same(s, []int{3, 5, 64, 1024}) {
		t.Fatalf("range.npy %v", s)
	}
	if s := shapeOf(t, filepath.Join(dir, "l", "labels.npy")); !same(s, []int{3, 64, 1024}) {
		t.Fatalf("labels.npy %v", s)
	}
	crops, frames, err := WritePoseDataset(ctx, PoseDatasetConfig{Config: Config{Seed: 7, Duration: 0.5, Cameras: "front", Width: 320, Height: 240}, Every: 3}, filepath.Join(dir, "p"), nil)
	if err != nil || frames != 3 { // t = 0, 0.25, 0.5 s at 12 Hz, every third frame
		t.Fatalf("pose: %d crops %d frames, %v", crops, frames, err)
	}
	if s := shapeOf(t, filepath.Join(dir, "p", "keypoints.npy")); !same(s, []int{crops, 17, 3}) {
		t.Fatalf("keypoints.npy %v", s)
	}
	nb, err := WriteBEVDataset(ctx, BEVDatasetConfig{Config: Config{Seed: 5, Duration: 0.2, Lidar: "hdl32", Columns: 256, Cameras: "front", Width: 96, Height: 64}, LabelMap: lm}, filepath.Join(dir, "b"), nil)
	if err != nil || nb != 2 {
		t.Fatalf("bev: %d samples, %v", nb, err)
	}
	for name, want := range map[string][]int{"images.npy": {2, 1, 3, 64, 96}, "extrinsics.npy": {2, 1, 4, 4}, "occupancy.npy": {2, 256, 256}, "boxes.npy": {2, 64, 10},
		"frustum_cells.npy": {1, 118, 4, 6}} {
		if s := shapeOf(t, filepath.Join(dir, "b", name)); !same(s, want) {
			t.Fatalf("%s %v, want %v", name, s, want)
		}
	}
	// The front camera's frustum reaches the grid ahead of the car: far bins
	// land in front (x > 0), the cells are in range or −1.
	f, err := os.Open(filepath.Join(dir, "b", "frustum_cells.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	arr, err := npy.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	kept, ahead := 0, 0
	for i := 0; i+4 <= len(arr.Data); i += 4 {
		c := int32(binary.LittleEndian.Uint32(arr.Data[i:]))
		if c < -1 || c >= 256*256 {
			t.Fatalf("frustum cell %d out of the grid", c)
		}
		if c >= 0 {
			kept++
			if c%256 >= 128 { // column = x index; x > 0 from column 128
				ahead++
			}
		}
	}
	if kept == 0 || ahead != kept {
		t.Fatalf("frustum cells: %d kept, %d ahead of the car", kept, ahead)
	}
}
