package pillar

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// Motion returns ref←t: the transform that maps a point measured in the
// sensor frame at time t (seconds, in the caller's time base, typically
// the offset from the header stamp) into the sensor frame at the reference
// time. With a tf.Buffer b it is
//
//	func(t float64) (tf.Transform, error) {
//		return b.LookupFull(lidar, endNS, lidar, stampNS+int64(t*1e9), "odom")
//	}
type Motion func(t float64) (tf.Transform, error)

// DefaultKnots is the number of interpolation segments Deskew uses when
// knots is 0.
const DefaultKnots = 16

// Deskew moves the points (x[i], y[i], z[i]), measured at times t[i], into
// the sensor frame at the reference time of motion, in place. It samples
// motion at knots+1 times spread evenly over [min t, max t] (knots ≤ 0
// means DefaultKnots) and interpolates the rotation matrix and translation
// linearly between neighbouring samples, which is exact for a constant
// translation rate and within (Δθ)²/8 of exact for a rotation of Δθ rad
// per segment. Points with a non-finite time are left unchanged. It
// allocates only the knot table; a Deskewer keeps it between calls.
func Deskew(x, y, z, t []float32, motion Motion, knots int) error {
	var d Deskewer
	return d.Deskew(x, y, z, t, motion, knots)
}

// Deskewer de-skews as Deskew does, keeping its knot table, so that a node
// de-skewing every sweep allocates nothing after the first. The zero value
// is ready; it is not safe for concurrent use.
type Deskewer struct {
	mats [][12]float64
}

// Deskew is the package's Deskew in d's storage.
func (d *Deskewer) Deskew(x, y, z, t []float32, motion Motion, knots int) error {
	n := len(x)
	if len(y) != n || len(z) != n || len(t) != n {
		return shapeError("y/z/t", min(len(y), len(z), len(t)), n)
	}
	if knots <= 0 {
		knots = DefaultKnots
	}
	t0, t1 := math.Inf(1), math.Inf(-1)
	for _, ti := range t {
		v := float64(ti)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		t0, t1 = min(t0, v), max(t1, v)
	}
	if t0 > t1 {
		return nil // no timed point
	}
	if t1 == t0 {
		knots = 1
	}
	if cap(d.mats) < knots+1 {
		d.mats = make([][12]float64, knots+1)
	}
	mats := d.mats[:knots+1]
	for k := range mats {
		tk := t0 + (t1-t0)*float64(k)/float64(knots)
		tr, err := motion(tk)
		if err != nil {
			return fmt.Errorf("%w: at t = %.6f s: %w", ErrMotion, tk, err)
		}
		m := tr.ToMatrix()
		for _, v := range m[:12] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: non-finite transform at t = %.6f s", ErrMotion, tk)
			}
		}
		copy(mats[k][:], m[:12])
	}
	span := t1 - t0
	// A spinning lidar fires its lasers together, so runs of points share
	// a time: the interpolated matrix is kept for the run (64 points on
	// an HDL-64E).
	var m [12]float64
	last := math.NaN()
	for i := range x {
		ti := float64(t[i])
		if math.IsNaN(ti) || math.IsInf(ti, 0) {
			continue
		}
		if ti != last {
			last = ti
			s := 0.0
			if span > 0 {
				s = (ti - t0) / span * float64(knots)
			}
			seg := min(int(s), knots-1)
			f := s - float64(seg)
			a, b := &mats[seg], &mats[min(seg+1, knots)]
			for j := range m {
				m[j] = a[j] + f*(b[j]-a[j])
			}
		}
		px, py, pz := float64(x[i]), float64(y[i]), float64(z[i])
		x[i] = float32(m[0]*px + m[1]*py + m[2]*pz + m[3])
		y[i] = float32(m[4]*px + m[5]*py + m[6]*pz + m[7])
		z[i] = float32(m[8]*px + m[9]*py + m[10]*pz + m[11])
	}
	return nil
}

// DeskewExact is Deskew's brute-force twin: it calls motion at every
// point's own time. It is exact but makes one TF lookup per point.
func DeskewExact(x, y, z, t []float32, motion Motion) error {
	n := len(x)
	if len(y) != n || len(z) != n || len(t) != n {
		return shapeError("y/z/t", min(len(y), len(z), len(t)), n)
	}
	for i := range x {
		ti := float64(t[i])
		if math.IsNaN(ti) || math.IsInf(ti, 0) {
			continue
		}
		tr, err := motion(ti)
		if err != nil {
			return fmt.Errorf("%w: at t = %.6f s: %w", ErrMotion, ti, err)
		}
		p := tr.Apply(r3.Vec{X: float64(x[i]), Y: float64(y[i]), Z: float64(z[i])})
		x[i], y[i], z[i] = float32(p.X), float32(p.Y), float32(p.Z)
	}
	return nil
}
