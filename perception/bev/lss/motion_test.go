package lss

import (
	"github.com/gopercept/gopercept/internal/testfix"
	"math"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
)

// rebuiltXYZ is frustum point idx of b's last build in base_link, in the
// builder's arithmetic.
func rebuiltXYZ(b *Builder, idx int) (x, y, z float64) {
	p, s := idx%b.hw, idx/b.hw
	cr := &b.rays[s/b.nd]
	d := b.c.depth(s % b.nd)
	return cr.t[0] + d*cr.dir[3*p], cr.t[1] + d*cr.dir[3*p+1], cr.t[2] + d*cr.dir[3*p+2]
}

// cellIJ returns the grid column and row of plane offset cell.
func cellIJ(c Config, cell int32) (i, j int) {
	if c.Layout == bev.LayoutXY {
		return int(cell) / c.Grid.Height(), int(cell) % c.Grid.Height()
	}
	return int(cell) % c.Grid.Width(), int(cell) / c.Grid.Width()
}

// moveStats compares a moved geometry with a full rebuild of the moved
// cameras point by point, failing on any point outside the stated bound:
// a point both keep must lie within bound of the cell Move gave it (so at
// most ⌈bound/res⌉ cells from the rebuild's in each axis), and a point only
// one keeps must lie within bound of the grid's edge or within dz of a
// height limit. It returns how many points both keep in the same cell,
// both keep, and only one keeps.
func moveStats(t *testing.T, cfg Config, got *Geometry, rb *Builder, want *Geometry, bound, dz float64) (same, both, one int) {
	t.Helper()
	gc, wc := got.PointCells(), want.PointCells()
	grid := cfg.Grid
	res := grid.Resolution
	maxCells := int(math.Ceil(bound / res))
	nearLimit := func(x, y, z float64) bool {
		return x < grid.XMin+bound || x >= grid.XMax-bound || y < grid.YMin+bound || y >= grid.YMax-bound ||
			math.Abs(z-cfg.ZMin) <= dz || math.Abs(z-cfg.ZMax) <= dz
	}
	for idx := range gc {
		a, w := gc[idx], wc[idx]
		if a < 0 && w < 0 {
			continue
		}
		x, y, z := rebuiltXYZ(rb, idx)
		if a < 0 || w < 0 {
			one++
			if !nearLimit(x, y, z) {
				t.Fatalf("point %d at (%.3f %.3f %.3f): kept by Move %v, by the rebuild %v, away from the grid's limits", idx, x, y, z, a >= 0, w >= 0)
			}
			continue
		}
		both++
		if a == w {
			same++
			continue
		}
		ai, aj := cellIJ(cfg, a)
		wi, wj := cellIJ(cfg, w)
		// Distance from the true point to the cell Move chose.
		x0, y0 := grid.XMin+float64(ai)*res, grid.YMin+float64(aj)*res
		dx := max(x0-x, 0, x-(x0+res))
		dy := max(y0-y, 0, y-(y0+res))
		if math.Hypot(dx, dy) > bound+1e-9 || abs(ai-wi) > maxCells || abs(aj-wj) > maxCells {
			t.Fatalf("point %d at (%.3f %.3f): Move's cell (%d %d) is %.3f m away (bound %.3f m), the rebuild's (%d %d)",
				idx, x, y, ai, aj, math.Hypot(dx, dy), bound, wi, wj)
		}
	}
	return same, both, one
}

func abs(a int) int { return max(a, -a) }

// TestMovingGeometryMatchesRebuild moves the nuScenes rig and a distorted
// test rig (both layouts) by ego motions of up to 0.4 m and 0.012 rad per
// camera and checks every point against a full rebuild of the moved
// cameras within MovingGeometry's bound (one cell here), and that
// translations by whole cells are exact. The test has teeth: the unmoved
// geometry misses the bound.
func TestMovingGeometryMatchesRebuild(t *testing.T) {
	small := testConfig()
	smallXY := small
	smallXY.Layout = bev.LayoutXY
	for _, tc := range []struct {
		name string
		cfg  Config
		cams []bev.Camera
	}{
		{"nuScenes", Config{Sampling: SampleLinspace}, testfix.NuScenesRig()},
		{"distorted", small, testRig(5)},
		{"distorted-xy", smallXY, testRig(4)},
	} {
		m, err := NewMovingGeometry(tc.cfg, tc.cams, 0)
		if err != nil {
			t.Fatal(err)
		}
		cfg := m.cfg
		res := cfg.Grid.Resolution
		var rb Builder
		check := func(label string, motions [][16]float64) (same, both, one int) {
			got, err := m.Move(motions)
			if err != nil {
				t.Fatal(err)
			}
			want, err := rb.Build(tc.cfg, MoveRig(tc.cams, motions))
			if err != nil {
				t.Fatal(err)
			}
			bound := m.Bound(motions)
			if bound >= res {
				t.Fatalf("%s %s: bound %.3f m not below a cell", tc.name, label, bound)
			}
			// Height change of a point under the motion: |tz| plus the
			// tilt over the farthest point (grid corner, 10 m up).
			var dz float64
			far := math.Hypot(math.Hypot(max(-cfg.Grid.XMin, cfg.Grid.XMax), max(-cfg.Grid.YMin, cfg.Grid.YMax)), 10)
			for _, mo := range motions {
				dz = max(dz, math.Abs(mo[11])+math.Hypot(mo[8], mo[9])*far)
			}
			same, both, one = moveStats(t, cfg, got, &rb, want, bound, dz+1e-9)
			if one > both/50 {
				t.Errorf("%s %s: %d points kept by one side only, of %d", tc.name, label, one, both)
			}
			t.Logf("%s %s: %d of %d points in the rebuild's cell, the rest one cell off; %d kept by one side (bound %.3f m)",
				tc.name, label, same, both, one, bound)
			return same, both, one
		}
		for f := range 3 {
			motions := RigMotions(f, len(tc.cams))
			same, both, _ := check("frame", motions)
			if same < both/2 {
				t.Errorf("%s frame %d: only %d of %d points in the rebuild's cell", tc.name, f, same, both)
			}
		}
		// Whole cells without rotation: exact.
		shift := make([][16]float64, len(tc.cams))
		for i := range shift {
			shift[i] = [16]float64{1, 0, 0, 2 * res, 0, 1, 0, -float64(i%3) * res, 0, 0, 1, 0, 0, 0, 0, 1}
		}
		if same, both, _ := check("whole-cell shift", shift); same != both {
			t.Errorf("%s: whole-cell shift places %d of %d points in another cell than the rebuild", tc.name, both-same, both)
		}
		// Teeth: the geometry left unmoved is off by more than the bound.
		motions := RigMotions(1, len(tc.cams))
		if _, err := rb.Build(tc.cfg, MoveRig(tc.cams, motions)); err != nil {
			t.Fatal(err)
		}
		ident := make([][16]float64, len(tc.cams))
		for i := range ident {
			ident[i] = [16]float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
		}
		unmoved, _ := m.Move(ident)
		bound := m.Bound(motions)
		far := 0
		for idx, cell := range unmoved.PointCells() {
			if cell < 0 {
				continue
			}
			x, y, _ := rebuiltXYZ(&rb, idx)
			i, j := cellIJ(cfg, cell)
			x0, y0 := cfg.Grid.XMin+float64(i)*res, cfg.Grid.YMin+float64(j)*res
			if math.Hypot(max(x0-x, 0, x-(x0+res)), max(y0-y, 0, y-(y0+res))) > bound {
				far++
			}
		}
		if far == 0 {
			t.Errorf("%s: the unmoved geometry is within the bound of the moved points: the test cannot tell", tc.name)
		}
	}
}

// TestMovingGeometryPool pools moved geometries with one Pooler reset each
// frame (the repeated-cell intervals and the kept per-point offsets) and
// checks the result against the float64 definition over the moved
// geometry's points and cells, with and without SIMD, and that Move and
// Reset do not allocate.
func TestMovingGeometryPool(t *testing.T) {
	simd := useSIMD
	defer func() { useSIMD = simd }()
	cfg := testConfig()
	cams := testRig(5)
	m, err := NewMovingGeometry(cfg, cams, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{80, 12} {
		for _, useSIMD = range []bool{simd, false} {
			var p *Pooler
			for f := range 3 {
				g, err := m.Move(RigMotions(f, len(cams)))
				if err != nil {
					t.Fatal(err)
				}
				repeats := 0
				for i := 1; i < len(g.Intervals); i++ {
					if g.Intervals[i].Cell == g.Intervals[i-1].Cell {
						repeats++
					}
				}
				if repeats == 0 {
					t.Fatal("no cell with several intervals: the accumulation goes untested")
				}
				if p == nil {
					if p, err = NewPooler(g, c, 2); err != nil {
						t.Fatal(err)
					}
					defer p.Close()
				} else if err := p.Reset(g); err != nil {
					t.Fatal(err)
				}
				depth, feat := RandomInputs(g, c, uint64(f))
				got := make([]float32, p.OutputLen())
				if err := p.Pool(depth, feat, got); err != nil {
					t.Fatal(err)
				}
				kept := 0
				for _, cell := range g.PointCells() {
					if cell >= 0 {
						kept++
					}
				}
				if kept != g.Kept() {
					t.Fatalf("frame %d: Kept %d, %d points in cells", f, g.Kept(), kept)
				}
				plane, hw := g.Cells(), g.FH*g.FW
				want, abs := make([]float64, len(got)), make([]float64, len(got))
				for idx, cell := range g.PointCells() {
					if cell < 0 {
						continue
					}
					n, pix := idx/(g.D*hw), idx%hw
					for ch := range c {
						term := float64(depth[idx]) * float64(feat[(n*c+ch)*hw+pix])
						want[ch*plane+int(cell)] += term
						abs[ch*plane+int(cell)] += math.Abs(term)
					}
				}
				for i := range want {
					if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-4*abs[i]+1e-7) {
						t.Fatalf("c %d simd %v frame %d: [%d] = %v, want %v", c, useSIMD, f, i, got[i], want[i])
					}
				}
			}
		}
	}
	g, _ := m.Move(RigMotions(0, len(cams)))
	p, _ := NewPooler(g, 8, 2)
	defer p.Close()
	mot := [][][16]float64{RigMotions(1, len(cams)), RigMotions(2, len(cams))}
	f := 0
	if a := testing.AllocsPerRun(4, func() {
		g, _ := m.Move(mot[f%2])
		if err := p.Reset(g); err != nil {
			t.Fatal(err)
		}
		f++
	}); a > 0 {
		t.Errorf("Move and Reset allocate %v times a frame", a)
	}
	if _, err := m.Move(mot[0][:2]); err == nil {
		t.Error("two motions for five cameras accepted")
	}
}
