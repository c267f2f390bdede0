package simdrive

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func readNpy(t *testing.T, path string) *npy.Array {
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
	return a
}

// TestLidarDatasetPaint writes a painted training set and checks that the
// plain files do not change, that paint.npy holds colours of painted
// points only, and the share of points painted.
func TestLidarDatasetPaint(t *testing.T) {
	ctx := context.Background()
	lm := lidarseg.SemanticKITTI()
	dir := t.TempDir()
	pc, _ := lidarseg.PresetConfig("hdl64e-1024")
	cfg := DatasetConfig{Config: Config{Seed: 2, Duration: 0.2, Lidar: "hdl32", Columns: 512, Cameras: "four", Width: 176, Height: 64},
		Projection: pc, LabelMap: lm}
	if _, err := WriteLidarDataset(ctx, cfg, filepath.Join(dir, "plain"), nil); err != nil {
		t.Fatal(err)
	}
	cfg.Paint = []string{"cam_front", "cam_back"}
	n, err := WriteLidarDataset(ctx, cfg, filepath.Join(dir, "paint"), nil)
	if err != nil || n != 2 {
		t.Fatalf("%d scans, %v", n, err)
	}
	for _, f := range []string{"range.npy", "labels.npy"} {
		a, _ := os.ReadFile(filepath.Join(dir, "plain", f))
		b, _ := os.ReadFile(filepath.Join(dir, "paint", f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs with painting", f)
		}
	}
	rng := readNpy(t, filepath.Join(dir, "paint", "range.npy"))
	p := readNpy(t, filepath.Join(dir, "paint", "paint.npy"))
	if !same(p.Shape, []int{2, 4, 64, 1024}) {
		t.Fatalf("paint.npy %v", p.Shape)
	}
	f32 := func(b []byte, i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])) }
	plane := 64 * 1024
	shown, painted := 0, 0
	for s := range 2 {
		for pix := range plane {
			r := f32(rng.Data, s*5*plane+pix)
			v := [4]float32{}
			for ch := range 4 {
				v[ch] = f32(p.Data, (s*4+ch)*plane+pix)
			}
			switch {
			case r == 0 && v != [4]float32{}:
				t.Fatalf("scan %d pixel %d: empty pixel painted %v", s, pix, v)
			case r == 0:
				continue
			case v[3] == 0 && v != [4]float32{}:
				t.Fatalf("scan %d pixel %d: unseen point has colour %v", s, pix, v)
			case v[3] != 0 && v[3] != 1:
				t.Fatalf("scan %d pixel %d: valid %g", s, pix, v[3])
			}
			for _, c := range v[:3] {
				if c < 0 || c > 1 {
					t.Fatalf("scan %d pixel %d: colour %v outside 0..1", s, pix, v)
				}
			}
			shown++
			painted += int(v[3])
		}
	}
	// Two 70°/110° cameras see 180° of the sweep and ±14° of its 40° of
	// elevation: about a quarter of the points.
	if share := float64(painted) / float64(shown); share < 0.1 || share > 0.5 {
		t.Errorf("%d of %d points painted (%.2f), want a quarter or so", painted, shown, share)
	}
	meta, _ := os.ReadFile(filepath.Join(dir, "paint", "meta.yaml"))
	if !strings.Contains(string(meta), "paint:") || !strings.Contains(string(meta), "cam_back") {
		t.Errorf("meta.yaml lacks the paint section:\n%s", meta)
	}
	cfg.Paint = []string{"cam_side"}
	if _, err := WriteLidarDataset(ctx, cfg, filepath.Join(dir, "bad"), nil); err == nil || !strings.Contains(err.Error(), "cam_side") {
		t.Errorf("unknown camera: %v", err)
	}
}

// TestLidarPainterGeometry paints sweeps with the cameras' ground-truth
// labels instead of their colours: a point takes the label of the pixel it
// lands on, which equals its own label unless the camera sees something
// else there (parallax between the lidar and the camera, edges, motion in
// the 40 ms between the stamps). A wrong transform, stamp or calibration
// leaves a small fraction agreeing.
func TestLidarPainterGeometry(t *testing.T) {
	cfg := Config{Seed: 101, Duration: 1, Cameras: "six", Width: 352, Height: 128}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	world, rig, lidar, err := setup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := newLidarPainter(world, rig, []string{"cam_front", "cam_front_left", "cam_back_right"}, []string{"r", "g", "valid"}, cfg.CameraHz)
	if err != nil {
		t.Fatal(err)
	}
	lp.render = func(c *sim.Camera, t float64) []byte {
		f := world.Render(c, t, sim.RenderOptions{Labels: true})
		for i, l := range f.Labels {
			f.RGB[3*i], f.RGB[3*i+1], f.RGB[3*i+2] = byte(l), byte(l>>8), 0
		}
		return f.RGB
	}
	pc, _ := lidarseg.PresetConfig("hdl64e")
	proj, err := lidarseg.NewProjector(pc)
	if err != nil {
		t.Fatal(err)
	}
	plane := pc.Height * pc.Width
	dst := make([]float32, 3*plane)
	agree, total := 0, 0
	for _, tc := range []float64{0.3, 0.7} { // camera frames 50 and 33 ms away
		sw := world.LidarSweep(lidar, rig.LidarMount, tc)
		var cloud lidarseg.Cloud
		for _, p := range sw.Points {
			cloud.X, cloud.Y, cloud.Z = append(cloud.X, p.X), append(cloud.Y, p.Y), append(cloud.Z, p.Z)
		}
		pr, err := proj.Project(cloud, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := lp.paint(world, dst, pr, cloud, sw.Frame, tc); err != nil {
			t.Fatal(err)
		}
		for pix, j := range pr.PixelPoint {
			if j < 0 || dst[2*plane+pix] == 0 {
				continue
			}
			total++
			l := uint16(math.Round(float64(dst[pix])*255)) | uint16(math.Round(float64(dst[plane+pix])*255))<<8
			if l == sw.Labels[j] {
				agree++
			}
		}
	}
	share := float64(agree) / float64(total)
	t.Logf("%d painted points, %.3f with their own label", total, share)
	if total < 20000 || share < 0.9 {
		t.Errorf("%d painted points, %.3f with their own label; want ≥ 20000 and ≥ 0.9 (0.94–0.95 measured)", total, share)
	}
}
