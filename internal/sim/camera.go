package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// CameraModel is a pinhole camera with plumb_bob distortion, as in
// sensor_msgs/CameraInfo: D = (k1, k2, p1, p2, k3). Pixel coordinates follow
// OpenCV and CameraInfo: the centre of pixel (column i, row j) is at
// (u, v) = (i, j), and the renderer samples each pixel at its centre.
type CameraModel struct {
	Width, Height  int        // Width and Height are the image size, pixels.
	Fx, Fy, Cx, Cy float64    // Fx, Fy, Cx, Cy are the intrinsics, pixels.
	D              [5]float64 // D is (k1, k2, p1, p2, k3).
}

// NewPinhole returns an undistorted model of the given size and horizontal
// field of view (degrees), square pixels and the principal point at the
// image centre.
func NewPinhole(width, height int, hfovDeg float64) CameraModel {
	f := float64(width) / 2 / math.Tan(hfovDeg*deg/2)
	return CameraModel{Width: width, Height: height, Fx: f, Fy: f, Cx: float64(width-1) / 2, Cy: float64(height-1) / 2}
}

func (m *CameraModel) validate() error {
	switch {
	case m.Width <= 0 || m.Width > 16384:
		return cfgErr("CameraModel.Width", m.Width, "not in [1, 16384]")
	case m.Height <= 0 || m.Height > 16384:
		return cfgErr("CameraModel.Height", m.Height, "not in [1, 16384]")
	case !(m.Fx > 0):
		return cfgErr("CameraModel.Fx", m.Fx, "focal lengths must be positive")
	case !(m.Fy > 0):
		return cfgErr("CameraModel.Fy", m.Fy, "focal lengths must be positive")
	}
	return nil
}

// distort maps normalised undistorted coordinates to distorted ones.
func (m *CameraModel) distort(x, y float64) (float64, float64) {
	k1, k2, p1, p2, k3 := m.D[0], m.D[1], m.D[2], m.D[3], m.D[4]
	r2 := x*x + y*y
	rad := 1 + r2*(k1+r2*(k2+r2*k3))
	return x*rad + 2*p1*x*y + p2*(r2+2*x*x), y*rad + p1*(r2+2*y*y) + 2*p2*x*y
}

// Project maps a point in the optical frame (z forward, x right, y down,
// metres) to distorted pixel coordinates (u right, v down; pixel centres at
// integers). ok is false for points not in front of the camera (z <= 0);
// pixels outside the image are returned with ok true, see Contains.
func (m *CameraModel) Project(p r3.Vec) (u, v float64, ok bool) {
	if p.Z <= 1e-9 {
		return 0, 0, false
	}
	xd, yd := m.distort(p.X/p.Z, p.Y/p.Z)
	return m.Fx*xd + m.Cx, m.Fy*yd + m.Cy, true
}

// Contains reports whether pixel coordinates lie inside the image, whose
// pixels span [-0.5, Width-0.5) × [-0.5, Height-0.5).
func (m *CameraModel) Contains(u, v float64) bool {
	return u >= -0.5 && v >= -0.5 && u < float64(m.Width)-0.5 && v < float64(m.Height)-0.5
}

// Unproject returns the ray through distorted pixel (u, v) as a point on the
// z = 1 plane of the optical frame. The distortion is inverted by Newton
// iterations to 1e-12 in normalised coordinates.
func (m *CameraModel) Unproject(u, v float64) r3.Vec {
	xd, yd := (u-m.Cx)/m.Fx, (v-m.Cy)/m.Fy
	x, y := xd, yd
	k1, k2, p1, p2, k3 := m.D[0], m.D[1], m.D[2], m.D[3], m.D[4]
	for it := 0; it < 20; it++ {
		fx, fy := m.distort(x, y)
		ex, ey := fx-xd, fy-yd
		if ex*ex+ey*ey < 1e-26 {
			break
		}
		r2 := x*x + y*y
		rad := 1 + r2*(k1+r2*(k2+r2*k3))
		drad := k1 + r2*(2*k2+3*k3*r2) // d rad / d r2
		j00 := rad + 2*x*x*drad + 2*p1*y + 6*p2*x
		j01 := 2*x*y*drad + 2*p1*x + 2*p2*y
		j10 := 2*x*y*drad + 2*p1*x + 2*p2*y
		j11 := rad + 2*y*y*drad + 6*p1*y + 2*p2*x
		det := j00*j11 - j01*j10
		if det == 0 {
			break
		}
		x -= (j11*ex - j01*ey) / det
		y -= (-j10*ex + j00*ey) / det
	}
	return r3.Vec{X: x, Y: y, Z: 1}
}
