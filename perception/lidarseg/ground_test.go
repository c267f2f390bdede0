package lidarseg

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// addPoint appends the point (x, y, z) to c.
func (c *Cloud) addPoint(x, y, z float64) {
	c.X = append(c.X, float32(x))
	c.Y = append(c.Y, float32(y))
	c.Z = append(c.Z, float32(z))
}

// TestGroundSweep checks ground recall and precision on the synthetic
// sweep, whose ground is the plane z = −1.73 m.
func TestGroundSweep(t *testing.T) {
	c := syntheticSweep(64, 512, 5)
	g, err := NewGround(GroundConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ground := make([]bool, len(c.X))
	if err := g.Segment(c, ground); err != nil {
		t.Fatal(err)
	}
	var tp, fp, fn int
	for i := range c.X {
		rho := math.Hypot(float64(c.X[i]), float64(c.Y[i]))
		// On the plane and not under the car; points up to the distance
		// threshold above it (the foot of the boxes) may go either way.
		truth := c.Z[i] < -1.70 && rho >= 1
		above := c.Z[i] > -1.73+float32(g.Config().DistThreshold)+0.05
		switch {
		case truth && ground[i]:
			tp++
		case above && ground[i]:
			fp++
		case truth && !ground[i]:
			fn++
		}
	}
	if p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn); p < 0.99 || r < 0.97 {
		t.Errorf("ground precision %.3f, recall %.3f (tp %d fp %d fn %d)", p, r, tp, fp, fn)
	}
}

// TestGroundSlopeAndWall: a 6° ramp is ground, a wall is not.
func TestGroundSlopeAndWall(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var c Cloud
	add := c.addPoint
	slope := math.Tan(6 * math.Pi / 180)
	for range 4000 {
		x, y := 2+rng.Float64()*40, rng.Float64()*20-10
		add(x, y, -1.73+slope*x+rng.NormFloat64()*0.02)
	}
	nGround := len(c.X)
	for range 2000 { // a wall behind the sensor
		add(-10, rng.Float64()*8-4, -1.73+rng.Float64()*3)
	}
	g, _ := NewGround(GroundConfig{})
	ground := make([]bool, len(c.X))
	if err := g.Segment(c, ground); err != nil {
		t.Fatal(err)
	}
	miss, wrong := 0, 0
	for i := range ground {
		if i < nGround && !ground[i] {
			miss++
		}
		if i >= nGround && ground[i] && c.Z[i] > -1.73+0.25 {
			wrong++
		}
	}
	if miss > nGround/50 || wrong > 0 {
		t.Errorf("ramp points missed %d of %d, wall points above 0.25 m taken as ground %d", miss, nGround, wrong)
	}
}

// TestGroundFarCars: where a sparse lidar's rings no longer reach the
// ground (past 45 m ahead), the far zone's lowest points are a car's side,
// and its plane must not take the car in (MaxStep); raised ground that
// meets the nearer zone's at a curb stays ground, near and far. With the
// check off, the car is taken in, so the scene shows what the check does.
func TestGroundFarCars(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var c Cloud
	add := c.addPoint
	const floor = -1.73
	for range 6000 { // ahead: road to 45 m
		add(2+rng.Float64()*43, rng.Float64()*8-4, floor+rng.NormFloat64()*0.01)
	}
	nRoad := len(c.X)
	for range 600 { // a car's side at 55–59 m, 0.3 m clearance, no ground behind it seen
		add(55+rng.Float64()*4, rng.Float64()*2-1, floor+0.3+rng.Float64()*1.2)
	}
	nCar := len(c.X)
	for range 6000 { // to the left: road to 16 m, then a sidewalk 0.15 m up to 60 m
		rho := 2 + rng.Float64()*58
		z := floor
		if rho >= 16 {
			z += 0.15
		}
		add(rng.Float64()*8-4, rho, z+rng.NormFloat64()*0.01)
	}
	segment := func(cfg GroundConfig) []bool {
		t.Helper()
		g, err := NewGround(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ground := make([]bool, len(c.X))
		if err := g.Segment(c, ground); err != nil {
			t.Fatal(err)
		}
		return ground
	}
	count := func(ground []bool, lo, hi int) (k int) {
		for _, gr := range ground[lo:hi] {
			if gr {
				k++
			}
		}
		return k
	}
	ground := segment(GroundConfig{})
	if k := count(ground, nRoad, nCar); k > 0 {
		t.Errorf("%d of %d far car points taken as ground", k, nCar-nRoad)
	}
	if k := count(ground, 0, nRoad); k < nRoad*99/100 {
		t.Errorf("road: %d of %d points ground", k, nRoad)
	}
	if k, n := count(ground, nCar, len(c.X)), len(c.X)-nCar; k < n*99/100 {
		t.Errorf("road and raised sidewalk: %d of %d points ground", k, n)
	}
	if k := count(segment(GroundConfig{MaxStep: -1}), nRoad, nCar); k < (nCar-nRoad)/10 {
		t.Errorf("without the step check only %d car points taken as ground: the scene does not test it", k)
	}
}

// TestPlaneFitBruteTwin checks the gonum PCA plane against a brute-force
// search over normals on a fine grid of the upper hemisphere: none fits the
// points better (sum of squared distances) beyond the grid's tolerance.
func TestPlaneFitBruteTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 300
	c := Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n)}
	sel := make([]bool, n)
	for i := range n {
		x, y := rng.Float64()*10, rng.Float64()*10-5
		c.X[i], c.Y[i] = float32(x), float32(y)
		c.Z[i] = float32(-1.5 + 0.1*x - 0.05*y + rng.NormFloat64()*0.05)
		sel[i] = true
	}
	g, _ := NewGround(GroundConfig{})
	pl, ok := g.fitPlane(c.X, c.Y, c.Z, sel)
	if !ok {
		t.Fatal("no plane")
	}
	cost := func(nx, ny, nz float64) float64 {
		var mx, my, mz float64
		for i := range n {
			mx += float64(c.X[i])
			my += float64(c.Y[i])
			mz += float64(c.Z[i])
		}
		mx, my, mz = mx/float64(n), my/float64(n), mz/float64(n)
		s := 0.0
		for i := range n {
			d := nx*(float64(c.X[i])-mx) + ny*(float64(c.Y[i])-my) + nz*(float64(c.Z[i])-mz)
			s += d * d
		}
		return s
	}
	ours := cost(pl.Normal[0], pl.Normal[1], pl.Normal[2])
	best := math.Inf(1)
	var bn [3]float64
	var bth, bph float64
	search := func(th0, th1, dth, ph0, ph1, dph float64) {
		for th := max(th0, 0); th < th1; th += dth {
			for ph := ph0; ph < ph1; ph += dph {
				nx, ny, nz := math.Sin(th)*math.Cos(ph), math.Sin(th)*math.Sin(ph), math.Cos(th)
				if v := cost(nx, ny, nz); v < best {
					best, bn, bth, bph = v, [3]float64{nx, ny, nz}, th, ph
				}
			}
		}
	}
	// A coarse grid over tilts up to 30°, then a fine one around its best.
	search(0, 0.5, 0.01, 0, 2*math.Pi, 0.02)
	search(bth-0.01, bth+0.01, 0.0002, bph-0.02, bph+0.02, 0.0005)
	if ours > best*(1+1e-9) {
		t.Errorf("PCA cost %g > brute %g", ours, best)
	}
	dot := pl.Normal[0]*bn[0] + pl.Normal[1]*bn[1] + pl.Normal[2]*bn[2]
	if math.Acos(min(dot, 1)) > 0.01 {
		t.Errorf("normal %v, brute %v", pl.Normal, bn)
	}
	if pl.Normal[2] <= 0 || math.Abs(math.Hypot(math.Hypot(pl.Normal[0], pl.Normal[1]), pl.Normal[2])-1) > 1e-12 {
		t.Errorf("normal %v not a unit vector pointing up", pl.Normal)
	}
}

func TestGroundErrors(t *testing.T) {
	for _, c := range []struct {
		cfg           GroundConfig
		param, reason string
	}{
		{GroundConfig{Sectors: -1}, "lidarseg.GroundConfig.Sectors", "want 1..4096"},
		{GroundConfig{ZoneEdges: []float64{5, 1}}, "lidarseg.GroundConfig.ZoneEdges", "want ascending non-negative ranges"},
		{GroundConfig{MinPoints: 2}, "lidarseg.GroundConfig.MinPoints", "want ≥ 3 (a plane)"},
		{GroundConfig{MaxSlopeDeg: 95}, "lidarseg.GroundConfig.MaxSlopeDeg", "want (0, 90] degrees"},
		{GroundConfig{MaxStep: math.NaN()}, "lidarseg.GroundConfig.MaxStep", "want a height in m (negative: no check)"},
		{GroundConfig{StepFrom: -1}, "lidarseg.GroundConfig.StepFrom", "want ≥ 0 m"},
	} {
		_, err := NewGround(c.cfg)
		wantConfigErr(t, fmt.Sprintf("%+v", c.cfg), err, c.param, c.reason)
	}
	g, _ := NewGround(GroundConfig{})
	if err := g.Segment(Cloud{X: []float32{1}, Y: []float32{1}, Z: []float32{1}}, nil); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
}

// bruteComponents is the clustering twin: union-find over every pair of
// non-ground pixels within reach, in any order.
func bruteComponents(cfg ClusterConfig, p *Projection, c Cloud, ground []bool) []int {
	h, w := p.Height, p.Width
	parent := make([]int, h*w)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	ok := func(pix int) bool { j := p.PixelPoint[pix]; return j >= 0 && !ground[j] }
	for a := 0; a < h*w; a++ {
		if !ok(a) {
			continue
		}
		for b := a + 1; b < h*w; b++ {
			if !ok(b) {
				continue
			}
			dy := a/w - b/w
			dx := a%w - b%w
			if dx < 0 {
				dx = -dx
			}
			if cfg.Wrap {
				dx = min(dx, w-dx)
			}
			if dy < -cfg.NeighbourRows || dy > cfg.NeighbourRows || dx > cfg.NeighbourCols {
				continue
			}
			i, j := p.PixelPoint[a], p.PixelPoint[b]
			ex, ey, ez := float64(c.X[i]-c.X[j]), float64(c.Y[i]-c.Y[j]), float64(c.Z[i]-c.Z[j])
			thr := cfg.Distance + cfg.RangeFactor*float64(min(p.PixelRange[a], p.PixelRange[b]))
			if math.Sqrt(ex*ex+ey*ey+ez*ez) <= thr*(1+1e-6) {
				parent[find(a)] = find(b)
			}
		}
	}
	out := make([]int, h*w)
	for i := range out {
		out[i] = -1
		if ok(i) {
			out[i] = find(i)
		}
	}
	return out
}

func TestClusterBruteTwin(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		c := syntheticSweep(16, 64, seed)
		rng := rand.New(rand.NewPCG(seed, 7))
		for i := range c.X { // scatter some points to break surfaces apart
			if rng.IntN(5) == 0 {
				c.X[i] *= 1.5
			}
		}
		pr, _ := NewProjector(ProjectionConfig{Height: 16, Width: 64, FovUpDeg: 3, FovDownDeg: -25, UseRing: true})
		p, err := pr.Project(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		ground := make([]bool, len(c.X))
		for i := range ground {
			ground[i] = rng.IntN(3) == 0
		}
		cfg := DefaultClusterConfig()
		cfg.MinPoints = 1
		cl, _ := NewClusterer(cfg)
		inst := make([]uint32, len(c.X))
		if _, err := cl.Cluster(p, c, ground, inst); err != nil {
			t.Fatal(err)
		}
		want := bruteComponents(cl.Config(), p, c, ground)
		// Same partition of the pixels: a bijection between ids.
		fwd, back := map[uint32]int{}, map[int]uint32{}
		for pix, j := range p.PixelPoint {
			if j < 0 {
				continue
			}
			got := inst[j]
			if (got == 0) != (want[pix] < 0) {
				t.Fatalf("seed %d pixel %d: instance %d, twin component %d", seed, pix, got, want[pix])
			}
			if got == 0 {
				continue
			}
			if v, ok := fwd[got]; ok && v != want[pix] {
				t.Fatalf("seed %d: instance %d spans twin components %d and %d", seed, got, v, want[pix])
			}
			if v, ok := back[want[pix]]; ok && v != got {
				t.Fatalf("seed %d: twin component %d split into %d and %d", seed, want[pix], v, got)
			}
			fwd[got], back[want[pix]] = want[pix], got
		}
	}
}

// TestClusterBoxes: on the synthetic sweep without its ground, the two
// boxes are two instances. The foot of a box (its lowest 0.35 m) may be
// taken for ground: a vertical face tilts its region's plane a little, the
// known limit of lowest-point seeding.
func TestClusterBoxes(t *testing.T) {
	c := syntheticSweep(64, 1024, 2)
	pr, _ := NewProjector(ProjectionConfig{Height: 64, Width: 1024, FovUpDeg: 3, FovDownDeg: -25, UseRing: true})
	p, err := pr.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewGround(GroundConfig{})
	ground := make([]bool, len(c.X))
	_ = g.Segment(c, ground)
	cl, _ := NewClusterer(DefaultClusterConfig())
	inst := make([]uint32, len(c.X))
	n, err := cl.Cluster(p, c, ground, inst)
	if err != nil {
		t.Fatal(err)
	}
	front, left := map[uint32]int{}, map[uint32]int{}
	for i := range c.X {
		x, y, z := c.X[i], c.Y[i], c.Z[i]
		if z > -1.38 && x > 7.9 && x < 8.1 && y > -1.4 && y < 1.4 {
			front[inst[i]]++
		}
		if z > -1.38 && y > 4.9 && y < 5.1 && x > -2.9 && x < 2.9 {
			left[inst[i]]++
		}
	}
	if len(front) != 1 || len(left) != 1 || front[0] > 0 || left[0] > 0 {
		t.Fatalf("front box instances %v, left box instances %v (of %d)", front, left, n)
	}
	for k := range front {
		if _, same := left[k]; same {
			t.Errorf("both boxes are instance %d", k)
		}
	}
}

func TestClusterErrors(t *testing.T) {
	_, err := NewClusterer(ClusterConfig{Distance: -1})
	wantConfigErr(t, "distance -1", err, "lidarseg.ClusterConfig.Distance", "want finite > 0 m")
	pr, _ := NewProjector(ProjectionConfig{Height: 4, Width: 8, FovUpDeg: 3, FovDownDeg: -25})
	c := Cloud{X: []float32{1}, Y: []float32{0}, Z: []float32{0}}
	p, _ := pr.Project(c, nil)
	cl, _ := NewClusterer(ClusterConfig{})
	if _, err := cl.Cluster(p, c, nil, make([]uint32, 2)); !errors.Is(err, ErrInput) {
		t.Error(err)
	}
}

func BenchmarkGround(b *testing.B) {
	c := syntheticSweep(64, 2048, 1)
	g, _ := NewGround(GroundConfig{})
	ground := make([]bool, len(c.X))
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Segment(c, ground)
	}
	b.ReportMetric(float64(b.N)*float64(len(c.X))/b.Elapsed().Seconds(), "points/s")
}

func BenchmarkCluster(b *testing.B) {
	c := syntheticSweep(64, 2048, 1)
	pr, _ := NewProjector(ProjectionConfig{Height: 64, Width: 2048, FovUpDeg: 3, FovDownDeg: -25, UseRing: true})
	p, _ := pr.Project(c, nil)
	g, _ := NewGround(GroundConfig{})
	ground := make([]bool, len(c.X))
	_ = g.Segment(c, ground)
	cl, _ := NewClusterer(DefaultClusterConfig())
	inst := make([]uint32, len(c.X))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = cl.Cluster(p, c, ground, inst)
	}
	b.ReportMetric(float64(b.N)*float64(len(c.X))/b.Elapsed().Seconds(), "points/s")
}

func TestGroundClusterAllocs(t *testing.T) {
	c := syntheticSweep(64, 512, 1)
	pr, _ := NewProjector(ProjectionConfig{Height: 64, Width: 512, FovUpDeg: 3, FovDownDeg: -25, UseRing: true})
	p, _ := pr.Project(c, nil)
	g, _ := NewGround(GroundConfig{})
	ground := make([]bool, len(c.X))
	cl, _ := NewClusterer(DefaultClusterConfig())
	inst := make([]uint32, len(c.X))
	run := func() {
		_ = g.Segment(c, ground)
		_, _ = cl.Cluster(p, c, ground, inst)
	}
	run()
	if n := testing.AllocsPerRun(5, run); n != 0 {
		t.Errorf("ground and clusters allocate %v times per frame", n)
	}
}

// TestGroundFarOutlierFirst puts a stray return a million kilometres out
// ahead of a sloped patch of ground in the outermost zone (which has no
// far edge): the fit must still find the ground, so its moments must not
// be taken about that point.
func TestGroundFarOutlierFirst(t *testing.T) {
	c := Cloud{X: []float32{float32(1e9 * math.Cos(0.05))}, Y: []float32{float32(1e9 * math.Sin(0.05))}, Z: []float32{50}}
	for i := range 400 {
		x, y := 52+float64(i%20)*0.8, -3+float64(i/20)*0.3
		c.X, c.Y, c.Z = append(c.X, float32(x)), append(c.Y, float32(y)), append(c.Z, float32(-1.73+0.05*(x-52)))
	}
	g, err := NewGround(GroundConfig{Sectors: 1})
	if err != nil {
		t.Fatal(err)
	}
	ground := make([]bool, len(c.X))
	if err := g.Segment(c, ground); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, gr := range ground[1:] {
		if gr {
			n++
		}
	}
	if n != 400 {
		t.Fatalf("%d of 400 ground points marked", n)
	}
}
