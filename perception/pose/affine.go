package pose

import (
	"fmt"
	"math"
)

// Affine is a 2×3 affine transform [a b c; d e f] mapping (x, y) to
// (a·x + b·y + c, d·x + e·y + f), row-major as OpenCV's warpAffine matrix.
// Preprocessing returns the transform from image pixels to model-input
// pixels; decoders map back with its inverse.
type Affine [6]float64

// Identity is the identity transform.
var Identity = Affine{1, 0, 0, 0, 1, 0}

// Apply maps the point (x, y).
func (m Affine) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// Apply32 maps the point (x, y) in float32.
func (m Affine) Apply32(x, y float32) (float32, float32) {
	u, v := m.Apply(float64(x), float64(y))
	return float32(u), float32(v)
}

// Then returns the transform that applies m first and then n.
func (m Affine) Then(n Affine) Affine {
	return Affine{
		n[0]*m[0] + n[1]*m[3], n[0]*m[1] + n[1]*m[4], n[0]*m[2] + n[1]*m[5] + n[2],
		n[3]*m[0] + n[4]*m[3], n[3]*m[1] + n[4]*m[4], n[3]*m[2] + n[4]*m[5] + n[5],
	}
}

// Scale returns the mean linear scale factor of m (the square root of the
// absolute determinant), used to map distances and box sizes.
func (m Affine) Scale() float64 {
	d := m[0]*m[4] - m[1]*m[3]
	if d < 0 {
		d = -d
	}
	return math.Sqrt(d)
}

// Inverse returns the inverse transform, or an error wrapping ErrSingular.
func (m Affine) Inverse() (Affine, error) {
	det := m[0]*m[4] - m[1]*m[3]
	if det == 0 || det != det {
		return Affine{}, fmt.Errorf("inverting %v: %w", m, ErrSingular)
	}
	ia, ib := m[4]/det, -m[1]/det
	id, ie := -m[3]/det, m[0]/det
	return Affine{ia, ib, -(ia*m[2] + ib*m[5]), id, ie, -(id*m[2] + ie*m[5])}, nil
}

// MapPerson maps p's keypoints through m and its box through m as the
// axis-aligned box of the mapped corners. Scores and visibilities are kept.
func (m Affine) MapPerson(p *Person) {
	for i := range p.Keypoints {
		k := &p.Keypoints[i]
		k.X, k.Y = m.Apply32(k.X, k.Y)
	}
	b := p.Box
	x1, y1 := m.Apply32(b[0], b[1])
	x2, y2 := m.Apply32(b[2], b[3])
	x3, y3 := m.Apply32(b[0], b[3])
	x4, y4 := m.Apply32(b[2], b[1])
	p.Box = [4]float32{min(x1, x2, x3, x4), min(y1, y2, y3, y4), max(x1, x2, x3, x4), max(y1, y2, y3, y4)}
}
