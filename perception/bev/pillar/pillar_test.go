package pillar

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// randomCloud returns n points spread over ±60 m, z in [−6, 6) m, with
// intensity in [0, 255), a few NaN.
func randomCloud(n int, seed uint64) (x, y, z, in []float32) {
	rng := rand.New(rand.NewPCG(seed, 11))
	x, y, z, in = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		r := 60 * math.Sqrt(rng.Float64())
		a := 2 * math.Pi * rng.Float64()
		x[i], y[i] = float32(r*math.Cos(a)), float32(r*math.Sin(a))
		z[i] = float32(-6 + 12*rng.Float64())
		in[i] = float32(255 * rng.Float64())
		if i%997 == 0 {
			x[i] = float32(math.NaN())
		}
	}
	return
}

// TestPillarBrute checks Run against per-cell float64 statistics gathered
// with bev.Grid.Cell: counts exactly, heights and intensities within
// 1e-5 relative.
func TestPillarBrute(t *testing.T) {
	for _, layout := range []bev.Layout{bev.LayoutYX, bev.LayoutXY} {
		cfg := Config{Grid: bev.Grid{XMin: -20, XMax: 30, YMin: -15, YMax: 15, Resolution: 1}, Layout: layout, ZMin: -3, ZMax: 4}
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		x, y, z, in := randomCloud(20000, 1)
		out := make([]float32, p.OutputLen())
		kept, err := p.Run(x, y, z, in, out)
		if err != nil {
			t.Fatal(err)
		}
		g := cfg.Grid
		cells := g.Cells()
		type st struct {
			n          int
			maxZ, sumZ float64
			sumI       float64
		}
		ref := make([]st, cells)
		want := 0
		for i := range x {
			if !(float64(z[i]) >= cfg.ZMin && float64(z[i]) < cfg.ZMax) {
				continue
			}
			ci, cj, ok := g.Cell(float64(x[i]), float64(y[i]))
			if !ok {
				continue
			}
			c := g.Offset(layout, ci, cj)
			if ref[c].n == 0 || float64(z[i]) > ref[c].maxZ {
				ref[c].maxZ = float64(z[i])
			}
			ref[c].n++
			ref[c].sumZ += float64(z[i])
			ref[c].sumI += float64(in[i])
			want++
		}
		if kept != want {
			t.Errorf("kept %d, want %d", kept, want)
		}
		near := func(got float32, want float64, what string, c int) {
			if math.Abs(float64(got)-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Fatalf("%v cell %d %s = %v, want %v", layout, c, what, got, want)
			}
		}
		for c, r := range ref {
			near(out[ChanCount*cells+c], float64(r.n), "count", c)
			occ, mz, mi := 0.0, 0.0, 0.0
			if r.n > 0 {
				occ, mz, mi = 1, r.sumZ/float64(r.n), r.sumI/float64(r.n)
			}
			near(out[ChanOccupancy*cells+c], occ, "occupancy", c)
			near(out[ChanMaxZ*cells+c], r.maxZ, "max z", c)
			near(out[ChanMeanZ*cells+c], mz, "mean z", c)
			near(out[ChanMeanIntensity*cells+c], mi, "mean intensity", c)
		}
		if _, err := p.Run(x, y[1:], z, in, out); !errors.Is(err, ErrShape) {
			t.Errorf("short y: %v", err)
		}
		if a := testing.AllocsPerRun(5, func() { _, _ = p.Run(x, y, z, nil, out) }); a != 0 {
			t.Errorf("Run allocates %v", a)
		}
	}
	var ce *configerr.Error
	if _, err := New(Config{ZMin: 1, ZMax: 0}); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
		ce.Param != "pillar.Config.ZMax" || ce.Value != 0.0 || ce.Reason != "must exceed ZMin 1" {
		t.Errorf("bad z range: %v", err)
	}
	if _, err := New(Config{Grid: bev.Grid{XMax: 1, YMax: 1}}); !errors.As(err, &ce) || ce.Param != "bev.Grid.Resolution" {
		t.Errorf("zero resolution: %v", err)
	}
	if err := DepthImage(nil, nil, nil, nil, 0, 4, nil); !errors.As(err, &ce) || ce.Param != "pillar.DepthImage width×height" || ce.Value != "0×4" {
		t.Errorf("0×4 depth image: %v", err)
	}
}

// poseAt is the sensor pose odom←sensor of a vehicle driving at vx m/s
// along x while yawing at w rad/s, at time s.
func poseAt(vx, w, s float64) tf.Transform {
	return tf.Transform{Translation: r3.Vec{X: vx * s, Y: 0.3 * s}, Rotation: tf.QuatFromRPY(0, 0, w*s)}
}

// TestDeskewConstantVelocity scans static world points from a moving
// sensor and checks that Deskew brings them all to where the sensor sees
// them at the sweep end.
func TestDeskewConstantVelocity(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vx, w  float64
		tol    float64
		firing int // points that share a time
	}{
		{"translation", 15, 0, 2e-5, 1},
		{"translation+yaw", 15, 0.6, 1e-4, 1},
		{"translation+yaw, 64 points a firing", 15, 0.6, 1e-4, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, sweep = 5000, 0.1
			rng := rand.New(rand.NewPCG(3, 3))
			end := poseAt(tc.vx, tc.w, sweep)
			motion := func(s float64) (tf.Transform, error) {
				return end.Inverse().Compose(poseAt(tc.vx, tc.w, s)), nil
			}
			x, y, z, ts := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			want := make([]r3.Vec, n)
			for i := range x {
				world := r3.Vec{X: 40 * (rng.Float64() - 0.5), Y: 40 * (rng.Float64() - 0.5), Z: 2 * rng.Float64()}
				s := sweep * float64(i/tc.firing*tc.firing) / n
				p := poseAt(tc.vx, tc.w, s).Inverse().Apply(world)
				x[i], y[i], z[i], ts[i] = float32(p.X), float32(p.Y), float32(p.Z), float32(s)
				want[i] = end.Inverse().Apply(world)
			}
			x2, y2, z2 := append([]float32(nil), x...), append([]float32(nil), y...), append([]float32(nil), z...)
			if err := Deskew(x, y, z, ts, motion, 0); err != nil {
				t.Fatal(err)
			}
			if err := DeskewExact(x2, y2, z2, ts, motion); err != nil {
				t.Fatal(err)
			}
			for i := range x {
				for _, got := range []r3.Vec{
					{X: float64(x[i]), Y: float64(y[i]), Z: float64(z[i])},
					{X: float64(x2[i]), Y: float64(y2[i]), Z: float64(z2[i])},
				} {
					if d := r3.Norm(r3.Sub(got, want[i])); d > tc.tol {
						t.Fatalf("point %d (t %.4f): %v, want %v (%.2g m off)", i, ts[i], got, want[i], d)
					}
				}
			}
		})
	}
	x := []float32{1}
	boom := errors.New("no tf")
	if err := Deskew(x, x, x, x, func(float64) (tf.Transform, error) { return tf.Transform{}, boom }, 4); !errors.Is(err, ErrMotion) || !errors.Is(err, boom) {
		t.Errorf("motion error: %v", err)
	}
}

// TestDepthImageBrute checks DepthImage against a per-point projection
// with general matrix algebra, and a known point.
func TestDepthImageBrute(t *testing.T) {
	// Two cameras: forward and left, 200×100 images resized by 0.5 and
	// cropped by 10 px at the top to 100×40.
	ext := func(psi float64) [16]float64 {
		c, s := math.Cos(psi), math.Sin(psi)
		// optical x = right, y = down, z = forward of a camera yawed by psi.
		return [16]float64{s, 0, c, 1.0, -c, 0, s, 0.2, 0, -1, 0, 1.5, 0, 0, 0, 1}
	}
	cams := []bev.Camera{
		{Name: "front", Width: 200, Height: 100, Fx: 100, Fy: 100, Cx: 99.5, Cy: 49.5, Aug: bev.ResizeCrop(0.5, 0.5, 0, 10), Extrinsic: ext(0)},
		{Name: "left", Width: 200, Height: 100, Fx: 80, Fy: 80, Cx: 99.5, Cy: 49.5, Aug: bev.ResizeCrop(0.5, 0.5, 0, 10), Extrinsic: ext(math.Pi / 2)},
	}
	const w, h = 100, 40
	x, y, z, _ := randomCloud(30000, 5)
	// A known point 10 m straight ahead of the front camera: optical
	// (0, 0, 10) → original pixel (99.5, 49.5) → input (49.75, 14.75) →
	// pixel (50, 15).
	x = append(x, 11)
	y = append(y, 0.2)
	z = append(z, 1.5)
	out := make([]float32, len(cams)*w*h)
	if err := DepthImage(x, y, z, cams, w, h, out); err != nil {
		t.Fatal(err)
	}
	if got := out[15*w+50]; got != 10 {
		t.Errorf("known point: depth %v at (50, 15), want 10", got)
	}
	want := make([]float32, len(out))
	for ci, cam := range cams {
		var inv mat.Dense
		if err := inv.Inverse(mat.NewDense(4, 4, cam.Extrinsic[:])); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			var pc mat.VecDense
			pc.MulVec(&inv, mat.NewVecDense(4, []float64{float64(x[i]), float64(y[i]), float64(z[i]), 1}))
			d := pc.AtVec(2)
			if !(d >= MinDepth) {
				continue
			}
			u := cam.Fx*pc.AtVec(0)/d + cam.Cx
			v := cam.Fy*pc.AtVec(1)/d + cam.Cy
			if u < -0.5 || u >= 199.5 || v < -0.5 || v >= 99.5 {
				continue
			}
			col, row := int(math.Round(u*0.5)), int(math.Round(v*0.5-10))
			if col < 0 || col >= w || row < 0 || row >= h {
				continue
			}
			k := ci*w*h + row*w + col
			if want[k] == 0 || float32(d) < want[k] {
				want[k] = float32(d)
			}
		}
	}
	hits, diff := 0, 0
	for k := range out {
		if out[k] != 0 {
			hits++
		}
		if math.Abs(float64(out[k]-want[k])) > 1e-4*float64(want[k]) {
			diff++ // a point on a pixel edge may round either way
		}
	}
	if hits < 500 || diff > 2 {
		t.Errorf("%d pixels hit, %d differ from the brute-force image", hits, diff)
	}
	if err := DepthImage(x, y, z, cams, w, h, out[1:]); !errors.Is(err, ErrShape) {
		t.Errorf("short out: %v", err)
	}
}

// foldLens is a radial lens whose polynomial folds back at r ≈ 1.83.
type foldLens struct{ f, c, k1 float64 }

func (l foldLens) Project(p r3.Vec) (u, v float64, ok bool) {
	if !(p.Z > 0) {
		return 0, 0, false
	}
	x, y := p.X/p.Z, p.Y/p.Z
	s := 1 + l.k1*(x*x+y*y)
	return l.f*x*s + l.c, l.f*y*s + l.c, true
}

func (l foldLens) Undistort(u, v float64) (x, y float64) {
	xd, yd := (u-l.c)/l.f, (v-l.c)/l.f
	x, y = xd, yd
	for i := 0; i < 60; i++ {
		s := 1 + l.k1*(x*x+y*y)
		x, y = xd/s, yd/s
	}
	return x, y
}

// TestDepthImageFoldBack: a point far outside the field of view whose
// distortion polynomial folds it back into the image must be dropped.
func TestDepthImageFoldBack(t *testing.T) {
	cam := bev.Camera{Name: "wide", Width: 160, Height: 160, Fx: 90, Fy: 90, Cx: 79.5, Cy: 79.5,
		Distortion: "radial", D: []float64{-0.1}, Lens: foldLens{90, 79.5, -0.1},
		Extrinsic: [16]float64{0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1}}
	// Ray (X/Z, Y/Z) = (3, 0): the polynomial gives 3·(1 − 0.9) = 0.3,
	// pixel 106.5, inside the image.
	if u, _, _ := cam.Lens.Project(r3.Vec{X: 3, Z: 1}); u < 0 || u > 160 {
		t.Fatalf("test lens does not fold: u = %v", u)
	}
	// base_link point 1 m ahead, 3 m to the right (optical x = −y).
	x, y, z := []float32{1, 1}, []float32{-3, -0.2}, []float32{0, 0}
	out := make([]float32, 160*160)
	if err := DepthImage(x, y, z, []bev.Camera{cam}, 160, 160, out); err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, d := range out {
		if d != 0 {
			hits++
		}
	}
	if hits != 1 {
		t.Errorf("%d pixels hit, want only the point inside the field of view", hits)
	}
}

// TestDeskewerReuse runs one Deskewer with knot counts that grow and
// shrink and checks each result equals a fresh Deskew's, bit for bit, and
// that a second sweep allocates nothing.
func TestDeskewerReuse(t *testing.T) {
	const n = 2000
	rng := rand.New(rand.NewPCG(4, 4))
	motion := func(s float64) (tf.Transform, error) { return poseAt(12, 0.4, s), nil }
	base := make([][4]float32, n)
	for i := range base {
		base[i] = [4]float32{float32(30 * (rng.Float64() - 0.5)), float32(30 * (rng.Float64() - 0.5)), float32(rng.Float64()), float32(0.1 * rng.Float64())}
	}
	split := func() (x, y, z, ts []float32) {
		for _, p := range base {
			x, y, z, ts = append(x, p[0]), append(y, p[1]), append(z, p[2]), append(ts, p[3])
		}
		return
	}
	var d Deskewer
	for _, knots := range []int{4, 16, 3, 0} {
		x, y, z, ts := split()
		if err := d.Deskew(x, y, z, ts, motion, knots); err != nil {
			t.Fatal(err)
		}
		wx, wy, wz, _ := split()
		if err := Deskew(wx, wy, wz, ts, motion, knots); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x, wx) || !slices.Equal(y, wy) || !slices.Equal(z, wz) {
			t.Fatalf("%d knots: a reused Deskewer differs from Deskew", knots)
		}
	}
	x, y, z, ts := split()
	if a := testing.AllocsPerRun(3, func() { _ = d.Deskew(x, y, z, ts, motion, 0) }); a != 0 {
		t.Errorf("a reused Deskewer allocates %.0f times", a)
	}
}
