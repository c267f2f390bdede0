package sim

import "math"

// pathSeg is a straight line or a circular arc of a closed loop.
type pathSeg struct {
	s0, length float64
	x0, y0     float64 // start point
	yaw0       float64 // start heading
	curv       float64 // 0 for lines, 1/R for left-turning arcs
}

// loopPath is a closed rounded rectangle driven counter-clockwise (dir +1)
// or clockwise (dir -1), parametrised by arc length.
type loopPath struct {
	segs   []pathSeg
	length float64
	dir    float64
}

// newLoopPath returns the rounded rectangle centred at (cx, cy) with half
// sizes a, b and corner radius rc. The counter-clockwise loop starts at the
// middle of the lower edge heading +x; the clockwise loop is its reverse.
func newLoopPath(cx, cy, a, b, rc, dir float64) *loopPath {
	rc = math.Min(rc, 0.9*math.Min(a, b))
	p := &loopPath{dir: dir}
	x, y, yaw := cx, cy-b, 0.0
	add := func(length, curv float64) {
		p.segs = append(p.segs, pathSeg{s0: p.length, length: length, x0: x, y0: y, yaw0: yaw, curv: curv})
		x, y, yaw = segPoint(&p.segs[len(p.segs)-1], length)
		p.length += length
	}
	arc := math.Pi / 2 * rc
	add(a-rc, 0)
	for k := 0; k < 4; k++ {
		add(arc, 1/rc)
		side := 2 * (b - rc)
		if k%2 == 1 {
			side = 2 * (a - rc)
		}
		if k == 3 {
			side = a - rc
		}
		add(side, 0)
	}
	return p
}

func segPoint(s *pathSeg, u float64) (x, y, yaw float64) {
	if s.curv == 0 {
		c, sn := math.Cos(s.yaw0), math.Sin(s.yaw0)
		return s.x0 + u*c, s.y0 + u*sn, s.yaw0
	}
	r := 1 / s.curv
	// Centre to the left of the start heading.
	cx, cy := s.x0-r*math.Sin(s.yaw0), s.y0+r*math.Cos(s.yaw0)
	yaw = s.yaw0 + u*s.curv
	return cx + r*math.Sin(yaw), cy - r*math.Cos(yaw), yaw
}

// at returns the position, heading and signed curvature (1/m, positive to
// the left) at arc length s (any real; the loop wraps).
func (p *loopPath) at(s float64) (x, y, yaw, curv float64) {
	s = math.Mod(s, p.length)
	if s < 0 {
		s += p.length
	}
	if p.dir < 0 {
		s = p.length - s
		if s >= p.length {
			s = 0
		}
	}
	seg := &p.segs[len(p.segs)-1]
	for i := range p.segs {
		if s < p.segs[i].s0+p.segs[i].length {
			seg = &p.segs[i]
			break
		}
	}
	x, y, yaw = segPoint(seg, s-seg.s0)
	curv = seg.curv
	if p.dir < 0 {
		yaw += math.Pi
		curv = -curv
	}
	return x, y, wrapAngle(yaw), curv
}

func wrapAngle(a float64) float64 {
	return math.Remainder(a, 2*math.Pi)
}
