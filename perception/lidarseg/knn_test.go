package lidarseg

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// bruteKNN is the twin of KNN.Apply, written as RangeNet++ states it: for
// every point, all Search² window positions (outside the image: range 0,
// class 0; empty pixels: infinite range; its own pixel: its own range),
// weighted differences fully sorted (stable, so ties keep window order),
// the first K kept, those beyond the cutoff voting for an extra invalid
// class, and the argmax over the real classes 1..C−1 of the vote counts.
func bruteKNN(cfg KNNConfig, classes int, p *Projection, pix []uint16) []uint16 {
	s, pad := cfg.Search, (cfg.Search-1)/2
	wts := InverseGaussian(s, cfg.Sigma)
	out := make([]uint16, p.NumPoints())
	type cand struct {
		d float32
		l int
	}
	for i := range out {
		u, v := int(p.PointU[i]), int(p.PointV[i])
		if u < 0 {
			continue
		}
		r := p.PointRange[i]
		var cs []cand
		for dy := -pad; dy <= pad; dy++ {
			for dx := -pad; dx <= pad; dx++ {
				y, x := v+dy, u+dx
				var cr float32
				l := 0
				if y >= 0 && y < p.Height && x >= 0 && x < p.Width {
					cr = p.PixelRange[y*p.Width+x]
					if cr < 0 {
						cr = float32(math.Inf(1))
					}
					l = int(pix[y*p.Width+x])
				}
				if dx == 0 && dy == 0 {
					cr = r
				}
				d := float32(math.Abs(float64(cr-r))) * wts[(dy+pad)*s+dx+pad]
				if dx == 0 && dy == 0 {
					d = 0
				}
				cs = append(cs, cand{d, l})
			}
		}
		sort.SliceStable(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
		votes := make([]int, classes+1)
		for _, c := range cs[:cfg.K] {
			if cfg.Cutoff > 0 && c.d > float32(cfg.Cutoff) {
				votes[classes]++
			} else {
				votes[c.l]++
			}
		}
		best := 0
		for c := 1; c < classes; c++ {
			if votes[c] > 0 && (best == 0 || votes[c] > votes[best]) {
				best = c
			}
		}
		out[i] = uint16(best)
	}
	return out
}

// randomScene projects a random cloud with many occlusions onto a small
// image and labels its pixels at random.
func randomScene(t testing.TB, seed uint64, h, w, n, classes int) (*Projection, []uint16) {
	rng := rand.New(rand.NewPCG(seed, 9))
	c := Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n)}
	for i := range n {
		az := rng.Float64() * 2 * math.Pi
		el := (rng.Float64()*28 - 25) * math.Pi / 180
		r := 2 + rng.Float64()*6 // narrow range so neighbours fall within the cutoff
		if rng.IntN(4) == 0 {
			r += rng.Float64() * 40
		}
		c.X[i] = float32(r * math.Cos(el) * math.Cos(az))
		c.Y[i] = float32(r * math.Cos(el) * math.Sin(az))
		c.Z[i] = float32(r * math.Sin(el))
	}
	p, err := NewProjector(ProjectionConfig{Height: h, Width: w, FovUpDeg: 3, FovDownDeg: -25})
	if err != nil {
		t.Fatal(err)
	}
	proj, err := p.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pix := make([]uint16, h*w)
	for i := range pix {
		pix[i] = uint16(rng.IntN(classes))
	}
	return proj, pix
}

func TestKNNBruteTwin(t *testing.T) {
	cfgs := []KNNConfig{
		DefaultKNNConfig(),
		{K: 3, Search: 3, Sigma: 0.5, Cutoff: 0.5},
		{K: 7, Search: 7, Sigma: 2, Cutoff: 2},
		{K: 5, Search: 5, Sigma: 1, Cutoff: -1}, // no cutoff
		{K: 1, Search: 1, Sigma: 1, Cutoff: 1},
	}
	for ci, cfg := range cfgs {
		for seed := uint64(1); seed <= 3; seed++ {
			const classes = 6
			proj, pix := randomScene(t, seed, 16, 64, 3000, classes)
			if seed == 3 {
				// Blocks of one class, so that whole windows agree and the
				// uniform-window shortcut is taken for many points.
				for p := range pix {
					pix[p] = uint16(((p%64)/9 + (p/64)/6) % classes)
				}
			}
			k, err := NewKNN(cfg, classes, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]uint16, proj.NumPoints())
			if err := k.Apply(got, proj, pix); err != nil {
				t.Fatal(err)
			}
			want := bruteKNN(k.Config(), classes, proj, pix)
			differ := 0
			for i := range got {
				if got[i] != want[i] {
					if differ < 5 {
						t.Errorf("config %d seed %d point %d: class %d, twin %d", ci, seed, i, got[i], want[i])
					}
					differ++
				}
			}
			if differ > 0 {
				t.Fatalf("config %d seed %d: %d of %d points differ", ci, seed, differ, len(got))
			}
		}
	}
}

// TestKNNFixesBleeding checks the point of the post-processing: a far
// point hidden behind a near object's pixel takes the far surface's class,
// not the class of the object in front of it.
func TestKNNFixesBleeding(t *testing.T) {
	p, _ := NewProjector(ProjectionConfig{Height: 8, Width: 64, FovUpDeg: 3, FovDownDeg: -25})
	// A wall at 20 m filling rows and columns around +x, and a pole at 5 m
	// in front of one of its pixels.
	var c Cloud
	for az := -10; az <= 10; az++ {
		for el := -20; el <= 0; el += 3 {
			a, e := float64(az)*math.Pi/180*5.6, float64(el)*math.Pi/180
			c.X = append(c.X, float32(20*math.Cos(e)*math.Cos(a)))
			c.Y = append(c.Y, float32(20*math.Cos(e)*math.Sin(a)))
			c.Z = append(c.Z, float32(20*math.Sin(e)))
		}
	}
	hidden := len(c.X) - 1 - 3 // a wall point
	c.X = append(c.X, c.X[hidden]/4)
	c.Y = append(c.Y, c.Y[hidden]/4)
	c.Z = append(c.Z, c.Z[hidden]/4)
	proj, err := p.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pole := len(c.X) - 1
	pix := make([]uint16, 8*64)
	for i, j := range proj.PixelPoint {
		switch {
		case j == int32(pole):
			pix[i] = 2 // pole
		case j >= 0:
			pix[i] = 1 // wall
		}
	}
	plain := make([]uint16, len(c.X))
	_ = Unproject(plain, proj, pix)
	if plain[hidden] != 2 {
		t.Fatalf("setup: hidden point has plain class %d, want the pole's 2", plain[hidden])
	}
	k, _ := NewKNN(DefaultKNNConfig(), 3, 8, 64)
	got := make([]uint16, len(c.X))
	if err := k.Apply(got, proj, pix); err != nil {
		t.Fatal(err)
	}
	if got[hidden] != 1 || got[pole] != 2 {
		t.Errorf("kNN: hidden wall point %d (want 1), pole %d (want 2)", got[hidden], got[pole])
	}
}

func TestKNNErrors(t *testing.T) {
	for _, c := range []struct {
		cfg           KNNConfig
		param, reason string
	}{
		{KNNConfig{Search: 4}, "lidarseg.KNNConfig.Search", "want an odd window of 1..15 pixels"},
		{KNNConfig{K: 30, Search: 5}, "lidarseg.KNNConfig.K", fmt.Sprintf("want 1..min(%d, search²=25)", MaxK)},
		{KNNConfig{Sigma: -1}, "lidarseg.KNNConfig.Sigma", "want a positive number of pixels"},
		{KNNConfig{Cutoff: math.NaN()}, "lidarseg.KNNConfig.Cutoff", "not a number"},
	} {
		_, err := NewKNN(c.cfg, 20, 4, 4)
		wantConfigErr(t, fmt.Sprintf("%+v", c.cfg), err, c.param, c.reason)
	}
	proj, pix := randomScene(t, 1, 16, 64, 100, 4)
	k, _ := NewKNN(DefaultKNNConfig(), 4, 16, 32)
	if err := k.Apply(make([]uint16, 100), proj, pix); !errors.Is(err, ErrInput) {
		t.Errorf("size mismatch: %v", err)
	}
	if err := Unproject(make([]uint16, 3), proj, pix); !errors.Is(err, ErrInput) {
		t.Errorf("Unproject: %v", err)
	}
}

func TestArgmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const classes, pixels = 7, 5000
	scores := make([]float32, classes*pixels)
	for i := range scores {
		scores[i] = float32(rng.IntN(5)) // many ties
	}
	scores[3*pixels+10] = float32(math.NaN())
	dst := make([]uint16, pixels)
	a := NewArgmax()
	if err := a.Run(dst, scores, classes); err != nil {
		t.Fatal(err)
	}
	for p := range dst {
		best := 0
		for c := 1; c < classes; c++ {
			if scores[c*pixels+p] > scores[best*pixels+p] {
				best = c
			}
		}
		if int(dst[p]) != best {
			t.Fatalf("pixel %d: %d, want %d", p, dst[p], best)
		}
	}
	if err := a.Run(dst, scores[1:], classes); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
	if n := testing.AllocsPerRun(5, func() { _ = a.Run(dst, scores, classes) }); n != 0 {
		t.Errorf("Argmax allocates %v", n)
	}

	// Offsets: class c's scores moved by offset[c] before the comparison.
	offset := []float32{0, 1.5, -1, 0, 2, -3, 0.5}
	if err := a.RunOffset(dst, scores, classes, offset); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for p := range dst {
		best, bv := 0, float32(math.Inf(-1))
		for c := range classes {
			if v := scores[c*pixels+p] + offset[c]; v > bv {
				best, bv = c, v
			}
		}
		if int(dst[p]) != best {
			t.Fatalf("pixel %d with offsets: %d, want %d", p, dst[p], best)
		}
		if s0 := scores[p]; best != 0 && s0 >= scores[best*pixels+p] {
			moved++
		}
	}
	if moved == 0 {
		t.Error("the offsets moved no pixel from the plain argmax")
	}
	if err := a.RunOffset(dst, scores, classes, offset[1:]); !errors.Is(err, ErrInput) {
		t.Errorf("6 offsets for 7 classes: %v", err)
	}
	if n := testing.AllocsPerRun(5, func() { _ = a.RunOffset(dst, scores, classes, offset) }); n != 0 {
		t.Errorf("Argmax with offsets allocates %v", n)
	}
}

func TestKNNAllocs(t *testing.T) {
	proj, pix := randomScene(t, 2, 64, 512, 40000, 20)
	k, _ := NewKNN(DefaultKNNConfig(), 20, 64, 512)
	dst := make([]uint16, proj.NumPoints())
	if n := testing.AllocsPerRun(5, func() { _ = k.Apply(dst, proj, pix) }); n != 0 {
		t.Errorf("kNN allocates %v per frame", n)
	}
}

func BenchmarkArgmax(b *testing.B) {
	scores := make([]float32, 20*64*2048)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range scores {
		scores[i] = rng.Float32()
	}
	dst := make([]uint16, 64*2048)
	a := NewArgmax()
	b.ReportAllocs()
	for b.Loop() {
		_ = a.Run(dst, scores, 20)
	}
	b.ReportMetric(float64(b.N)*float64(len(dst))/b.Elapsed().Seconds(), "pixels/s")
}

// TestKNNManyClasses checks the vote for more than 256 classes (counted
// without the per-class table) against the twin.
func TestKNNManyClasses(t *testing.T) {
	const classes = 300
	proj, pix := randomScene(t, 4, 16, 64, 3000, classes)
	for p := range pix {
		pix[p] = uint16(250 + p%40) // classes on both sides of 256
	}
	k, err := NewKNN(DefaultKNNConfig(), classes, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]uint16, proj.NumPoints())
	if err := k.Apply(got, proj, pix); err != nil {
		t.Fatal(err)
	}
	want := bruteKNN(k.Config(), classes, proj, pix)
	above := 0
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("point %d: class %d, twin %d", i, got[i], want[i])
		}
		if got[i] >= 256 {
			above++
		}
	}
	if above == 0 {
		t.Error("no point got a class above 255: the test does not reach its case")
	}
}
