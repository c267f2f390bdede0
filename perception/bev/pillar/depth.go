package pillar

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// MinDepth is the smallest optical-axis depth, m, that DepthImage keeps.
const MinDepth = 0.1

// DepthImage writes into out ([len(cams), 1, height, width], fully
// overwritten) the nearest optical-axis depth, m, of the base_link points
// (x[i], y[i], z[i]) that project into each network-input pixel of each
// camera, or 0. A point reaches the input image through the inverse of
// Camera.Extrinsic, Camera.Lens (or its pinhole) and Camera.Aug; points
// nearer than MinDepth, with a ray outside the camera's field of view
// (Camera.MaxRadius2) or projecting outside the original image are
// dropped. It does
// not allocate beyond what the Lens and a nil-Lens pinhole (one small
// interface value per camera) need.
func DepthImage(x, y, z []float32, cams []bev.Camera, width, height int, out []float32) error {
	n := len(x)
	if len(y) != n || len(z) != n {
		return shapeError("y/z", min(len(y), len(z)), n)
	}
	if width <= 0 || height <= 0 {
		return configerr.New("pillar.DepthImage width×height", fmt.Sprintf("%d×%d", width, height), "must be positive")
	}
	if want := len(cams) * width * height; len(out) != want {
		return shapeError("out", len(out), want)
	}
	clear(out)
	for ci := range cams {
		cam := &cams[ci]
		if err := cam.Validate(); err != nil {
			return fmt.Errorf("pillar: camera %d: %w", ci, err)
		}
		img := out[ci*width*height : (ci+1)*width*height]
		e := cam.Extrinsic
		a := cam.AugMatrix()
		lens := cam.LensModel()
		ow, oh := float64(cam.Width), float64(cam.Height)
		r2max := cam.MaxRadius2() * 1.02
		for i := range x {
			// Optical frame: p_cam = Rᵀ (p − t).
			dx, dy, dz := float64(x[i])-e[3], float64(y[i])-e[7], float64(z[i])-e[11]
			cz := e[2]*dx + e[6]*dy + e[10]*dz
			if !(cz >= MinDepth) {
				continue
			}
			cx := e[0]*dx + e[4]*dy + e[8]*dz
			cy := e[1]*dx + e[5]*dy + e[9]*dz
			if cx*cx+cy*cy > r2max*cz*cz {
				continue // outside the field of view, where the lens may fold back
			}
			u, v, ok := lens.Project(r3.Vec{X: cx, Y: cy, Z: cz})
			if !ok || !(u >= -0.5 && u < ow-0.5 && v >= -0.5 && v < oh-0.5) {
				continue
			}
			wh := a[6]*u + a[7]*v + a[8]
			ui := (a[0]*u + a[1]*v + a[2]) / wh
			vi := (a[3]*u + a[4]*v + a[5]) / wh
			col, row := math.Floor(ui+0.5), math.Floor(vi+0.5)
			if !(col >= 0 && col < float64(width) && row >= 0 && row < float64(height)) {
				continue
			}
			k := int(row)*width + int(col)
			if d := float32(cz); img[k] == 0 || d < img[k] {
				img[k] = d
			}
		}
	}
	return nil
}
