package lidarseg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// golden is testdata/projection_golden.bin, written by
// testdata/gen_projection_golden.py with lidar-bonnetal's own LaserScan.
type golden struct {
	h, w           int
	fovUp, fovDown float64
	cloud          Cloud
	projX, projY   []int32
	projIdx        []int32
}

func readGolden(t *testing.T) golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/projection_golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	n := int(le.Uint32(raw))
	g := golden{h: int(le.Uint32(raw[4:])), w: int(le.Uint32(raw[8:])),
		fovUp: float64(math.Float32frombits(le.Uint32(raw[12:]))), fovDown: float64(math.Float32frombits(le.Uint32(raw[16:])))}
	off := 20
	f32 := func() float32 { v := math.Float32frombits(le.Uint32(raw[off:])); off += 4; return v }
	i32 := func() int32 { v := int32(le.Uint32(raw[off:])); off += 4; return v }
	g.cloud = Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n), Intensity: make([]float32, n)}
	for i := 0; i < n; i++ {
		g.cloud.X[i], g.cloud.Y[i], g.cloud.Z[i], g.cloud.Intensity[i] = f32(), f32(), f32(), f32()
	}
	g.projX, g.projY = make([]int32, n), make([]int32, n)
	for i := range g.projX {
		g.projX[i] = i32()
	}
	for i := range g.projY {
		g.projY[i] = i32()
	}
	g.projIdx = make([]int32, g.h*g.w)
	for i := range g.projIdx {
		g.projIdx[i] = i32()
	}
	if off != len(raw) {
		t.Fatalf("golden: %d bytes read of %d", off, len(raw))
	}
	return g
}

// TestProjectionMatchesBonnetal checks every point's pixel and every pixel's
// point against lidar-bonnetal's numpy projection, bit for bit.
func TestProjectionMatchesBonnetal(t *testing.T) {
	g := readGolden(t)
	p, err := NewProjector(ProjectionConfig{Height: g.h, Width: g.w, FovUpDeg: g.fovUp, FovDownDeg: g.fovDown})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Project(g.cloud, nil)
	if err != nil {
		t.Fatal(err)
	}
	// numpy's float32 atan2 and asin are not correctly rounded (they are off
	// by an ulp now and then, and differ between platforms), so a point
	// within an ulp of a pixel boundary may fall either side: such points,
	// and the pixels they touch, are the only differences allowed.
	bad, edge := 0, 0
	touched := map[int32]bool{}
	for i := range g.projX {
		if out.PointU[i] == g.projX[i] && out.PointV[i] == g.projY[i] {
			continue
		}
		x, y, z := float64(g.cloud.X[i]), float64(g.cloud.Y[i]), float64(g.cloud.Z[i])
		px := 0.5 * (-math.Atan2(y, x)/math.Pi + 1) * float64(g.w)
		py := (1 - (math.Asin(z/math.Sqrt(x*x+y*y+z*z))+math.Abs(g.fovDown*math.Pi/180))/((g.fovUp-g.fovDown)*math.Pi/180)) * float64(g.h)
		nearU := math.Abs(px-math.Round(px)) < 1e-4 && abs32(out.PointU[i]-g.projX[i]) <= 1
		nearV := math.Abs(py-math.Round(py)) < 1e-4 && abs32(out.PointV[i]-g.projY[i]) <= 1
		if (out.PointU[i] == g.projX[i] || nearU) && (out.PointV[i] == g.projY[i] || nearV) {
			edge++
			touched[out.PointV[i]*int32(g.w)+out.PointU[i]] = true
			touched[g.projY[i]*int32(g.w)+g.projX[i]] = true
			continue
		}
		if bad < 10 {
			t.Errorf("point %d (%g, %g, %g): pixel (u %d, v %d), numpy (%d, %d)", i,
				g.cloud.X[i], g.cloud.Y[i], g.cloud.Z[i], out.PointU[i], out.PointV[i], g.projX[i], g.projY[i])
		}
		bad++
	}
	// The one named exception: where two points share a pixel and their
	// float32 range, lidar-bonnetal keeps the one numpy's unstable argsort
	// happens to write last; we keep the lower index. The golden cloud has
	// such a tie, so the exception is exercised.
	ties := 0
	for pix := range g.projIdx {
		ours, theirs := out.PixelPoint[pix], g.projIdx[pix]
		if ours != theirs && ours >= 0 && theirs >= 0 && !touched[int32(pix)] &&
			out.PointRange[ours] == out.PointRange[theirs] && ours < theirs {
			ties++
			continue
		}
		if out.PixelPoint[pix] != g.projIdx[pix] && !touched[int32(pix)] {
			if bad < 10 {
				t.Errorf("pixel %d: point %d, numpy %d", pix, out.PixelPoint[pix], g.projIdx[pix])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%d mismatches with lidar-bonnetal", bad)
	}
	if ties != 1 {
		t.Errorf("%d pixels where equal ranges were settled differently, want the golden cloud's 1", ties)
	}
	if edge > 10 {
		t.Errorf("%d points on pixel boundaries differ from numpy, want at most 10 of the %d placed there", edge, g.w+g.h+2)
	}
	t.Logf("%d of %d points identical to numpy; %d within an ulp of a boundary differ", len(g.projX)-edge, len(g.projX), edge)
	if out.Projected != len(g.projX) {
		t.Errorf("Projected = %d, want %d", out.Projected, len(g.projX))
	}
}

// bruteProject is the twin of Project: each point's pixel computed in
// float64, the points sorted by descending range (ties: higher index first)
// and written in that order.
func bruteProject(c Cloud, h, w int, up, down float64) (u, v []int32, idx []int32) {
	n := len(c.X)
	u, v = make([]int32, n), make([]int32, n)
	r := make([]float64, n)
	fovUp, fovDown := up/180*math.Pi, down/180*math.Pi
	fov := math.Abs(fovDown) + math.Abs(fovUp)
	var order []int
	for i := 0; i < n; i++ {
		x, y, z := float64(c.X[i]), float64(c.Y[i]), float64(c.Z[i])
		r[i] = math.Sqrt(x*x + y*y + z*z)
		if math.IsNaN(r[i]) || math.IsInf(r[i], 0) || r[i] == 0 {
			u[i], v[i] = -1, -1
			continue
		}
		px := math.Floor(0.5 * (-math.Atan2(y, x)/math.Pi + 1) * float64(w))
		py := math.Floor((1 - (math.Asin(z/r[i])+math.Abs(fovDown))/fov) * float64(h))
		u[i] = int32(max(0, min(float64(w-1), px)))
		v[i] = int32(max(0, min(float64(h-1), py)))
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if r[a] != r[b] {
			if r[a] > r[b] {
				return -1
			}
			return 1
		}
		return b - a
	})
	idx = make([]int32, h*w)
	for i := range idx {
		idx[i] = -1
	}
	for _, i := range order {
		idx[int(v[i])*w+int(u[i])] = int32(i)
	}
	return u, v, idx
}

// TestProjectionBruteTwin compares Project with the float64 twin on random
// clouds: pixels may differ by one only where float32 and float64 floor
// differently, which the tolerance allows for at most 0.1 % of points.
func TestProjectionBruteTwin(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		n := 20000
		c := Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n)}
		for i := range n {
			c.X[i] = float32(rng.NormFloat64() * 20)
			c.Y[i] = float32(rng.NormFloat64() * 20)
			c.Z[i] = float32(rng.NormFloat64() * 2)
		}
		c.X[5], c.Y[6], c.Z[7] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
		c.X[8], c.Y[8], c.Z[8] = 0, 0, 0
		p, err := NewProjector(ProjectionConfig{Height: 64, Width: 512, FovUpDeg: 3, FovDownDeg: -25})
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Project(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, v, idx := bruteProject(c, 64, 512, 3, -25)
		off := 0
		for i := range u {
			du, dv := out.PointU[i]-u[i], out.PointV[i]-v[i]
			if (u[i] < 0) != (out.PointU[i] < 0) || du*du > 1 || dv*dv > 1 {
				t.Fatalf("seed %d point %d: (%d, %d), twin (%d, %d)", seed, i, out.PointU[i], out.PointV[i], u[i], v[i])
			}
			if du != 0 || dv != 0 {
				off++
			}
		}
		if off > n/1000 {
			t.Errorf("seed %d: %d points off by one pixel, allowed %d", seed, off, n/1000)
		}
		if off == 0 {
			// The pixel images must then agree exactly.
			for pix := range idx {
				if out.PixelPoint[pix] != idx[pix] {
					t.Fatalf("seed %d pixel %d: point %d, twin %d", seed, pix, out.PixelPoint[pix], idx[pix])
				}
			}
		}
		for _, i := range []int{5, 6, 7, 8} {
			if out.PointU[i] != -1 || out.PointV[i] != -1 || out.PointRange[i] != 0 {
				t.Errorf("invalid point %d projected to (%d, %d)", i, out.PointU[i], out.PointV[i])
			}
		}
		if out.Projected != n-4 {
			t.Errorf("Projected = %d, want %d", out.Projected, n-4)
		}
	}
}

func TestProjectionNearestWins(t *testing.T) {
	p, err := NewProjector(ProjectionConfig{Height: 4, Width: 8, FovUpDeg: 10, FovDownDeg: -10})
	if err != nil {
		t.Fatal(err)
	}
	// Three points on the same ray, the middle one nearest; then a tie.
	c := Cloud{X: []float32{10, 5, 7, 3, 3}, Y: []float32{0, 0, 0, 3, 3}, Z: []float32{0, 0, 0, 0, 0}}
	out, err := p.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pix := int(out.PointV[0])*8 + int(out.PointU[0])
	if out.PixelPoint[pix] != 1 || out.PixelRange[pix] != 5 {
		t.Errorf("pixel %d holds point %d at %g m, want point 1 at 5 m", pix, out.PixelPoint[pix], out.PixelRange[pix])
	}
	pix = int(out.PointV[3])*8 + int(out.PointU[3])
	if out.PixelPoint[pix] != 3 {
		t.Errorf("tie: pixel holds point %d, want the lower index 3", out.PixelPoint[pix])
	}
	for i := range 3 {
		if out.PointU[i] != out.PointU[0] || out.PointV[i] != out.PointV[0] {
			t.Errorf("occluded point %d lost its pixel", i)
		}
	}
}

func TestProjectionTensor(t *testing.T) {
	p, err := NewProjector(ProjectionConfig{Height: 4, Width: 8, FovUpDeg: 10, FovDownDeg: -10, IntensityScale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	c := Cloud{X: []float32{10}, Y: []float32{0}, Z: []float32{0}, Intensity: []float32{0.8}}
	tensor := make([]float32, p.TensorLen())
	for i := range tensor {
		tensor[i] = 99 // stale values from a previous frame must go
	}
	out, err := p.Project(c, tensor)
	if err != nil {
		t.Fatal(err)
	}
	pix := int(out.PointV[0])*8 + int(out.PointU[0])
	want := []float32{(10 - 12.12) / 12.32, (10 - 10.88) / 11.47, (0 - 0.23) / 6.91, (0 + 1.04) / 0.86, (0.4 - 0.21) / 0.16}
	plane := 32
	for ch, wv := range want {
		if got := tensor[ch*plane+pix]; math.Abs(float64(got-wv)) > 1e-6 {
			t.Errorf("channel %d = %g, want %g", ch, got, wv)
		}
	}
	for i, v := range tensor {
		if i%plane != pix && v != 0 {
			t.Fatalf("empty pixel value %d = %g, want 0", i, v)
		}
	}
	if out.Mask[pix] != 1 || slices.Index(out.Mask, 1) != pix || slices.Index(out.Mask[pix+1:], 1) != -1 {
		t.Error("mask wrong")
	}
}

func TestProjectionRingAndSector(t *testing.T) {
	c := syntheticSweep(64, 512, 3)
	cfg := ProjectionConfig{Height: 64, Width: 512, FovUpDeg: 3, FovDownDeg: -25, UseRing: true}
	p, err := NewProjector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, ring := range c.Ring {
		if out.PointU[i] >= 0 && out.PointV[i] != int32(63-int(ring)) {
			t.Fatalf("point %d ring %d in row %d, want %d", i, ring, out.PointV[i], 63-int(ring))
		}
	}
	// Ring rows: every valid point gets its own pixel.
	if filled := out.Projected; filled != 64*512-countNaN(c) {
		t.Errorf("projected %d", filled)
	}
	empty := 0
	for _, m := range out.Mask {
		if m == 0 {
			empty++
		}
	}
	if empty > countNaN(c)+64 {
		t.Errorf("%d empty pixels with rows from rings", empty)
	}
	// Front sector: only |azimuth| ≤ 45° is kept.
	cfg = ProjectionConfig{Height: 64, Width: 512, FovUpDeg: 3, FovDownDeg: -25, HorizontalFovDeg: 90}
	p, err = NewProjector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err = p.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.X {
		az := math.Atan2(float64(c.Y[i]), float64(c.X[i])) * 180 / math.Pi
		in := math.Abs(az) <= 45
		if out.PointU[i] >= 0 != in && math.Abs(math.Abs(az)-45) > 1e-4 && !math.IsNaN(az) {
			t.Fatalf("point %d at azimuth %g°: u %d", i, az, out.PointU[i])
		}
		if in && out.PointU[i] >= 0 {
			wantU := int32((45 - az) / 90 * 512)
			if d := out.PointU[i] - wantU; d < -1 || d > 1 {
				t.Fatalf("point %d azimuth %g°: u %d, want %d", i, az, out.PointU[i], wantU)
			}
		}
	}
}

func countNaN(c Cloud) int {
	n := 0
	for i := range c.X {
		if math.IsNaN(float64(c.X[i])) {
			n++
		}
	}
	return n
}

func TestProjectionErrors(t *testing.T) {
	for _, c := range []struct {
		cfg           ProjectionConfig
		param, reason string
	}{
		{ProjectionConfig{Height: 0, Width: 10, FovUpDeg: 3, FovDownDeg: -25}, "lidarseg.ProjectionConfig.Height", "want 1..4096 rows"},
		{ProjectionConfig{Height: 10, Width: 10, FovUpDeg: -25, FovDownDeg: 3}, "lidarseg.ProjectionConfig.FovUpDeg", "with FovDownDeg 3 must satisfy −90 ≤ down < up ≤ 90"},
		{ProjectionConfig{Height: 10, Width: 10, FovUpDeg: 3, FovDownDeg: -25, HorizontalFovDeg: 400}, "lidarseg.ProjectionConfig.HorizontalFovDeg", "want 0 (full) or (0, 360] degrees"},
		{ProjectionConfig{Height: 10, Width: 10, FovUpDeg: 3, FovDownDeg: -25, Stds: [5]float32{1, 1, 0, 1, 1}}, "lidarseg.ProjectionConfig.Stds[2]", "want > 0"},
	} {
		_, err := NewProjector(c.cfg)
		wantConfigErr(t, fmt.Sprintf("%+v", c.cfg), err, c.param, c.reason)
	}
	p, _ := NewProjector(ProjectionConfig{Height: 4, Width: 8, FovUpDeg: 3, FovDownDeg: -25, MaxPoints: 2})
	nan := float32(math.NaN())
	if _, err := p.Project(Cloud{X: []float32{nan}, Y: []float32{1}, Z: []float32{1}}, nil); !errors.Is(err, ErrNoPoints) {
		t.Errorf("all-NaN: %v", err)
	}
	if _, err := p.Project(Cloud{X: []float32{1, 2}, Y: []float32{1}, Z: []float32{1}}, nil); !errors.Is(err, ErrInput) {
		t.Errorf("ragged: %v", err)
	}
	if _, err := p.Project(Cloud{X: make([]float32, 3), Y: make([]float32, 3), Z: make([]float32, 3)}, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, err := p.Project(Cloud{X: []float32{1}, Y: []float32{1}, Z: []float32{1}}, make([]float32, 3)); !errors.Is(err, ErrInput) {
		t.Errorf("short tensor: %v", err)
	}
	for _, name := range PresetNames() {
		cfg, err := PresetConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewProjector(cfg); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	_, err := PresetConfig("nope")
	wantConfigErr(t, "unknown preset", err, "lidarseg.PresetConfig name", "unknown sensor (have "+strings.Join(PresetNames(), ", ")+")")
}

// TestProjectionAllocs checks a steady frame allocates nothing, with the
// scatter split over two slots (a full sweep on two CPUs).
func TestProjectionAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	c := SyntheticSweep(SweepHeight, SweepWidth, 1)
	p, _ := NewProjector(SweepConfig())
	tensor := make([]float32, p.TensorLen())
	if _, err := p.Project(c, tensor); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(5, func() { _, _ = p.Project(c, tensor) }); a != 0 {
		t.Errorf("Project allocates %v times per frame", a)
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestProjectionChannelOrder(t *testing.T) {
	c := Cloud{X: []float32{10}, Y: []float32{1}, Z: []float32{-1}, Intensity: []float32{0.5}}
	cfg, _ := PresetConfig("squeezeseg")
	cfg.Means = [5]float32{}
	cfg.Stds = [5]float32{1, 1, 1, 1, 1}
	p, err := NewProjector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tensor := make([]float32, p.TensorLen())
	out, err := p.Project(c, tensor)
	if err != nil {
		t.Fatal(err)
	}
	pix := int(out.PointV[0])*cfg.Width + int(out.PointU[0])
	plane := cfg.Height * cfg.Width
	want := []float32{10, 1, -1, 0.5, out.PointRange[0]} // x, y, z, intensity, range
	for ch, w := range want {
		if tensor[ch*plane+pix] != w {
			t.Errorf("channel %d = %g, want %g", ch, tensor[ch*plane+pix], w)
		}
	}
	for bad, reason := range map[string]string{"rxyz": "want the five letters r, x, y, z, i in some order", "rxyzz": "lacks 'i'", "abcde": "lacks 'r'"} {
		_, err := NewProjector(ProjectionConfig{Height: 4, Width: 4, FovUpDeg: 3, FovDownDeg: -25, ChannelOrder: bad})
		wantConfigErr(t, bad, err, "lidarseg.ProjectionConfig.ChannelOrder", reason)
	}
}

// TestEdgeTableCounts checks the one-comparison table against a search of the
// thresholds at, between and just beside every threshold of both of the
// HDL-64E projection's tables, and at random values.
func TestEdgeTableCounts(t *testing.T) {
	p, err := NewProjector(SweepConfig())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for name, tab := range map[string]*edgeTable{"rows": &p.rowTab, "columns": &p.colTab} {
		thr := tab.thr[:len(tab.thr)-1]
		if tab.walk {
			t.Errorf("%s: bins not fine enough for the branch-free count", name)
		}
		want := func(x float64) int {
			n, _ := slices.BinarySearchFunc(thr, x, func(e, x float64) int {
				if e <= x {
					return -1
				}
				return 1
			})
			return n
		}
		xs := []float64{math.NaN(), -2, 2, thr[0] - 1, thr[len(thr)-1] + 1}
		for k, v := range thr {
			xs = append(xs, v, math.Nextafter(v, math.Inf(-1)), math.Nextafter(v, math.Inf(1)))
			if k > 0 {
				xs = append(xs, (v+thr[k-1])/2)
			}
		}
		for range 100000 {
			xs = append(xs, thr[0]+(thr[len(thr)-1]-thr[0])*(1.2*rng.Float64()-0.1))
		}
		for _, x := range xs {
			if got, w := tab.count(x), want(x); got != w && !(math.IsNaN(x) && got == 0) {
				t.Fatalf("%s: count(%v) = %d, want %d", name, x, got, w)
			}
		}
	}
}

// TestProjectionTensorExact checks every tensor value of the benchmark
// sweep bit for bit against lidar-bonnetal's float32 (value − mean) / std,
// and the empty pixels at 0.
func TestProjectionTensorExact(t *testing.T) {
	c := SyntheticSweep(SweepHeight, SweepWidth, 1)
	p, err := NewProjector(SweepConfig())
	if err != nil {
		t.Fatal(err)
	}
	tensor := make([]float32, p.TensorLen())
	out, err := p.Project(c, tensor)
	if err != nil {
		t.Fatal(err)
	}
	plane := SweepHeight * SweepWidth
	if filled := tensorIsPixelPoint(t, c, out, tensor, 1); filled < plane*9/10 {
		t.Errorf("only %d of %d pixels filled", filled, plane)
	}
}

// tensorIsPixelPoint checks bit for bit that each pixel's tensor values
// are lidar-bonnetal's float32 (value − mean) / std of its point's range,
// coordinates and remission (intensity × scale), empty pixels 0, and
// returns how many pixels hold a point.
func tensorIsPixelPoint(t *testing.T, c Cloud, out *Projection, tensor []float32, scale float32) int {
	t.Helper()
	plane := out.Height * out.Width
	m, sd := DefaultMeans, DefaultStds
	filled := 0
	for pix, j := range out.PixelPoint {
		var want [Channels]float32
		if j >= 0 {
			filled++
			v := [Channels]float32{out.PointRange[j], c.X[j], c.Y[j], c.Z[j], float32(c.Intensity[j] * scale)}
			for ch := range want {
				want[ch] = (v[ch] - m[ch]) / sd[ch]
			}
		}
		for ch, w := range want {
			if got := tensor[ch*plane+pix]; math.Float32bits(got) != math.Float32bits(w) {
				t.Fatalf("pixel %d (point %d) channel %d: %v, want %v", pix, j, ch, got, w)
			}
		}
	}
	return filled
}

// TestProjectionSlotsAgree checks that the scatter split over several
// slots of points (each with its own image, merged by the fill) gives the
// single slot's projection and tensor exactly.
func TestProjectionSlotsAgree(t *testing.T) {
	c := SyntheticSweep(SweepHeight, SweepWidth, 2)
	// Ties in range between slots: the lower index must win across images.
	c.X[100000], c.Y[100000], c.Z[100000] = c.X[7], c.Y[7], c.Z[7]
	project := func(procs int) (Projection, []float32) {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		p, err := NewProjector(SweepConfig())
		if err != nil {
			t.Fatal(err)
		}
		tensor := make([]float32, p.TensorLen())
		for range 2 { // the second frame starts from the first's emptied images
			if _, err := p.Project(c, tensor); err != nil {
				t.Fatal(err)
			}
		}
		out := p.out
		return Projection{PixelPoint: slices.Clone(out.PixelPoint), PixelRange: slices.Clone(out.PixelRange),
			Mask: slices.Clone(out.Mask), PointU: slices.Clone(out.PointU), PointV: slices.Clone(out.PointV),
			PointRange: slices.Clone(out.PointRange), Projected: out.Projected}, tensor
	}
	one, t1 := project(1)
	if pix := int(one.PointV[7])*SweepWidth + int(one.PointU[7]); one.PixelPoint[pix] != 7 {
		t.Fatalf("setup: the tied pixel holds point %d, want 7", one.PixelPoint[pix])
	}
	for _, procs := range []int{2, 3} {
		got, tn := project(procs)
		if !slices.Equal(got.PixelPoint, one.PixelPoint) || !slices.Equal(got.Mask, one.Mask) ||
			!slices.Equal(got.PointU, one.PointU) || !slices.Equal(got.PointV, one.PointV) || got.Projected != one.Projected {
			t.Errorf("%d threads: pixels differ from one thread's", procs)
		}
		for i := range tn {
			if math.Float32bits(tn[i]) != math.Float32bits(t1[i]) {
				t.Fatalf("%d threads: tensor value %d is %v, one thread %v", procs, i, tn[i], t1[i])
			}
		}
	}
}

// TestProjectionTensorIsPixelPoint checks on every path of the scatter —
// the full sweep (batched), rows from rings and the front sector (per
// point), widths that are and are not powers of two, one and two slots —
// that each pixel's tensor values are its nearest point's normalised
// range, coordinates and remission, and empty pixels 0.
func TestProjectionTensorIsPixelPoint(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   ProjectionConfig
		procs int
	}{
		{"full", ProjectionConfig{Height: 64, Width: 2048, FovUpDeg: 3, FovDownDeg: -25}, 2},
		{"full one slot", ProjectionConfig{Height: 64, Width: 1000, FovUpDeg: 3, FovDownDeg: -25}, 1},
		{"rings", ProjectionConfig{Height: 64, Width: 1024, FovUpDeg: 3, FovDownDeg: -25, UseRing: true}, 2},
		{"sector", ProjectionConfig{Height: 64, Width: 500, FovUpDeg: 3, FovDownDeg: -25, HorizontalFovDeg: 90}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs))
			c := SyntheticSweep(64, 1024, 5)
			tc.cfg.IntensityScale = 1.0 / 255
			p, err := NewProjector(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			tensor := make([]float32, p.TensorLen())
			for range 2 { // the second frame reads images the first left
				if _, err := p.Project(c, tensor); err != nil {
					t.Fatal(err)
				}
			}
			out, _ := p.Project(c, tensor)
			plane := tc.cfg.Height * tc.cfg.Width
			if filled := tensorIsPixelPoint(t, c, out, tensor, tc.cfg.IntensityScale); filled < plane/8 {
				t.Fatalf("only %d of %d pixels filled", filled, plane)
			}
		})
	}
}
