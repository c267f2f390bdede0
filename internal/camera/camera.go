package camera

import (
	"math"
	"strconv"

	"gonum.org/v1/gonum/spatial/r3"
)

// Distortion model names as sensor_msgs/CameraInfo spells them.
const (
	PlumbBob           = "plumb_bob"
	RationalPolynomial = "rational_polynomial"
	Equidistant        = "equidistant"
	None               = "none"
)

// Model is a calibrated camera: image size in pixels, pinhole intrinsics in
// pixels and the lens distortion. Build one with FromCameraInfo; a Model
// built by hand must call Init before use.
type Model struct {
	Width, Height int     // Width and Height are the image size in pixels.
	Fx, Fy        float64 // Fx and Fy are the focal lengths in pixels.
	Cx, Cy        float64 // Cx and Cy are the principal point in pixels.
	// Distortion is PlumbBob, RationalPolynomial, Equidistant or None.
	Distortion string
	// D holds the coefficients in CameraInfo order (see the package doc);
	// empty means no distortion.
	D []float64

	kind   int        // kind is the resolved distortion family.
	k      [8]float64 // k holds k1..k6 for radial models or k1..k4 for equidistant.
	p1, p2 float64
	// rMax is the normalised radius (pinhole models) or the angle θ in
	// radians (equidistant) up to which the distortion is monotone.
	rMax float64
	// rdMax is the distorted radius reached at rMax.
	rdMax float64
}

const (
	kindNone = iota
	kindRadial
	kindFisheye
)

// FromCameraInfo builds a Model from the fields of a sensor_msgs/CameraInfo:
// the image size, distortion_model, D and the row-major K. It names the first
// field that is wrong in a *CalibrationError.
func FromCameraInfo(width, height uint32, distortionModel string, d []float64, k [9]float64) (*Model, error) {
	m := &Model{
		Width: int(width), Height: int(height),
		Fx: k[0], Fy: k[4], Cx: k[2], Cy: k[5],
		Distortion: distortionModel,
		D:          append([]float64(nil), d...),
	}
	if err := m.Init(); err != nil {
		return nil, err
	}
	return m, nil
}

// Init validates m and precomputes its distortion tables. FromCameraInfo,
// Scaled and Cropped call it; call it after filling a Model by hand.
func (m *Model) Init() error {
	if m.Width <= 0 || m.Height <= 0 {
		return calibErr("width×height", [2]int{m.Width, m.Height}, ErrSize)
	}
	if !(m.Fx > 0) || math.IsInf(m.Fx, 0) {
		return calibErr("K[0] (fx)", m.Fx, ErrFocalLength)
	}
	if !(m.Fy > 0) || math.IsInf(m.Fy, 0) {
		return calibErr("K[4] (fy)", m.Fy, ErrFocalLength)
	}
	if !finite(m.Cx) {
		return calibErr("K[2] (cx)", m.Cx, ErrPrincipalPoint)
	}
	if !finite(m.Cy) {
		return calibErr("K[5] (cy)", m.Cy, ErrPrincipalPoint)
	}
	for i, v := range m.D {
		if !finite(v) {
			return calibErr("D["+itoa(i)+"]", v, ErrDistortionValue)
		}
	}
	m.k = [8]float64{}
	m.p1, m.p2 = 0, 0
	want := 0
	switch m.Distortion {
	case PlumbBob:
		want = 5
		m.kind = kindRadial
	case RationalPolynomial:
		want = 8
		m.kind = kindRadial
	case Equidistant:
		want = 4
		m.kind = kindFisheye
	case None, "":
		m.kind = kindNone
	default:
		return calibErr("distortion_model", "\""+m.Distortion+"\"", ErrDistortionModel)
	}
	switch {
	case len(m.D) == 0:
		m.kind = kindNone
	case m.kind == kindNone:
		for i, v := range m.D {
			if v != 0 {
				return calibErr("D["+itoa(i)+"]", v, ErrDistortionLength)
			}
		}
	case len(m.D) != want:
		return calibErr("D (length for "+m.Distortion+", want "+itoa(want)+")", len(m.D), ErrDistortionLength)
	}
	if len(m.D) > 0 {
		switch m.Distortion {
		case PlumbBob:
			m.k[0], m.k[1], m.p1, m.p2, m.k[2] = m.D[0], m.D[1], m.D[2], m.D[3], m.D[4]
		case RationalPolynomial:
			m.k[0], m.k[1], m.p1, m.p2 = m.D[0], m.D[1], m.D[2], m.D[3]
			m.k[2], m.k[3], m.k[4], m.k[5] = m.D[4], m.D[5], m.D[6], m.D[7]
		case Equidistant:
			copy(m.k[:4], m.D)
		}
	}
	m.findLimit()
	return nil
}

// findLimit scans the radial distortion for the first radius where it stops
// increasing.
func (m *Model) findLimit() {
	switch m.kind {
	case kindNone:
		m.rMax, m.rdMax = math.Inf(1), math.Inf(1)
	case kindRadial:
		// Normalised radii up to 20 (87° off axis) in steps of 1e-3.
		const limit, step = 20.0, 1e-3
		prev := 0.0
		m.rMax, m.rdMax = limit, limit*m.radial(limit*limit)
		for r := step; r <= limit; r += step {
			g := r * m.radial(r*r)
			if !(g > prev) || m.radialDen(r*r) <= 0 {
				m.rMax, m.rdMax = r-step, prev
				break
			}
			prev = g
		}
	case kindFisheye:
		const limit, step = math.Pi, 1e-4
		prev := 0.0
		m.rMax, m.rdMax = limit, m.thetaD(limit)
		for t := step; t <= limit; t += step {
			g := m.thetaD(t)
			if !(g > prev) {
				m.rMax, m.rdMax = t-step, prev
				break
			}
			prev = g
		}
	}
}

func (m *Model) radialDen(r2 float64) float64 {
	return 1 + r2*(m.k[3]+r2*(m.k[4]+r2*m.k[5]))
}

// radial returns the radial factor at squared normalised radius r2.
func (m *Model) radial(r2 float64) float64 {
	num := 1 + r2*(m.k[0]+r2*(m.k[1]+r2*m.k[2]))
	return num / m.radialDen(r2)
}

// radialD returns the radial factor and its derivative with respect to r2.
func (m *Model) radialD(r2 float64) (float64, float64) {
	num := 1 + r2*(m.k[0]+r2*(m.k[1]+r2*m.k[2]))
	dnum := m.k[0] + r2*(2*m.k[1]+3*r2*m.k[2])
	den := m.radialDen(r2)
	dden := m.k[3] + r2*(2*m.k[4]+3*r2*m.k[5])
	return num / den, (dnum*den - num*dden) / (den * den)
}

// thetaD returns the equidistant distorted angle for the incidence angle t.
func (m *Model) thetaD(t float64) float64 {
	t2 := t * t
	return t * (1 + t2*(m.k[0]+t2*(m.k[1]+t2*(m.k[2]+t2*m.k[3]))))
}

func (m *Model) thetaDD(t float64) float64 {
	t2 := t * t
	return 1 + t2*(3*m.k[0]+t2*(5*m.k[1]+t2*(7*m.k[2]+t2*9*m.k[3])))
}

// Distort maps undistorted normalised coordinates (x, y) = (X/Z, Y/Z) to
// distorted normalised coordinates, for the pinhole models (plumb_bob,
// rational_polynomial, none). For equidistant it applies the fisheye mapping
// to the same normalised input.
func (m *Model) Distort(x, y float64) (xd, yd float64) {
	switch m.kind {
	case kindRadial:
		r2 := x*x + y*y
		rad := m.radial(r2)
		xd = x*rad + 2*m.p1*x*y + m.p2*(r2+2*x*x)
		yd = y*rad + m.p1*(r2+2*y*y) + 2*m.p2*x*y
		return xd, yd
	case kindFisheye:
		r := math.Hypot(x, y)
		if r < 1e-15 {
			return x, y
		}
		s := m.thetaD(math.Atan(r)) / r
		return x * s, y * s
	}
	return x, y
}

// Project maps a point in the camera optical frame (metres) to distorted
// pixel coordinates. ok is false for points behind the camera (z ≤ 0 for the
// pinhole models; beyond the fisheye's monotone angle for equidistant), for
// points outside the distortion's monotone region and for non-finite input.
// Points outside the image may still be ok; see InImage.
func (m *Model) Project(p r3.Vec) (u, v float64, ok bool) {
	var xd, yd float64
	if m.kind == kindFisheye {
		rho := math.Hypot(p.X, p.Y)
		t := math.Atan2(rho, p.Z)
		if !(t <= m.rMax) {
			return math.NaN(), math.NaN(), false
		}
		if rho < 1e-300 {
			xd, yd = 0, 0
		} else {
			s := m.thetaD(t) / rho
			xd, yd = p.X*s, p.Y*s
		}
	} else {
		if !(p.Z > 0) || math.IsInf(p.Z, 0) {
			return math.NaN(), math.NaN(), false
		}
		x, y := p.X/p.Z, p.Y/p.Z
		if !(x*x+y*y <= m.rMax*m.rMax) {
			return math.NaN(), math.NaN(), false
		}
		xd, yd = m.Distort(x, y)
	}
	u, v = m.Fx*xd+m.Cx, m.Fy*yd+m.Cy
	return u, v, finite(u) && finite(v)
}

// InImage reports whether the pixel (u, v) lies on the image, pixel centres
// at integers, so the valid range is [-0.5, Width-0.5) × [-0.5, Height-0.5).
func (m *Model) InImage(u, v float64) bool {
	return u >= -0.5 && v >= -0.5 && u < float64(m.Width)-0.5 && v < float64(m.Height)-0.5
}

// Undistort maps a distorted pixel to undistorted normalised coordinates
// (x, y) = (X/Z, Y/Z) by Newton iteration on the distortion, converged to
// 1e-9 in normalised units wherever the model is monotone. It returns NaN
// for pixels outside the monotone region and, for equidistant, for rays at
// 90° or more off the axis (use Ray for those).
func (m *Model) Undistort(u, v float64) (x, y float64) {
	xd, yd := (u-m.Cx)/m.Fx, (v-m.Cy)/m.Fy
	switch m.kind {
	case kindRadial:
		return m.undistortRadial(xd, yd)
	case kindFisheye:
		t, ok := m.undistortTheta(math.Hypot(xd, yd))
		if !ok || t >= math.Pi/2 {
			return math.NaN(), math.NaN()
		}
		rd := math.Hypot(xd, yd)
		if rd < 1e-15 {
			return xd, yd
		}
		s := math.Tan(t) / rd
		return xd * s, yd * s
	}
	return xd, yd
}

// undistortRadial inverts Distort for the pinhole models by Newton steps
// with the analytic Jacobian, started from the distorted point.
func (m *Model) undistortRadial(xd, yd float64) (float64, float64) {
	if !(math.Hypot(xd, yd) <= m.rdMax*1.05+1e-9) {
		return math.NaN(), math.NaN()
	}
	x, y := xd, yd
	for it := 0; it < 50; it++ {
		r2 := x*x + y*y
		rad, drad := m.radialD(r2)
		fx := x*rad + 2*m.p1*x*y + m.p2*(r2+2*x*x) - xd
		fy := y*rad + m.p1*(r2+2*y*y) + 2*m.p2*x*y - yd
		j00 := rad + 2*x*x*drad + 2*m.p1*y + 6*m.p2*x
		j01 := 2*x*y*drad + 2*m.p1*x + 2*m.p2*y
		j10 := 2*x*y*drad + 2*m.p1*x + 2*m.p2*y
		j11 := rad + 2*y*y*drad + 6*m.p1*y + 2*m.p2*x
		det := j00*j11 - j01*j10
		if det == 0 || !finite(det) {
			return math.NaN(), math.NaN()
		}
		dx := (j11*fx - j01*fy) / det
		dy := (j00*fy - j10*fx) / det
		x -= dx
		y -= dy
		if math.Abs(dx) < 1e-12 && math.Abs(dy) < 1e-12 {
			break
		}
	}
	if !(x*x+y*y <= m.rMax*m.rMax*1.0001) {
		return math.NaN(), math.NaN()
	}
	// Check the residual: a failed iteration returns NaN, not a wrong ray.
	ex, ey := m.Distort(x, y)
	if math.Abs(ex-xd) > 1e-9 || math.Abs(ey-yd) > 1e-9 {
		return math.NaN(), math.NaN()
	}
	return x, y
}

// undistortTheta solves thetaD(θ) = rd for θ in [0, rMax].
func (m *Model) undistortTheta(rd float64) (float64, bool) {
	if !(rd <= m.rdMax) {
		return math.NaN(), false
	}
	t := rd
	if t > m.rMax {
		t = m.rMax
	}
	for it := 0; it < 50; it++ {
		f := m.thetaD(t) - rd
		d := m.thetaDD(t)
		if d <= 0 {
			return math.NaN(), false
		}
		step := f / d
		t -= step
		if t < 0 {
			t = 0
		}
		if math.Abs(step) < 1e-13 {
			break
		}
	}
	if math.Abs(m.thetaD(t)-rd) > 1e-9 {
		return math.NaN(), false
	}
	return t, true
}

// Ray returns the unit direction in the camera optical frame of the pixel
// (u, v), through the full distortion model. For equidistant lenses it is
// valid beyond 90° off the axis. It is NaN where Undistort is.
func (m *Model) Ray(u, v float64) r3.Vec {
	if m.kind == kindFisheye {
		xd, yd := (u-m.Cx)/m.Fx, (v-m.Cy)/m.Fy
		rd := math.Hypot(xd, yd)
		t, ok := m.undistortTheta(rd)
		if !ok {
			return r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}
		}
		if rd < 1e-15 {
			return r3.Vec{Z: 1}
		}
		s := math.Sin(t) / rd
		return r3.Vec{X: xd * s, Y: yd * s, Z: math.Cos(t)}
	}
	x, y := m.Undistort(u, v)
	n := math.Sqrt(x*x + y*y + 1)
	return r3.Vec{X: x / n, Y: y / n, Z: 1 / n}
}

// BackProject returns the point in the camera optical frame seen at pixel
// (u, v) with depth z along the optical axis (metres), as an aligned depth
// image stores it: (x·z, y·z, z) with (x, y) = Undistort(u, v).
func (m *Model) BackProject(u, v, z float64) r3.Vec {
	x, y := m.Undistort(u, v)
	return r3.Vec{X: x * z, Y: y * z, Z: z}
}

// Scaled returns the model of the image resized by sx horizontally and sy
// vertically (new size = round(size × s)), with pixel centres aligned as
// OpenCV's resize does: u' = (u + 0.5)·sx − 0.5. Distortion is unchanged.
func (m *Model) Scaled(sx, sy float64) (*Model, error) {
	if !(sx > 0) || !(sy > 0) || math.IsInf(sx, 0) || math.IsInf(sy, 0) {
		return nil, calibErr("scale", [2]float64{sx, sy}, ErrScale)
	}
	c := *m
	c.D = append([]float64(nil), m.D...)
	c.Width = int(math.Round(float64(m.Width) * sx))
	c.Height = int(math.Round(float64(m.Height) * sy))
	c.Fx, c.Fy = m.Fx*sx, m.Fy*sy
	c.Cx, c.Cy = (m.Cx+0.5)*sx-0.5, (m.Cy+0.5)*sy-0.5
	if err := c.Init(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Cropped returns the model of the image cropped so that pixel (x0, y0)
// becomes (0, 0); the size shrinks to Width−x0 × Height−y0 (set Width and
// Height and call Init for a smaller crop). Negative offsets pad.
func (m *Model) Cropped(x0, y0 int) (*Model, error) {
	c := *m
	c.D = append([]float64(nil), m.D...)
	c.Width -= x0
	c.Height -= y0
	c.Cx -= float64(x0)
	c.Cy -= float64(y0)
	if err := c.Init(); err != nil {
		return nil, err
	}
	return &c, nil
}

// K returns the row-major 3×3 intrinsic matrix.
func (m *Model) K() [9]float64 {
	return [9]float64{m.Fx, 0, m.Cx, 0, m.Fy, m.Cy, 0, 0, 1}
}

// ValidRadius returns the normalised radius (pinhole models) or the angle
// in radians (equidistant) up to which the distortion is monotone; +Inf
// without distortion.
func (m *Model) ValidRadius() float64 { return m.rMax }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func itoa(i int) string { return strconv.Itoa(i) }
