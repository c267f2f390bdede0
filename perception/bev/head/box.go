package head

import "math"

// Box is one 3D detection in the BEV grid's frame (base_link for the
// bevfusion node): centre X, Y, Z in metres, size L (along the heading), W
// (across it) and H (vertical) in metres, Yaw in radians counter-clockwise
// from +x, velocity VX, VY in m/s in the same frame, Score in [0, 1] and the
// head's class index.
type Box struct {
	X, Y, Z float64
	L, W, H float64
	Yaw     float64
	VX, VY  float64
	Score   float64
	Class   int
}

// Corners returns the four bird's-eye-view corners of b, counter-clockwise,
// in metres.
func (b Box) Corners() [4][2]float64 {
	return rectCorners(b.X, b.Y, b.L, b.W, b.Yaw)
}

// rectCorners returns the counter-clockwise corners of an l×w rectangle
// centred at (x, y) and rotated by yaw.
func rectCorners(x, y, l, w, yaw float64) [4][2]float64 {
	s, c := math.Sincos(yaw)
	hl, hw := l/2, w/2
	// Local corners (+l,+w), (-l,+w), (-l,-w), (+l,-w) are counter-clockwise.
	lx := [4]float64{hl, -hl, -hl, hl}
	ly := [4]float64{hw, hw, -hw, -hw}
	var out [4][2]float64
	for i := range 4 {
		out[i] = [2]float64{x + c*lx[i] - s*ly[i], y + s*lx[i] + c*ly[i]}
	}
	return out
}

// poly is a convex polygon with at most 8 vertices (the intersection of two
// quadrilaterals), counter-clockwise.
type poly struct {
	n int
	p [8][2]float64
}

// area returns the shoelace area of p (positive for counter-clockwise).
func (p *poly) area() float64 {
	var a float64
	for i := 0; i < p.n; i++ {
		j := i + 1
		if j == p.n {
			j = 0
		}
		a += p.p[i][0]*p.p[j][1] - p.p[j][0]*p.p[i][1]
	}
	return a / 2
}

// clipRect intersects the convex quadrilateral a with the convex
// counter-clockwise quadrilateral b (Sutherland–Hodgman: a is clipped by
// each of b's four edge half-planes) and returns the intersection area in
// square metres.
func clipRect(a, b *[4][2]float64) float64 {
	var cur, next poly
	cur.n = 4
	copy(cur.p[:4], a[:])
	for e := range 4 {
		e0, e1 := b[e], b[(e+1)&3]
		ex, ey := e1[0]-e0[0], e1[1]-e0[1]
		// side > 0: left of the edge, i.e. inside a counter-clockwise polygon.
		side := func(q [2]float64) float64 { return ex*(q[1]-e0[1]) - ey*(q[0]-e0[0]) }
		next.n = 0
		if cur.n == 0 {
			return 0
		}
		prev := cur.p[cur.n-1]
		sp := side(prev)
		for i := 0; i < cur.n; i++ {
			q := cur.p[i]
			sq := side(q)
			if sq >= 0 {
				if sp < 0 && next.n < len(next.p) {
					next.p[next.n] = lerp(prev, q, sp/(sp-sq))
					next.n++
				}
				if next.n < len(next.p) {
					next.p[next.n] = q
					next.n++
				}
			} else if sp >= 0 && next.n < len(next.p) {
				next.p[next.n] = lerp(prev, q, sp/(sp-sq))
				next.n++
			}
			prev, sp = q, sq
		}
		cur = next
	}
	if cur.n < 3 {
		return 0
	}
	return math.Max(cur.area(), 0)
}

func lerp(a, b [2]float64, t float64) [2]float64 {
	return [2]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// BEVIntersection returns the area in square metres of the bird's-eye-view
// intersection of a and b (exact, from the intersection polygon). Boxes with
// a non-positive or NaN length or width have no area and give 0.
func BEVIntersection(a, b Box) float64 {
	if !(a.L > 0 && a.W > 0 && b.L > 0 && b.W > 0) {
		return 0
	}
	ca, cb := a.Corners(), b.Corners()
	return clipRect(&ca, &cb)
}

// BEVIoU returns the bird's-eye-view intersection over union of a and b, in
// [0, 1]; 0 when either box has no area.
func BEVIoU(a, b Box) float64 {
	inter := BEVIntersection(a, b)
	if inter <= 0 {
		return 0
	}
	u := a.L*a.W + b.L*b.W - inter
	if u <= 0 {
		return 0
	}
	return math.Min(inter/u, 1)
}
