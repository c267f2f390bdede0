package lss

import (
	"github.com/gopercept/gopercept/internal/testfix"
	"math"

	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// radialLens is a test lens with one radial coefficient k1 on normalised
// coordinates: x_d = x·(1 + k1·r²).
type radialLens struct {
	fx, fy, cx, cy, k1 float64
}

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
	for i := 0; i < 30; i++ {
		s := 1 + l.k1*(x*x+y*y)
		x, y = xd/s, yd/s
	}
	return x, y
}

// testRig returns n cameras spread around the vehicle, 400×240 images
// resized by 0.44 and cropped to 176×64, the odd ones with radial
// distortion.
func testRig(n int) []bev.Camera {
	cams := make([]bev.Camera, n)
	for i := range cams {
		psi := 2 * math.Pi * float64(i) / float64(n)
		c := bev.Camera{
			Name: "cam", Width: 400, Height: 240, Fx: 220 + 10*float64(i), Fy: 215, Cx: 200.5, Cy: 119,
			Aug:       bev.ResizeCrop(0.44, 0.44, 0, 41.6),
			Extrinsic: testfix.OpticalExtrinsic(psi, 0.05*float64(i%3), 1.2*math.Cos(psi), 0.6*math.Sin(psi), 1.6),
		}
		if i%2 == 1 {
			c.Distortion = "radial"
			c.D = []float64{-0.1}
			c.Lens = radialLens{c.Fx, c.Fy, c.Cx, c.Cy, -0.1}
		}
		cams[i] = c
	}
	return cams
}

// testConfig is a small frustum: 8×22 features of a 176×64 input, 22 depth
// bins over [1, 12) m, a 0.5 m grid over ±10 m.
func testConfig() Config {
	return Config{
		Grid:     bev.Grid{XMin: -10, XMax: 10, YMin: -10, YMax: 10, Resolution: 0.5},
		ZMin:     -3,
		ZMax:     5,
		DepthMin: 1, DepthMax: 12, DepthStep: 0.5,
		InputWidth: 176, InputHeight: 64, FeatWidth: 22, FeatHeight: 8,
	}
}
