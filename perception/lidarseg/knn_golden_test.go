package lidarseg

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// knnGolden is testdata/knn_golden.bin, written by testdata/gen_knn_golden.py
// with lidar-bonnetal's own LaserScan and KNN post-processing (torch).
type knnGolden struct {
	h, w, classes  int
	cfg            KNNConfig
	fovUp, fovDown float64
	cloud          Cloud
	projRange      []float32 // LaserScan.proj_range, −1 empty
	pixel          []uint16  // the argmax image fed to KNN
	want           []uint16  // KNN's class per point
}

func readKNNGolden(t *testing.T) knnGolden {
	t.Helper()
	raw, err := os.ReadFile("testdata/knn_golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	off := 0
	u32 := func() int { v := le.Uint32(raw[off:]); off += 4; return int(v) }
	f32 := func() float32 { v := math.Float32frombits(le.Uint32(raw[off:])); off += 4; return v }
	n := u32()
	g := knnGolden{h: u32(), w: u32(), classes: u32()}
	g.cfg.K, g.cfg.Search = u32(), u32()
	g.fovUp, g.fovDown = float64(f32()), float64(f32())
	g.cfg.Sigma, g.cfg.Cutoff = float64(f32()), float64(f32())
	g.cloud = Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n)}
	for i := 0; i < n; i++ {
		g.cloud.X[i], g.cloud.Y[i], g.cloud.Z[i] = f32(), f32(), f32()
	}
	g.projRange = make([]float32, g.h*g.w)
	for i := range g.projRange {
		g.projRange[i] = f32()
	}
	u16s := func(k int) []uint16 {
		s := make([]uint16, k)
		for i := range s {
			s[i] = le.Uint16(raw[off:])
			off += 2
		}
		return s
	}
	g.pixel = u16s(g.h * g.w)
	g.want = u16s(n)
	if off != len(raw) {
		t.Fatalf("knn golden: %d bytes read of %d", off, len(raw))
	}
	return g
}

// TestKNNMatchesBonnetal labels a ray-cast street scene with our kNN and
// compares every point with lidar-bonnetal's KNN module. The one named
// exception: a point none of whose K nearest votes for a real class (all
// beyond the cutoff or class 0) gets 0 from us, while lidar-bonnetal's
// argmax over an all-zero vote returns its first real class, 1 ("car").
func TestKNNMatchesBonnetal(t *testing.T) {
	g := readKNNGolden(t)
	p, err := NewProjector(ProjectionConfig{Height: g.h, Width: g.w, FovUpDeg: g.fovUp, FovDownDeg: g.fovDown})
	if err != nil {
		t.Fatal(err)
	}
	proj, err := p.Project(g.cloud, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The range image the kNN reads must be LaserScan's, bit for bit.
	for i, r := range g.projRange {
		if math.Float32bits(proj.PixelRange[i]) != math.Float32bits(r) {
			t.Fatalf("pixel %d: range %g, LaserScan %g", i, proj.PixelRange[i], r)
		}
	}
	k, err := NewKNN(g.cfg, g.classes, g.h, g.w)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]uint16, len(g.want))
	if err := k.Apply(got, proj, g.pixel); err != nil {
		t.Fatal(err)
	}
	bad, noVote, changed := 0, 0, 0
	for i, want := range g.want {
		pl := g.pixel[int(proj.PointV[i])*g.w+int(proj.PointU[i])]
		if pl != want {
			changed++ // the kNN overruled the point's pixel class
		}
		if got[i] == want {
			continue
		}
		// Its own pixel is always among the K nearest (distance 0), so a
		// point without a real-class vote sits on a class-0 pixel.
		if got[i] == 0 && want == 1 && pl == 0 {
			noVote++
			continue
		}
		if bad < 10 {
			t.Errorf("point %d (%g, %g, %g) at pixel (%d, %d): class %d, lidar-bonnetal %d", i,
				g.cloud.X[i], g.cloud.Y[i], g.cloud.Z[i], proj.PointU[i], proj.PointV[i], got[i], want)
		}
		bad++
	}
	if bad > 0 {
		t.Fatalf("%d of %d points differ from lidar-bonnetal's KNN", bad, len(g.want))
	}
	// The scene must exercise both the exception and the vote itself.
	if noVote == 0 {
		t.Error("no point without a real-class vote: the class-0 exception is untested")
	}
	if changed < 100 {
		t.Errorf("lidar-bonnetal's KNN changed only %d points from their pixel's class: the golden tests little", changed)
	}
	t.Logf("%d points identical to lidar-bonnetal's KNN (%d relabelled from their pixel's class); %d without a real-class vote: 0 here, 1 there",
		len(g.want)-noVote, changed, noVote)
}
