package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Quat is a unit quaternion W + Xi + Yj + Zk (Hamilton convention, as ROS
// geometry_msgs/Quaternion).
type Quat struct{ W, X, Y, Z float64 }

// QuatIdentity is the identity rotation.
var QuatIdentity = Quat{W: 1}

// QuatFromYaw returns the rotation by yaw radians about +z.
func QuatFromYaw(yaw float64) Quat {
	s, c := math.Sincos(yaw / 2)
	return Quat{W: c, Z: s}
}

// Mul returns the composition q*p (apply p first, then q).
func (q Quat) Mul(p Quat) Quat {
	return Quat{
		W: q.W*p.W - q.X*p.X - q.Y*p.Y - q.Z*p.Z,
		X: q.W*p.X + q.X*p.W + q.Y*p.Z - q.Z*p.Y,
		Y: q.W*p.Y - q.X*p.Z + q.Y*p.W + q.Z*p.X,
		Z: q.W*p.Z + q.X*p.Y - q.Y*p.X + q.Z*p.W,
	}
}

// Conj returns the inverse rotation of a unit quaternion.
func (q Quat) Conj() Quat { return Quat{W: q.W, X: -q.X, Y: -q.Y, Z: -q.Z} }

// Rotate returns q applied to v.
func (q Quat) Rotate(v r3.Vec) r3.Vec {
	// v' = v + 2w(u×v) + 2u×(u×v), u = (X,Y,Z).
	u := r3.Vec{X: q.X, Y: q.Y, Z: q.Z}
	t := r3.Scale(2, r3.Cross(u, v))
	return r3.Add(r3.Add(v, r3.Scale(q.W, t)), r3.Cross(u, t))
}

// Yaw returns the rotation about z of q (ZYX Euler yaw), radians.
func (q Quat) Yaw() float64 {
	return math.Atan2(2*(q.W*q.Z+q.X*q.Y), 1-2*(q.Y*q.Y+q.Z*q.Z))
}

// mat3 is a row-major 3×3 rotation matrix.
type mat3 [3][3]float64

func (q Quat) mat() mat3 {
	w, x, y, z := q.W, q.X, q.Y, q.Z
	return mat3{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

func (m *mat3) mul(v r3.Vec) r3.Vec {
	return r3.Vec{
		X: m[0][0]*v.X + m[0][1]*v.Y + m[0][2]*v.Z,
		Y: m[1][0]*v.X + m[1][1]*v.Y + m[1][2]*v.Z,
		Z: m[2][0]*v.X + m[2][1]*v.Y + m[2][2]*v.Z,
	}
}

// quatFromMat converts a rotation matrix to a unit quaternion with W >= 0.
func quatFromMat(m mat3) Quat {
	tr := m[0][0] + m[1][1] + m[2][2]
	var q Quat
	switch {
	case tr > 0:
		s := math.Sqrt(tr+1) * 2
		q = Quat{W: s / 4, X: (m[2][1] - m[1][2]) / s, Y: (m[0][2] - m[2][0]) / s, Z: (m[1][0] - m[0][1]) / s}
	case m[0][0] > m[1][1] && m[0][0] > m[2][2]:
		s := math.Sqrt(1+m[0][0]-m[1][1]-m[2][2]) * 2
		q = Quat{W: (m[2][1] - m[1][2]) / s, X: s / 4, Y: (m[0][1] + m[1][0]) / s, Z: (m[0][2] + m[2][0]) / s}
	case m[1][1] > m[2][2]:
		s := math.Sqrt(1+m[1][1]-m[0][0]-m[2][2]) * 2
		q = Quat{W: (m[0][2] - m[2][0]) / s, X: (m[0][1] + m[1][0]) / s, Y: s / 4, Z: (m[1][2] + m[2][1]) / s}
	default:
		s := math.Sqrt(1+m[2][2]-m[0][0]-m[1][1]) * 2
		q = Quat{W: (m[1][0] - m[0][1]) / s, X: (m[0][2] + m[2][0]) / s, Y: (m[1][2] + m[2][1]) / s, Z: s / 4}
	}
	if q.W < 0 {
		q = Quat{-q.W, -q.X, -q.Y, -q.Z}
	}
	n := math.Sqrt(q.W*q.W + q.X*q.X + q.Y*q.Y + q.Z*q.Z)
	return Quat{q.W / n, q.X / n, q.Y / n, q.Z / n}
}

// Pose is a rigid transform parent←child: a point p in the child frame is
// Rotation.Rotate(p) + Translation in the parent frame. It is the
// geometry_msgs/Transform of a TF parent→child edge.
type Pose struct {
	Translation r3.Vec // Translation is the child origin in the parent frame, metres.
	Rotation    Quat   // Rotation is the child orientation in the parent frame.
}

// PoseIdentity is the identity transform.
var PoseIdentity = Pose{Rotation: QuatIdentity}

// Apply maps a point from the child frame to the parent frame.
func (p Pose) Apply(v r3.Vec) r3.Vec { return r3.Add(p.Rotation.Rotate(v), p.Translation) }

// Mul returns p∘c: parent←child composed with child←grandchild.
func (p Pose) Mul(c Pose) Pose {
	return Pose{Translation: p.Apply(c.Translation), Rotation: p.Rotation.Mul(c.Rotation)}
}

// Inverse returns child←parent.
func (p Pose) Inverse() Pose {
	qi := p.Rotation.Conj()
	return Pose{Translation: r3.Scale(-1, qi.Rotate(p.Translation)), Rotation: qi}
}
