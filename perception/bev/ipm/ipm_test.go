package ipm

import (
	"cmp"
	"errors"
	"github.com/gopercept/gopercept/internal/testfix"
	"math"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// extrinsic returns base_link←optical for a camera at t looking along yaw
// psi, pitched down by pitch (rad).
func extrinsic(psi, pitch float64, t r3.Vec) [16]float64 {
	cp, sp := math.Cos(pitch), math.Sin(pitch)
	f := r3.Vec{X: math.Cos(psi) * cp, Y: math.Sin(psi) * cp, Z: -sp}
	l := r3.Vec{X: -math.Sin(psi), Y: math.Cos(psi)}
	up := r3.Cross(f, l)
	xo, yo := r3.Scale(-1, l), r3.Scale(-1, up)
	return [16]float64{xo.X, yo.X, f.X, t.X, xo.Y, yo.Y, f.Y, t.Y, xo.Z, yo.Z, f.Z, t.Z, 0, 0, 0, 1}
}

// ground is the painted ground: a colour ramp with a red 1 m square at
// x ∈ [8, 9), y ∈ [1, 2).
func ground(x, y float64) [3]float64 {
	if x >= 8 && x < 9 && y >= 1 && y < 2 {
		return [3]float64{255, 0, 0}
	}
	return [3]float64{100 + 5*x, 128 + 15*y, 60}
}

// renderCamera ray-casts every pixel of cam onto the ground z = 0 and
// paints it; the sky is blue.
func renderCamera(cam bev.Camera) *imageconv.RGB {
	im := &imageconv.RGB{Width: cam.Width, Height: cam.Height, Pix: make([]uint8, 3*cam.Width*cam.Height)}
	e := cam.Extrinsic
	lens := cam.LensModel()
	for v := 0; v < cam.Height; v++ {
		for u := 0; u < cam.Width; u++ {
			x, y := lens.Undistort(float64(u), float64(v))
			d := r3.Vec{X: e[0]*x + e[1]*y + e[2], Y: e[4]*x + e[5]*y + e[6], Z: e[8]*x + e[9]*y + e[10]}
			c := [3]float64{0, 0, 255}
			if d.Z < 0 {
				s := -e[11] / d.Z
				c = ground(e[3]+s*d.X, e[7]+s*d.Y)
			}
			for k := 0; k < 3; k++ {
				im.Pix[3*(v*cam.Width+u)+k] = uint8(math.Max(0, math.Min(255, math.Round(c[k]))))
			}
		}
	}
	return im
}

func testRig() []bev.Camera {
	return []bev.Camera{
		{Name: "front", Width: 320, Height: 240, Fx: 200, Fy: 200, Cx: 159.5, Cy: 119.5, Extrinsic: extrinsic(0, 0.35, r3.Vec{X: 1.5, Z: 1.6})},
		{Name: "front_left", Width: 320, Height: 240, Fx: 180, Fy: 180, Cx: 159.5, Cy: 119.5, Extrinsic: extrinsic(math.Pi/4, 0.3, r3.Vec{X: 1.2, Y: 0.5, Z: 1.6})},
		{Name: "rear", Width: 320, Height: 240, Fx: 200, Fy: 200, Cx: 159.5, Cy: 119.5, Extrinsic: extrinsic(math.Pi, 0.35, r3.Vec{X: -1, Z: 1.6})},
	}
}

// radialLens is a test lens with one radial coefficient on normalised
// coordinates: x_d = x·(1 + k1·r²).
type radialLens struct{ fx, fy, cx, cy, k1 float64 }

func (l radialLens) Project(p r3.Vec) (u, v float64, ok bool) {
	if !(p.Z > 0) {
		return 0, 0, false
	}
	x, y := p.X/p.Z, p.Y/p.Z
	s := 1 + l.k1*(x*x+y*y)
	return l.fx*x*s + l.cx, l.fy*y*s + l.cy, true
}

func (l radialLens) Undistort(u, v float64) (x, y float64) {
	xd, yd := (u-l.cx)/l.fx, (v-l.cy)/l.fy
	x, y = xd, yd
	for i := 0; i < 40; i++ {
		s := 1 + l.k1*(x*x+y*y)
		x, y = xd/s, yd/s
	}
	return x, y
}

// TestIPMPaintedGround maps the painted ground back to the grid: the red
// square lands in the cells that hold it and the ramp elsewhere.
func TestIPMPaintedGround(t *testing.T) {
	t.Run("pinhole", func(t *testing.T) { paintedGround(t, testRig()) })
	t.Run("distorted", func(t *testing.T) {
		cams := testRig()
		c := &cams[0]
		c.Distortion, c.D = "radial", []float64{-0.08}
		c.Lens = radialLens{c.Fx, c.Fy, c.Cx, c.Cy, -0.08}
		paintedGround(t, cams)
	})
}

func paintedGround(t *testing.T, cams []bev.Camera) {
	images := make([]*imageconv.RGB, len(cams))
	for i := range cams {
		images[i] = renderCamera(cams[i])
	}
	g := bev.Grid{XMin: -12, XMax: 20, YMin: -6, YMax: 6, Resolution: 0.25}
	for _, blend := range []Blend{BlendCentral, BlendAverage} {
		m, err := NewMapper(Config{Grid: g, Blend: blend}, cams)
		if err != nil {
			t.Fatal(err)
		}
		var out imageconv.RGB
		if err := m.Render(images, &out); err != nil {
			t.Fatal(err)
		}
		if out.Width != g.Width() || out.Height != g.Height() {
			t.Fatalf("size %d×%d", out.Width, out.Height)
		}
		pix := func(x, y float64) []uint8 {
			i, j, _ := g.Cell(x, y)
			return out.Pix[3*(j*out.Width+i) : 3*(j*out.Width+i)+3]
		}
		if p := pix(8.5, 1.5); p[0] != 255 || p[1] > 5 || p[2] > 5 {
			t.Errorf("blend %d: red square cell is %v", blend, p)
		}
		if p := pix(8.5, -1.5); p[0] == 255 {
			t.Errorf("blend %d: cell off the square is red: %v", blend, p)
		}
		// Ramp cells away from the square's edges, in front of and behind
		// the vehicle.
		checked := 0
		for _, pt := range [][2]float64{{5.1, 0.1}, {12.1, -2.1}, {15.1, 3.1}, {-6.1, 0.6}, {-9.1, -1.1}, {7.1, 4.1}} {
			i, j, _ := g.Cell(pt[0], pt[1])
			x, y := g.Center(i, j)
			want := ground(x, y)
			p := pix(pt[0], pt[1])
			for k := 0; k < 3; k++ {
				if math.Abs(float64(p[k])-want[k]) > 3 {
					t.Errorf("blend %d: ground (%v, %v): %v, want %v", blend, x, y, p, want)
					break
				}
			}
			checked++
		}
		// Right beside the vehicle no camera sees the ground.
		if p := pix(0, 5.9); p[0] != 0 || p[1] != 0 || p[2] != 0 {
			t.Errorf("blend %d: unseen cell %v", blend, p)
		}
		if c := m.Coverage(); c < 0.3 || c > 0.99 {
			t.Errorf("coverage %v", c)
		}
	}
}

// TestIPMBrute compares Render with a direct per-cell projection through
// general matrix inverses, with averaging and a missing camera.
func TestIPMBrute(t *testing.T) {
	cams := testRig()
	images := []*imageconv.RGB{renderCamera(cams[0]), renderCamera(cams[1]), nil}
	g := bev.Grid{XMin: -4, XMax: 16, YMin: -8, YMax: 8, Resolution: 0.5}
	m, err := NewMapper(Config{Grid: g, Blend: BlendAverage, Orientation: OrientForwardUp}, cams)
	if err != nil {
		t.Fatal(err)
	}
	var out imageconv.RGB
	if err := m.Render(images, &out); err != nil {
		t.Fatal(err)
	}
	if out.Width != g.Height() || out.Height != g.Width() {
		t.Fatalf("size %d×%d", out.Width, out.Height)
	}
	both := 0
	for j := 0; j < g.Height(); j++ {
		for i := 0; i < g.Width(); i++ {
			x, y := g.Center(i, j)
			var acc [3]float64
			n := 0
			for c, cam := range cams {
				if images[c] == nil {
					continue
				}
				var inv mat.Dense
				if err := inv.Inverse(mat.NewDense(4, 4, cam.Extrinsic[:])); err != nil {
					t.Fatal(err)
				}
				var q mat.VecDense
				q.MulVec(&inv, mat.NewVecDense(4, []float64{x, y, 0, 1}))
				if q.AtVec(2) < MinDepth {
					continue
				}
				u := cam.Fx*q.AtVec(0)/q.AtVec(2) + cam.Cx
				v := cam.Fy*q.AtVec(1)/q.AtVec(2) + cam.Cy
				if u < -0.5 || u >= float64(cam.Width)-0.5 || v < -0.5 || v >= float64(cam.Height)-0.5 {
					continue
				}
				im := images[c]
				clamp := func(k, n int) int { return min(max(k, 0), n-1) }
				x0, y0 := math.Floor(u), math.Floor(v)
				for dy := 0; dy < 2; dy++ {
					for dx := 0; dx < 2; dx++ {
						w := (1 - math.Abs(u-x0-float64(dx))) * (1 - math.Abs(v-y0-float64(dy)))
						px := clamp(int(y0)+dy, im.Height)*im.Width + clamp(int(x0)+dx, im.Width)
						for k := 0; k < 3; k++ {
							acc[k] += w * float64(im.Pix[3*px+k])
						}
					}
				}
				n++
			}
			if n == 2 {
				both++
			}
			row, col := g.Width()-1-i, g.Height()-1-j // forward up, left left
			got := out.Pix[3*(row*out.Width+col) : 3*(row*out.Width+col)+3]
			for k := 0; k < 3; k++ {
				want := 0.0
				if n > 0 {
					want = acc[k] / float64(n)
				}
				if math.Abs(float64(got[k])-want) > 1 { // float32 blending may round the other way
					t.Fatalf("cell (%d,%d) = (%v, %v): %v, want %v/%d", i, j, x, y, got, acc, n)
				}
			}
		}
	}
	if both == 0 {
		t.Error("no cell seen by both cameras: the blend is untested")
	}
	if err := m.Render(images[:2], &out); !errors.Is(err, ErrShape) {
		t.Errorf("too few images: %v", err)
	}
	bad := *images[0]
	bad.Width = 100
	if err := m.Render([]*imageconv.RGB{&bad, nil, nil}, &out); !errors.Is(err, ErrShape) {
		t.Errorf("wrong size: %v", err)
	}
	var ce *configerr.Error
	if _, err := NewMapper(Config{GroundZ: math.NaN()}, cams); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
		ce.Param != "ipm.Config.GroundZ" || ce.Reason != "not finite" {
		t.Errorf("NaN ground: %v", err)
	}
	if _, err := NewMapper(Config{Blend: 9}, cams); !errors.As(err, &ce) || ce.Param != "ipm.Config.Blend" || ce.Value != Blend(9) {
		t.Errorf("blend 9: %v", err)
	}
	if _, err := NewMapper(Config{}, nil); !errors.As(err, &ce) || ce.Param != "cameras" || ce.Value != 0 {
		t.Errorf("no cameras: %v", err)
	}
	broken := cams[0]
	broken.Fx = 0
	if _, err := NewMapper(Config{}, []bev.Camera{broken}); !errors.Is(err, bev.ErrInvalidCamera) {
		t.Errorf("camera without focal length: %v", err)
	}
}

// BenchmarkRender stitches the six 1600×900 cameras of testfix.NuScenesRig
// into the 256×256 grid.
func BenchmarkRender(b *testing.B) {
	// The shared rig at its cameras' full resolution (the IPM reads the
	// original images; the rig's resize-and-crop is the networks').
	cams := testfix.NuScenesRig()
	images := make([]*imageconv.RGB, len(cams))
	for i := range cams {
		images[i] = &imageconv.RGB{Width: 1600, Height: 900, Pix: make([]uint8, 3*1600*900)}
	}
	m, err := NewMapper(Config{}, cams)
	if err != nil {
		b.Fatal(err)
	}
	var out imageconv.RGB
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Render(images, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(m.Coverage(), "coverage")
}

// BenchmarkReset rebuilds the lookup of the six nuScenes cameras on the
// 256×256 grid, as ego motion makes bevfusion do every frame.
func BenchmarkReset(b *testing.B) {
	cams := testfix.NuScenesRig()
	m, err := NewMapper(Config{}, cams)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Reset(cams); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIPMLensMatters renders through a distorted lens and maps back with
// the pinhole that ignores it: the ground must come out misplaced, so the
// distorted case of TestIPMPaintedGround really exercises the Lens.
func TestIPMLensMatters(t *testing.T) {
	cams := testRig()[:1]
	c := &cams[0]
	c.Distortion, c.D = "radial", []float64{-0.08}
	c.Lens = radialLens{c.Fx, c.Fy, c.Cx, c.Cy, -0.08}
	images := []*imageconv.RGB{renderCamera(cams[0])}
	pin := []bev.Camera{cams[0]}
	pin[0].Lens, pin[0].D = nil, nil
	g := bev.Grid{XMin: 0, XMax: 20, YMin: -6, YMax: 6, Resolution: 0.25}
	m, err := NewMapper(Config{Grid: g}, pin)
	if err != nil {
		t.Fatal(err)
	}
	var out imageconv.RGB
	if err := m.Render(images, &out); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for _, pt := range [][2]float64{{12.1, -2.1}, {15.1, 3.1}, {7.1, 4.1}} {
		i, j, _ := g.Cell(pt[0], pt[1])
		x, y := g.Center(i, j)
		want := ground(x, y)
		p := out.Pix[3*(j*out.Width+i):]
		for k := 0; k < 3; k++ {
			worst = math.Max(worst, math.Abs(float64(p[k])-want[k]))
		}
	}
	if worst <= 3 {
		t.Errorf("ignoring the distortion changes the colours by only %v", worst)
	}
}

// TestResetMatchesNew moves the rig (as ego motion does every frame) and
// checks that Reset gives the lookup NewMapper builds for the moved rig,
// without allocating, and that a bad rig leaves the Mapper as it was.
func TestResetMatchesNew(t *testing.T) {
	cfg := Config{Grid: bev.Grid{XMin: -20, XMax: 20, YMin: -20, YMax: 20, Resolution: 0.5}}
	rig := testRig()
	m, err := NewMapper(cfg, rig)
	if err != nil {
		t.Fatal(err)
	}
	moved := append([]bev.Camera(nil), rig...)
	for k := range moved {
		moved[k].Extrinsic[3] += 0.7
		moved[k].Extrinsic[7] -= 0.3
	}
	if err := m.Reset(moved); err != nil {
		t.Fatal(err)
	}
	want, err := NewMapper(cfg, moved)
	if err != nil {
		t.Fatal(err)
	}
	if m.Fingerprint() != want.Fingerprint() || !slices.Equal(m.start, want.start) || !slices.Equal(m.samp, want.samp) {
		t.Fatalf("Reset: %d samples, NewMapper %d; lookups differ", len(m.samp), len(want.samp))
	}
	// Cell by cell against a direct computation: the bands built apart
	// must join into the lookup a single pass gives.
	for j := range m.h {
		for i := range m.w {
			x, y := cfg.Grid.Center(i, j)
			var cell []sample
			for n := range moved {
				c := &moved[n]
				if u, v, ok := view(c, c.MaxRadius2()*1.02, r3.Vec{X: x, Y: y}); ok {
					du, dv := (u-c.Cx)/float64(c.Width), (v-c.Cy)/float64(c.Height)
					cell = append(cell, sample{cam: uint8(n), u: float32(u), v: float32(v), score: float32(du*du + dv*dv)})
				}
			}
			slices.SortStableFunc(cell, func(a, b sample) int { return cmp.Compare(a.score, b.score) })
			c := j*m.w + i
			if got := m.samp[m.start[c]:m.start[c+1]]; !slices.Equal(got, cell) {
				t.Fatalf("cell (%d, %d): samples %v, direct %v", i, j, got, cell)
			}
		}
	}
	if m.Fingerprint() == mustMapper(t, cfg, rig).Fingerprint() || len(m.samp) == 0 {
		t.Fatal("the moved rig gives the same lookup: the test moves nothing")
	}
	if a := testing.AllocsPerRun(5, func() {
		if err := m.Reset(rig); err != nil {
			t.Fatal(err)
		}
		if err := m.Reset(moved); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Reset allocates %.0f times", a)
	}
	bad := append([]bev.Camera(nil), moved...)
	bad[1].Fx = 0
	if err := m.Reset(bad); !errors.Is(err, bev.ErrInvalidCamera) {
		t.Fatalf("Reset with a zero focal length: %v", err)
	}
	if !slices.Equal(m.samp, want.samp) {
		t.Error("a failed Reset changed the lookup")
	}
}

func mustMapper(t *testing.T, cfg Config, cams []bev.Camera) *Mapper {
	t.Helper()
	m, err := NewMapper(cfg, cams)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
