package lss_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
	"github.com/gopercept/gopercept/perception/bev/pillar"
	"gonum.org/v1/gonum/spatial/r3"
)

// distorted is a radial lens for the consistency test.
type distorted struct{ fx, fy, cx, cy, k1 float64 }

func (l distorted) Project(p r3.Vec) (u, v float64, ok bool) {
	if !(p.Z > 0) {
		return 0, 0, false
	}
	x, y := p.X/p.Z, p.Y/p.Z
	s := 1 + l.k1*(x*x+y*y)
	return l.fx*x*s + l.cx, l.fy*y*s + l.cy, true
}

func (l distorted) Undistort(u, v float64) (x, y float64) {
	xd, yd := (u-l.cx)/l.fx, (v-l.cy)/l.fy
	x, y = xd, yd
	for i := 0; i < 40; i++ {
		s := 1 + l.k1*(x*x+y*y)
		x, y = xd/s, yd/s
	}
	return x, y
}

// TestLiftInvertsDepthProjection projects lidar points into the cameras
// with pillar.DepthImage (forward: extrinsic⁻¹, lens, augmentation) and
// lifts the pixel and depth they land on with the lss geometry (inverse:
// augmentation⁻¹, undistortion, extrinsic). Both must agree on where the
// point is, up to the pixel and depth-bin quantisation: this pins the
// conventions of the two directions to each other.
func TestLiftInvertsDepthProjection(t *testing.T) {
	ext := func(psi float64, tx, ty float64) [16]float64 {
		c, s := math.Cos(psi), math.Sin(psi)
		return [16]float64{s, 0, c, tx, -c, 0, s, ty, 0, -1, 0, 1.5, 0, 0, 0, 1}
	}
	cams := []bev.Camera{
		{Name: "front", Width: 200, Height: 96, Fx: 100, Fy: 100, Cx: 99.5, Cy: 47.5,
			Aug: bev.ResizeCrop(0.25, 0.25, 0, 2), Extrinsic: ext(0, 1, 0)},
		{Name: "left", Width: 200, Height: 96, Fx: 90, Fy: 90, Cx: 101, Cy: 46,
			Distortion: "radial", D: []float64{-0.03}, Lens: distorted{90, 90, 101, 46, -0.03},
			Aug: bev.ResizeCrop(0.25, 0.25, 0, 2), Extrinsic: ext(math.Pi/2, 0, 0.5)},
	}
	const w, h = 50, 20
	cfg := lss.Config{
		Grid:     bev.Grid{XMin: -25, XMax: 25, YMin: -25, YMax: 25, Resolution: 0.25},
		DepthMin: 1, DepthMax: 21, DepthStep: 0.05,
		InputWidth: w, InputHeight: h, FeatWidth: w, FeatHeight: h,
	}
	g, err := lss.NewGeometry(cfg, cams)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	checked := 0
	for trial := 0; trial < 400; trial++ {
		p := r3.Vec{X: 40 * (rng.Float64() - 0.5), Y: 40 * (rng.Float64() - 0.5), Z: 3 * rng.Float64()}
		img := make([]float32, len(cams)*w*h)
		x, y, z := []float32{float32(p.X)}, []float32{float32(p.Y)}, []float32{float32(p.Z)}
		if err := pillar.DepthImage(x, y, z, cams, w, h, img); err != nil {
			t.Fatal(err)
		}
		for n := range cams {
			for pix, d := range img[n*w*h : (n+1)*w*h] {
				if d == 0 || d >= 20.9 {
					continue
				}
				row, col := pix/w, pix%w
				k := int(math.Round((float64(d) - cfg.DepthMin) / cfg.DepthStep))
				idx := ((n*g.D+k)*g.FH+row)*g.FW + col
				cell := g.PointCells()[idx]
				if cell < 0 {
					t.Fatalf("camera %d pixel (%d,%d) depth %v: lifted outside the grid, point %v", n, col, row, d, p)
				}
				gw := cfg.Grid.Width()
				cx, cy := cfg.Grid.Center(int(cell)%gw, int(cell)/gw)
				// Half a pixel at the input focal length, the depth bin and
				// half a cell diagonal.
				fIn := cams[n].Fx * 0.25 * 0.85 // distortion shrinks the edge focal length
				bound := float64(d)*0.71/fIn + cfg.DepthStep + cfg.Grid.Resolution*0.71
				if dist := math.Hypot(cx-p.X, cy-p.Y); dist > bound {
					t.Fatalf("camera %d pixel (%d,%d) depth %v: lifted to (%.2f, %.2f), point (%.2f, %.2f), %.3f m > %.3f m",
						n, col, row, d, cx, cy, p.X, p.Y, dist, bound)
				}
				checked++
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d points checked", checked)
	}
}
