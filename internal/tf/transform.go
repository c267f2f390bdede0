package tf

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Transform is a rigid transform parent←child: it maps a point expressed in
// the child frame into the parent frame as p_parent = R·p_child + T, with R
// the rotation of Rotation and T = Translation in metres. This matches
// geometry_msgs/Transform of a TransformStamped whose header.frame_id is the
// parent.
//
// Rotation must be a unit quaternion (Real = w, Imag = x, Jmag = y,
// Kmag = z). The zero Transform has a zero quaternion and is not valid; use
// Identity. Methods do not renormalise; Buffer normalises what it stores
// and what it returns.
type Transform struct {
	// Translation is the origin of the child frame in the parent frame, m.
	Translation r3.Vec
	// Rotation is the orientation of the child frame in the parent frame,
	// a unit quaternion.
	Rotation quat.Number
}

// Identity returns the transform that maps every point onto itself.
func Identity() Transform { return Transform{Rotation: quat.Number{Real: 1}} }

// Apply maps point p from the child frame into the parent frame. NaN
// coordinates propagate.
func (t Transform) Apply(p r3.Vec) r3.Vec {
	return r3.Add(rotate(t.Rotation, p), t.Translation)
}

// ApplyRotation rotates the direction v from the child frame into the
// parent frame, ignoring the translation (for normals, velocities, rays).
func (t Transform) ApplyRotation(v r3.Vec) r3.Vec { return rotate(t.Rotation, v) }

// Compose returns t∘u, the transform that applies u first and then t: for
// t = a←b and u = b←c it returns a←c.
func (t Transform) Compose(u Transform) Transform {
	return Transform{
		Translation: r3.Add(rotate(t.Rotation, u.Translation), t.Translation),
		Rotation:    quat.Mul(t.Rotation, u.Rotation),
	}
}

// Inverse returns child←parent for t = parent←child, assuming a unit
// rotation.
func (t Transform) Inverse() Transform {
	c := quat.Conj(t.Rotation)
	return Transform{Translation: r3.Scale(-1, rotate(c, t.Translation)), Rotation: c}
}

// Interpolate returns the transform a fraction s of the way from t (s = 0) to
// u (s = 1): linear interpolation of the translation and spherical linear
// interpolation of the rotation along the shortest path (q and −q are the
// same rotation; the one nearer to t's is used). s outside [0, 1]
// extrapolates.
func (t Transform) Interpolate(u Transform, s float64) Transform {
	return Transform{
		Translation: r3.Vec{
			X: t.Translation.X + s*(u.Translation.X-t.Translation.X),
			Y: t.Translation.Y + s*(u.Translation.Y-t.Translation.Y),
			Z: t.Translation.Z + s*(u.Translation.Z-t.Translation.Z),
		},
		Rotation: Slerp(t.Rotation, u.Rotation, s),
	}
}

// ToMatrix returns t as a homogeneous 4×4 matrix in row-major order:
// indices 0..2, 4..6 and 8..10 hold the rotation matrix, 3, 7 and 11 the
// translation, and the last row is 0 0 0 1.
func (t Transform) ToMatrix() [16]float64 {
	w, x, y, z := t.Rotation.Real, t.Rotation.Imag, t.Rotation.Jmag, t.Rotation.Kmag
	return [16]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y), t.Translation.X,
		2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x), t.Translation.Y,
		2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y), t.Translation.Z,
		0, 0, 0, 1,
	}
}

// matrixTol is the tolerance FromMatrix allows on orthonormality and on the
// last row.
const matrixTol = 1e-6

// FromMatrix returns the Transform of the homogeneous row-major 4×4 matrix m,
// the inverse of ToMatrix. It returns an error wrapping ErrInvalidMatrix if m
// holds a non-finite value, if its last row differs from 0 0 0 1 or if its
// rotation block is not orthonormal with determinant +1, each by more than
// 1e-6.
func FromMatrix(m [16]float64) (Transform, error) {
	for i, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Transform{}, fmt.Errorf("tf: FromMatrix: %w: element %d is %v", ErrInvalidMatrix, i, v)
		}
	}
	if math.Abs(m[12]) > matrixTol || math.Abs(m[13]) > matrixTol || math.Abs(m[14]) > matrixTol || math.Abs(m[15]-1) > matrixTol {
		return Transform{}, fmt.Errorf("tf: FromMatrix: %w: last row is %v %v %v %v, want 0 0 0 1", ErrInvalidMatrix, m[12], m[13], m[14], m[15])
	}
	r := func(i, j int) float64 { return m[4*i+j] }
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			var d float64
			for k := 0; k < 3; k++ {
				d += r(k, i) * r(k, j)
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(d-want) > matrixTol {
				return Transform{}, fmt.Errorf("tf: FromMatrix: %w: rotation columns %d and %d have dot product %v, want %v", ErrInvalidMatrix, i, j, d, want)
			}
		}
	}
	det := r(0, 0)*(r(1, 1)*r(2, 2)-r(1, 2)*r(2, 1)) -
		r(0, 1)*(r(1, 0)*r(2, 2)-r(1, 2)*r(2, 0)) +
		r(0, 2)*(r(1, 0)*r(2, 1)-r(1, 1)*r(2, 0))
	if det < 0 {
		return Transform{}, fmt.Errorf("tf: FromMatrix: %w: rotation has determinant %v (a reflection)", ErrInvalidMatrix, det)
	}
	var q quat.Number
	// Shepperd's method: pivot on the largest of w, x, y, z for accuracy.
	switch tr := r(0, 0) + r(1, 1) + r(2, 2); {
	case tr > 0:
		s := 2 * math.Sqrt(tr+1)
		q = quat.Number{Real: s / 4, Imag: (r(2, 1) - r(1, 2)) / s, Jmag: (r(0, 2) - r(2, 0)) / s, Kmag: (r(1, 0) - r(0, 1)) / s}
	case r(0, 0) > r(1, 1) && r(0, 0) > r(2, 2):
		s := 2 * math.Sqrt(1+r(0, 0)-r(1, 1)-r(2, 2))
		q = quat.Number{Real: (r(2, 1) - r(1, 2)) / s, Imag: s / 4, Jmag: (r(0, 1) + r(1, 0)) / s, Kmag: (r(0, 2) + r(2, 0)) / s}
	case r(1, 1) > r(2, 2):
		s := 2 * math.Sqrt(1+r(1, 1)-r(0, 0)-r(2, 2))
		q = quat.Number{Real: (r(0, 2) - r(2, 0)) / s, Imag: (r(0, 1) + r(1, 0)) / s, Jmag: s / 4, Kmag: (r(1, 2) + r(2, 1)) / s}
	default:
		s := 2 * math.Sqrt(1+r(2, 2)-r(0, 0)-r(1, 1))
		q = quat.Number{Real: (r(1, 0) - r(0, 1)) / s, Imag: (r(0, 2) + r(2, 0)) / s, Jmag: (r(1, 2) + r(2, 1)) / s, Kmag: s / 4}
	}
	q, _ = normalize(q)
	return Transform{Translation: r3.Vec{X: m[3], Y: m[7], Z: m[11]}, Rotation: q}, nil
}

// Slerp returns the unit quaternion a fraction s of the way from q0 (s = 0)
// to q1 (s = 1) along the shortest great arc: if q0·q1 < 0, −q1 is used,
// since it is the same rotation. Both inputs must be unit quaternions.
func Slerp(q0, q1 quat.Number, s float64) quat.Number {
	d := q0.Real*q1.Real + q0.Imag*q1.Imag + q0.Jmag*q1.Jmag + q0.Kmag*q1.Kmag
	if d < 0 {
		d = -d
		q1 = quat.Scale(-1, q1)
	}
	var k0, k1 float64
	if d > 1-1e-9 {
		// Nearly equal: sin θ vanishes, so blend linearly and renormalise.
		k0, k1 = 1-s, s
	} else {
		theta := math.Acos(d)
		sin := math.Sin(theta)
		k0 = math.Sin((1-s)*theta) / sin
		k1 = math.Sin(s*theta) / sin
	}
	q := quat.Number{
		Real: k0*q0.Real + k1*q1.Real,
		Imag: k0*q0.Imag + k1*q1.Imag,
		Jmag: k0*q0.Jmag + k1*q1.Jmag,
		Kmag: k0*q0.Kmag + k1*q1.Kmag,
	}
	q, _ = normalize(q)
	return q
}

// QuatFromAxisAngle returns the unit quaternion rotating by angle radians
// (right-handed) about axis, which need not be unit length. A zero axis
// gives the identity.
func QuatFromAxisAngle(axis r3.Vec, angle float64) quat.Number {
	n := r3.Norm(axis)
	if n == 0 {
		return quat.Number{Real: 1}
	}
	sin, cos := math.Sincos(angle / 2)
	k := sin / n
	return quat.Number{Real: cos, Imag: k * axis.X, Jmag: k * axis.Y, Kmag: k * axis.Z}
}

// QuatFromRPY returns the unit quaternion of roll, pitch and yaw in radians
// about the fixed axes x, y and z, applied in that order (R = Rz·Ry·Rx), as
// tf2's Quaternion::setRPY.
func QuatFromRPY(roll, pitch, yaw float64) quat.Number {
	sr, cr := math.Sincos(roll / 2)
	sp, cp := math.Sincos(pitch / 2)
	sy, cy := math.Sincos(yaw / 2)
	return quat.Number{
		Real: cr*cp*cy + sr*sp*sy,
		Imag: sr*cp*cy - cr*sp*sy,
		Jmag: cr*sp*cy + sr*cp*sy,
		Kmag: cr*cp*sy - sr*sp*cy,
	}
}

// RPY returns the roll, pitch and yaw in radians of the unit quaternion q,
// the inverse of QuatFromRPY with pitch in [−π/2, π/2].
func RPY(q quat.Number) (roll, pitch, yaw float64) {
	w, x, y, z := q.Real, q.Imag, q.Jmag, q.Kmag
	roll = math.Atan2(2*(w*x+y*z), 1-2*(x*x+y*y))
	sp := 2 * (w*y - z*x)
	sp = math.Max(-1, math.Min(1, sp))
	pitch = math.Asin(sp)
	yaw = math.Atan2(2*(w*z+x*y), 1-2*(y*y+z*z))
	return roll, pitch, yaw
}

// rotate returns v rotated by the unit quaternion q, using
// v' = v + w·t + u×t with t = 2·u×v (u the vector part of q).
func rotate(q quat.Number, v r3.Vec) r3.Vec {
	u := r3.Vec{X: q.Imag, Y: q.Jmag, Z: q.Kmag}
	t := r3.Scale(2, r3.Cross(u, v))
	return r3.Add(r3.Add(v, r3.Scale(q.Real, t)), r3.Cross(u, t))
}

// normalize returns q scaled to unit length, and false if q is zero or not
// finite.
func normalize(q quat.Number) (quat.Number, bool) {
	n2 := q.Real*q.Real + q.Imag*q.Imag + q.Jmag*q.Jmag + q.Kmag*q.Kmag
	if math.IsInf(n2, 0) {
		// The squares overflowed: rescale by the largest component first.
		m := math.Max(math.Max(math.Abs(q.Real), math.Abs(q.Imag)), math.Max(math.Abs(q.Jmag), math.Abs(q.Kmag)))
		if math.IsInf(m, 0) {
			return q, false
		}
		q = quat.Scale(1/m, q)
		n2 = q.Real*q.Real + q.Imag*q.Imag + q.Jmag*q.Jmag + q.Kmag*q.Kmag
	}
	if n2 == 0 || math.IsNaN(n2) {
		return q, false
	}
	if n2 == 1 {
		return q, true
	}
	return quat.Scale(1/math.Sqrt(n2), q), true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
