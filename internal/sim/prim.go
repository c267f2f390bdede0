package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Primitive kinds.
const (
	kindBox       uint8 = iota // yaw-oriented box: p0 centre, p1 half extents, (cy, sy) yaw
	kindSphere                 // p0 centre, r radius
	kindEllipsoid              // p0 centre, p1 radii (axis aligned)
	kindCapsule                // segment p0-p1, radius r
	kindCylinder               // vertical: p0 base centre, p1.Z top z, r radius
)

// prim is one renderable, labelled primitive in the map frame.
type prim struct {
	p0, p1 r3.Vec
	r      float64
	cy, sy float64 // box yaw as cos, sin
	inst   uint32
	kp     uint32 // bit k set: COCO keypoint k lies inside this primitive (persons)
	label  uint16
	mat    uint16
	kind   uint8
	ground bool // label/material come from the ground layout at the hit point
}

type aabb struct{ lo, hi [3]float64 }

func emptyAABB() aabb {
	inf := math.Inf(1)
	return aabb{lo: [3]float64{inf, inf, inf}, hi: [3]float64{-inf, -inf, -inf}}
}

func (b *aabb) grow(o aabb) {
	for k := 0; k < 3; k++ {
		b.lo[k] = math.Min(b.lo[k], o.lo[k])
		b.hi[k] = math.Max(b.hi[k], o.hi[k])
	}
}

func (b *aabb) growPt(p [3]float64) {
	for k := 0; k < 3; k++ {
		b.lo[k] = math.Min(b.lo[k], p[k])
		b.hi[k] = math.Max(b.hi[k], p[k])
	}
}

func (b aabb) area() float64 {
	dx, dy, dz := b.hi[0]-b.lo[0], b.hi[1]-b.lo[1], b.hi[2]-b.lo[2]
	if dx < 0 {
		return 0
	}
	return dx*dy + dy*dz + dz*dx
}

func (p *prim) bounds() aabb {
	switch p.kind {
	case kindBox:
		ex := math.Abs(p.cy)*p.p1.X + math.Abs(p.sy)*p.p1.Y
		ey := math.Abs(p.sy)*p.p1.X + math.Abs(p.cy)*p.p1.Y
		return aabb{
			lo: [3]float64{p.p0.X - ex, p.p0.Y - ey, p.p0.Z - p.p1.Z},
			hi: [3]float64{p.p0.X + ex, p.p0.Y + ey, p.p0.Z + p.p1.Z},
		}
	case kindSphere:
		return aabb{
			lo: [3]float64{p.p0.X - p.r, p.p0.Y - p.r, p.p0.Z - p.r},
			hi: [3]float64{p.p0.X + p.r, p.p0.Y + p.r, p.p0.Z + p.r},
		}
	case kindEllipsoid:
		return aabb{
			lo: [3]float64{p.p0.X - p.p1.X, p.p0.Y - p.p1.Y, p.p0.Z - p.p1.Z},
			hi: [3]float64{p.p0.X + p.p1.X, p.p0.Y + p.p1.Y, p.p0.Z + p.p1.Z},
		}
	case kindCapsule:
		return aabb{
			lo: [3]float64{math.Min(p.p0.X, p.p1.X) - p.r, math.Min(p.p0.Y, p.p1.Y) - p.r, math.Min(p.p0.Z, p.p1.Z) - p.r},
			hi: [3]float64{math.Max(p.p0.X, p.p1.X) + p.r, math.Max(p.p0.Y, p.p1.Y) + p.r, math.Max(p.p0.Z, p.p1.Z) + p.r},
		}
	default: // cylinder
		return aabb{
			lo: [3]float64{p.p0.X - p.r, p.p0.Y - p.r, p.p0.Z},
			hi: [3]float64{p.p0.X + p.r, p.p0.Y + p.r, p.p1.Z},
		}
	}
}

// intersect returns the smallest ray parameter in (tmin, tmax) at which the
// ray o + t d enters or leaves the primitive, or +Inf.
func (p *prim) intersect(o, d r3.Vec, tmin, tmax float64) float64 {
	inf := math.Inf(1)
	switch p.kind {
	case kindBox:
		// Into the box frame (rotate by -yaw about z).
		ox, oy := o.X-p.p0.X, o.Y-p.p0.Y
		lo := [3]float64{p.cy*ox + p.sy*oy, -p.sy*ox + p.cy*oy, o.Z - p.p0.Z}
		ld := [3]float64{p.cy*d.X + p.sy*d.Y, -p.sy*d.X + p.cy*d.Y, d.Z}
		h := [3]float64{p.p1.X, p.p1.Y, p.p1.Z}
		t0, t1 := -inf, inf
		for k := 0; k < 3; k++ {
			if ld[k] == 0 {
				if lo[k] < -h[k] || lo[k] > h[k] {
					return inf
				}
				continue
			}
			inv := 1 / ld[k]
			a, b := (-h[k]-lo[k])*inv, (h[k]-lo[k])*inv
			if a > b {
				a, b = b, a
			}
			if a > t0 {
				t0 = a
			}
			if b < t1 {
				t1 = b
			}
			if t0 > t1 {
				return inf
			}
		}
		if t0 > tmin && t0 < tmax {
			return t0
		}
		if t1 > tmin && t1 < tmax {
			return t1
		}
		return inf
	case kindSphere:
		return sphereHit(o.X-p.p0.X, o.Y-p.p0.Y, o.Z-p.p0.Z, d.X, d.Y, d.Z, p.r, tmin, tmax)
	case kindEllipsoid:
		return sphereHit((o.X-p.p0.X)/p.p1.X, (o.Y-p.p0.Y)/p.p1.Y, (o.Z-p.p0.Z)/p.p1.Z,
			d.X/p.p1.X, d.Y/p.p1.Y, d.Z/p.p1.Z, 1, tmin, tmax)
	case kindCapsule:
		return capsuleHit(o, d, p.p0, p.p1, p.r, tmin, tmax)
	default:
		return cylinderHit(o, d, p, tmin, tmax)
	}
}

// sphereHit intersects the ray oc + t d (any d) with the origin sphere of radius r.
func sphereHit(ox, oy, oz, dx, dy, dz, r, tmin, tmax float64) float64 {
	a := dx*dx + dy*dy + dz*dz
	b := ox*dx + oy*dy + oz*dz
	c := ox*ox + oy*oy + oz*oz - r*r
	disc := b*b - a*c
	if disc < 0 {
		return math.Inf(1)
	}
	s := math.Sqrt(disc)
	t := (-b - s) / a
	if t > tmin && t < tmax {
		return t
	}
	t = (-b + s) / a
	if t > tmin && t < tmax {
		return t
	}
	return math.Inf(1)
}

// capsuleHit intersects a ray with the capsule around segment pa-pb.
func capsuleHit(o, d, pa, pb r3.Vec, r, tmin, tmax float64) float64 {
	inf := math.Inf(1)
	ba := r3.Sub(pb, pa)
	oa := r3.Sub(o, pa)
	baba := r3.Dot(ba, ba)
	bard := r3.Dot(ba, d)
	baoa := r3.Dot(ba, oa)
	rdoa := r3.Dot(d, oa)
	oaoa := r3.Dot(oa, oa)
	dd := r3.Dot(d, d)
	best := inf
	// Infinite cylinder part.
	a := baba*dd - bard*bard
	if a > 1e-12 {
		b := baba*rdoa - baoa*bard
		c := baba*oaoa - baoa*baoa - r*r*baba
		h := b*b - a*c
		if h >= 0 {
			s := math.Sqrt(h)
			for _, t := range [2]float64{(-b - s) / a, (-b + s) / a} {
				y := baoa + t*bard
				if t > tmin && t < tmax && y > 0 && y < baba && t < best {
					best = t
				}
			}
		}
	}
	// End caps as spheres.
	if t := sphereHit(oa.X, oa.Y, oa.Z, d.X, d.Y, d.Z, r, tmin, tmax); t < best {
		best = t
	}
	ob := r3.Sub(o, pb)
	if t := sphereHit(ob.X, ob.Y, ob.Z, d.X, d.Y, d.Z, r, tmin, tmax); t < best {
		best = t
	}
	return best
}

func cylinderHit(o, d r3.Vec, p *prim, tmin, tmax float64) float64 {
	inf := math.Inf(1)
	best := inf
	ox, oy := o.X-p.p0.X, o.Y-p.p0.Y
	a := d.X*d.X + d.Y*d.Y
	if a > 1e-18 {
		b := ox*d.X + oy*d.Y
		c := ox*ox + oy*oy - p.r*p.r
		h := b*b - a*c
		if h >= 0 {
			s := math.Sqrt(h)
			for _, t := range [2]float64{(-b - s) / a, (-b + s) / a} {
				z := o.Z + t*d.Z
				if t > tmin && t < tmax && z >= p.p0.Z && z <= p.p1.Z && t < best {
					best = t
				}
			}
		}
	}
	if d.Z != 0 {
		for _, zc := range [2]float64{p.p0.Z, p.p1.Z} {
			t := (zc - o.Z) / d.Z
			if t > tmin && t < tmax && t < best {
				x, y := ox+t*d.X, oy+t*d.Y
				if x*x+y*y <= p.r*p.r {
					best = t
				}
			}
		}
	}
	return best
}

// normal returns the outward unit normal at surface point x.
func (p *prim) normal(x r3.Vec) r3.Vec {
	switch p.kind {
	case kindBox:
		dx, dy := x.X-p.p0.X, x.Y-p.p0.Y
		lx, ly, lz := p.cy*dx+p.sy*dy, -p.sy*dx+p.cy*dy, x.Z-p.p0.Z
		fx, fy, fz := math.Abs(lx)/p.p1.X, math.Abs(ly)/p.p1.Y, math.Abs(lz)/p.p1.Z
		switch {
		case fz >= fx && fz >= fy:
			return r3.Vec{Z: math.Copysign(1, lz)}
		case fx >= fy:
			s := math.Copysign(1, lx)
			return r3.Vec{X: s * p.cy, Y: s * p.sy}
		default:
			s := math.Copysign(1, ly)
			return r3.Vec{X: -s * p.sy, Y: s * p.cy}
		}
	case kindSphere:
		return r3.Unit(r3.Sub(x, p.p0))
	case kindEllipsoid:
		v := r3.Sub(x, p.p0)
		return r3.Unit(r3.Vec{X: v.X / (p.p1.X * p.p1.X), Y: v.Y / (p.p1.Y * p.p1.Y), Z: v.Z / (p.p1.Z * p.p1.Z)})
	case kindCapsule:
		ba := r3.Sub(p.p1, p.p0)
		h := r3.Dot(r3.Sub(x, p.p0), ba) / r3.Dot(ba, ba)
		h = math.Max(0, math.Min(1, h))
		return r3.Unit(r3.Sub(x, r3.Add(p.p0, r3.Scale(h, ba))))
	default:
		if x.Z >= p.p1.Z-1e-6 {
			return r3.Vec{Z: 1}
		}
		if x.Z <= p.p0.Z+1e-6 {
			return r3.Vec{Z: -1}
		}
		return r3.Unit(r3.Vec{X: x.X - p.p0.X, Y: x.Y - p.p0.Y})
	}
}

// containsXY reports whether the vertical projection of the primitive covers
// the map point (x, y); used to rasterise BEV footprints.
func (p *prim) containsXY(x, y float64) bool {
	switch p.kind {
	case kindBox:
		dx, dy := x-p.p0.X, y-p.p0.Y
		lx, ly := p.cy*dx+p.sy*dy, -p.sy*dx+p.cy*dy
		return math.Abs(lx) <= p.p1.X && math.Abs(ly) <= p.p1.Y
	case kindSphere, kindCylinder:
		dx, dy := x-p.p0.X, y-p.p0.Y
		return dx*dx+dy*dy <= p.r*p.r
	case kindEllipsoid:
		dx, dy := (x-p.p0.X)/p.p1.X, (y-p.p0.Y)/p.p1.Y
		return dx*dx+dy*dy <= 1
	default:
		// Distance from (x,y) to the projected segment.
		ax, ay := p.p1.X-p.p0.X, p.p1.Y-p.p0.Y
		qx, qy := x-p.p0.X, y-p.p0.Y
		l2 := ax*ax + ay*ay
		h := 0.0
		if l2 > 0 {
			h = math.Max(0, math.Min(1, (qx*ax+qy*ay)/l2))
		}
		ex, ey := qx-h*ax, qy-h*ay
		return ex*ex+ey*ey <= p.r*p.r
	}
}
