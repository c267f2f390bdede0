package simdrive

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/npy"
)

func readF32(t *testing.T, path string) ([]float32, []int) {
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
	out := make([]float32, len(a.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
	}
	return out, a.Shape
}

// TestLiftDataset: the rows agree with each other: each labelled keypoint's
// normalised coordinates are its 3D joint's X/Z and Y/Z, its pixel projects
// from them, and the lower ankle stands a few centimetres above the ground
// the camera columns describe.
func TestLiftDataset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lift")
	n, err := WriteLiftDataset(context.Background(), LiftDatasetConfig{Config: Config{Seed: 7, Duration: 0.5, Cameras: "front", Width: 320, Height: 240}, Every: 3}, dir, nil)
	if err != nil || n == 0 {
		t.Fatalf("%d people, %v", n, err)
	}
	k2, s2 := readF32(t, filepath.Join(dir, "kp2d.npy"))
	xy, sx := readF32(t, filepath.Join(dir, "norm2d.npy"))
	k3, s3 := readF32(t, filepath.Join(dir, "kp3d.npy"))
	cam, sc := readF32(t, filepath.Join(dir, "camera.npy"))
	for name, c := range map[string]struct{ got, want []int }{"kp2d": {s2, []int{n, 17, 3}}, "norm2d": {sx, []int{n, 17, 2}}, "kp3d": {s3, []int{n, 17, 3}}, "camera": {sc, []int{n, 10}}} {
		if !same(c.got, c.want) {
			t.Fatalf("%s.npy %v, want %v", name, c.got, c.want)
		}
	}
	if s := shapeOf(t, filepath.Join(dir, "track.npy")); !same(s, []int{n, 4}) {
		t.Fatalf("track.npy %v", s)
	}
	labelled := 0
	for i := range n {
		for j := range 17 {
			if k2[i*51+3*j+2] == 0 {
				continue
			}
			labelled++
			X, Y, Z := k3[i*51+3*j], k3[i*51+3*j+1], k3[i*51+3*j+2]
			x, y := xy[i*34+2*j], xy[i*34+2*j+1]
			if math.Abs(float64(x-X/Z)) > 1e-5 || math.Abs(float64(y-Y/Z)) > 1e-5 {
				t.Fatalf("row %d joint %d: normalised (%g, %g), 3D gives (%g, %g)", i, j, x, y, X/Z, Y/Z)
			}
		}
		c := cam[i*10 : i*10+10]
		ankle := math.Inf(1)
		for _, j := range []int{15, 16} {
			h := c[6] + c[7]*k3[i*51+3*j] + c[8]*k3[i*51+3*j+1] + c[9]*k3[i*51+3*j+2]
			ankle = math.Min(ankle, float64(h))
		}
		if c[6] < 1 || c[6] > 2 || ankle < 0.02 || ankle > 0.6 {
			t.Fatalf("row %d: camera %.2f m up, lower ankle %.3f m above the ground", i, c[6], ankle)
		}
	}
	if labelled < 8*n {
		t.Fatalf("%d labelled keypoints for %d people", labelled, n)
	}
}
