package bev

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Undistorter maps a pixel (u, v) of the original camera image, px, to
// normalised image coordinates (x, y) = (X/Z, Y/Z) of the undistorted ray in
// the camera optical frame (z forward, x right, y down). camera.Model
// satisfies it.
type Undistorter interface {
	Undistort(u, v float64) (x, y float64)
}

// Projector maps a point in the camera optical frame, m, to a pixel (u, v)
// of the original image, px, with the lens distortion applied; ok is false
// for points behind the camera or where the model is not defined.
// camera.Model satisfies it.
type Projector interface {
	Project(p r3.Vec) (u, v float64, ok bool)
}

// Lens is a camera model that maps both ways.
type Lens interface {
	Undistorter
	Projector
}

// Pinhole is the distortion-free Lens with focal lengths Fx, Fy and
// principal point Cx, Cy, px.
type Pinhole struct{ Fx, Fy, Cx, Cy float64 }

// Undistort returns ((u−Cx)/Fx, (v−Cy)/Fy).
func (p Pinhole) Undistort(u, v float64) (x, y float64) {
	return (u - p.Cx) / p.Fx, (v - p.Cy) / p.Fy
}

// Project returns (Fx·X/Z + Cx, Fy·Y/Z + Cy); ok is false unless Z > 0.
func (p Pinhole) Project(q r3.Vec) (u, v float64, ok bool) {
	if !(q.Z > 0) {
		return 0, 0, false
	}
	return p.Fx*q.X/q.Z + p.Cx, p.Fy*q.Y/q.Z + p.Cy, true
}

// Camera is one camera of a rig as the BEV geometry needs it: intrinsics,
// lens model, the image augmentation applied before the network and the
// extrinsics to base_link.
type Camera struct {
	// Name identifies the camera in errors (its frame or topic).
	Name string
	// Width and Height are the original image size, px.
	Width, Height int
	// Fx, Fy, Cx, Cy are the pinhole intrinsics of the original image, px
	// (CameraInfo K). They build the Pinhole used when Lens is nil.
	Fx, Fy, Cx, Cy float64
	// Distortion and D are the CameraInfo distortion model and
	// coefficients. They are not used for the mapping (Lens does that) but
	// enter the Fingerprint, so a new calibration is noticed.
	Distortion string
	D          []float64
	// Lens maps between pixels and rays. Nil means Pinhole{Fx, Fy, Cx, Cy},
	// which is refused if any D is non-zero.
	Lens Lens
	// Aug is the image augmentation (BEVDet's post-rotation and
	// post-translation) as a row-major 3×3 homogeneous matrix mapping an
	// original pixel (u, v, 1) to a network-input pixel. The all-zero
	// value means identity. See ResizeCrop.
	Aug [9]float64
	// Extrinsic is base_link←camera optical frame as a row-major 4×4 rigid
	// transform (tf.Transform.ToMatrix of Lookup("base_link", opticalFrame)).
	Extrinsic [16]float64
}

// ResizeCrop returns the augmentation matrix of resizing by (sx, sy) and
// then cropping the window whose top-left corner is (cropX, cropY) in the
// resized image: u_in = sx·u − cropX, v_in = sy·v − cropY. CUDA-BEVFusion's
// nuScenes preprocessing is ResizeCrop(0.48, 0.48, 32, 176) (1600×900 →
// 768×432 → 704×256).
func ResizeCrop(sx, sy, cropX, cropY float64) [9]float64 {
	return [9]float64{sx, 0, -cropX, 0, sy, -cropY, 0, 0, 1}
}

// AugMatrix returns c.Aug, or the identity when c.Aug is all zero.
func (c *Camera) AugMatrix() [9]float64 {
	if c.Aug == ([9]float64{}) {
		return [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	}
	return c.Aug
}

// LensModel returns c.Lens, or the Pinhole of the intrinsics when nil.
func (c *Camera) LensModel() Lens {
	if c.Lens != nil {
		return c.Lens
	}
	return Pinhole{Fx: c.Fx, Fy: c.Fy, Cx: c.Cx, Cy: c.Cy}
}

// Validate reports a *CameraError wrapping ErrInvalidCamera for a
// non-positive focal length or image size, a singular augmentation, a
// non-rigid extrinsic or distortion coefficients without a Lens.
func (c *Camera) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &CameraError{Camera: c.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if c.Width <= 0 || c.Height <= 0 {
		return bad("Width", "image size %d×%d must be positive", c.Width, c.Height)
	}
	if !(c.Fx > 0) || !(c.Fy > 0) || math.IsInf(c.Fx, 0) || math.IsInf(c.Fy, 0) {
		return bad("Fx", "focal lengths must be finite and > 0, got %v, %v", c.Fx, c.Fy)
	}
	if math.IsNaN(c.Cx) || math.IsNaN(c.Cy) || math.IsInf(c.Cx, 0) || math.IsInf(c.Cy, 0) {
		return bad("Cx", "principal point not finite: %v, %v", c.Cx, c.Cy)
	}
	if c.Lens == nil {
		for _, d := range c.D {
			if d != 0 {
				return bad("Lens", "distortion %q with non-zero D needs a Lens", c.Distortion)
			}
		}
	}
	a := c.AugMatrix()
	if _, ok := Invert3(a); !ok {
		return bad("Aug", "singular or non-finite augmentation %v", a)
	}
	if err := checkRigid(c.Extrinsic); err != nil {
		return bad("Extrinsic", "%v", err)
	}
	return nil
}

// checkRigid reports whether m is a finite 4×4 rigid transform within 1e-6.
func checkRigid(m [16]float64) error {
	for _, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("non-finite element %v", v)
		}
	}
	if m[12] != 0 || m[13] != 0 || m[14] != 0 || m[15] != 1 {
		// A copy, so that m itself stays on the stack (Validate runs every frame).
		return fmt.Errorf("last row %v, want 0 0 0 1", [4]float64{m[12], m[13], m[14], m[15]})
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			var s float64
			for k := 0; k < 3; k++ {
				s += m[4*k+i] * m[4*k+j]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(s-want) > 1e-6 {
				return fmt.Errorf("rotation part not orthonormal (RᵀR[%d][%d] = %v)", i, j, s)
			}
		}
	}
	return nil
}

// Invert3 returns the inverse of the row-major 3×3 matrix m and whether it
// is finite and invertible (|det| > 1e-12).
func Invert3(m [9]float64) ([9]float64, bool) {
	a, b, c := m[0], m[1], m[2]
	d, e, f := m[3], m[4], m[5]
	g, h, i := m[6], m[7], m[8]
	A := e*i - f*h
	B := -(d*i - f*g)
	C := d*h - e*g
	det := a*A + b*B + c*C
	if !(math.Abs(det) > 1e-12) || math.IsInf(det, 0) {
		return [9]float64{}, false
	}
	inv := 1 / det
	return [9]float64{
		A * inv, -(b*i - c*h) * inv, (b*f - c*e) * inv,
		B * inv, (a*i - c*g) * inv, -(a*f - c*d) * inv,
		C * inv, -(a*h - b*g) * inv, (a*e - b*d) * inv,
	}, true
}

// Fingerprint returns a 64-bit FNV-1a hash of everything in cams that the
// geometry depends on (name, size, intrinsics, Distortion, D, Aug,
// Extrinsic) and of extra (configuration numbers the caller adds). Equal
// inputs give equal fingerprints; a node recomputes its precomputed
// geometry when the fingerprint changes. It does not look inside Lens.
func Fingerprint(cams []Camera, extra ...float64) uint64 {
	// FNV-1a written out rather than hash/fnv's, whose Hash64 and byte
	// conversions allocate: nodes fingerprint their rigs every frame.
	h := fnv1a(14695981039346656037)
	put := func(v float64) { h.u64(math.Float64bits(v)) }
	put(float64(len(cams)))
	for i := range cams {
		c := &cams[i]
		h.str(c.Name)
		h.u8(0)
		h.str(c.Distortion)
		h.u8(0)
		put(float64(c.Width))
		put(float64(c.Height))
		put(c.Fx)
		put(c.Fy)
		put(c.Cx)
		put(c.Cy)
		put(float64(len(c.D)))
		for _, d := range c.D {
			put(d)
		}
		a := c.AugMatrix()
		for _, v := range a {
			put(v)
		}
		for _, v := range c.Extrinsic {
			put(v)
		}
	}
	put(float64(len(extra)))
	for _, v := range extra {
		put(v)
	}
	return uint64(h)
}

// fnv1a is a 64-bit FNV-1a hash state.
type fnv1a uint64

func (h *fnv1a) u8(b byte) { *h = (*h ^ fnv1a(b)) * 1099511628211 }

func (h *fnv1a) str(s string) {
	for i := 0; i < len(s); i++ {
		h.u8(s[i])
	}
}

// u64 hashes v's little-endian bytes.
func (h *fnv1a) u64(v uint64) {
	for k := 0; k < 64; k += 8 {
		h.u8(byte(v >> k))
	}
}

// borderSamples is the number of points per image edge MaxRadius2 checks.
const borderSamples = 16

// MaxRadius2 returns the largest squared radius x²+y² of the normalised
// undistorted rays through the border of the original image (its four
// edges, at pixel coordinates −0.5 and Width−0.5, Height−0.5), +Inf if the
// lens gives a non-finite ray there. A point whose ray (X/Z, Y/Z) lies
// further out cannot be seen: distortion polynomials fold back beyond the
// image, so Project may still put such a point inside it. Projections
// into the image should reject rays with X²+Y² > MaxRadius2·Z²·1.02.
func (c *Camera) MaxRadius2() float64 {
	// The pinhole inline, not boxed in a Lens: rigs are re-posed every frame.
	undistort := func(u, v float64) (x, y float64) { return (u - c.Cx) / c.Fx, (v - c.Cy) / c.Fy }
	if c.Lens != nil {
		undistort = c.Lens.Undistort
	}
	w, h := float64(c.Width)-0.5, float64(c.Height)-0.5
	r2 := 0.0
	for k := 0; k <= borderSamples; k++ {
		f := float64(k) / borderSamples
		u, v := -0.5+f*(w+0.5), -0.5+f*(h+0.5)
		for _, p := range [4][2]float64{{u, -0.5}, {u, h}, {-0.5, v}, {w, v}} {
			x, y := undistort(p[0], p[1])
			q := x*x + y*y
			if math.IsNaN(q) || math.IsInf(q, 0) {
				return math.Inf(1)
			}
			r2 = max(r2, q)
		}
	}
	return r2
}

// Mul4 returns the product a·b of row-major 4×4 matrices, as Extrinsic and
// the projection matrices built from it are stored.
func Mul4(a, b [16]float64) [16]float64 {
	var c [16]float64
	for i := range 4 {
		for j := range 4 {
			for k := range 4 {
				c[4*i+j] += a[4*i+k] * b[4*k+j]
			}
		}
	}
	return c
}
