package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Actor kinds.
const (
	actCar uint8 = iota
	actTruck
	actPed
	actCyclist
)

// actor is a thing with ground truth: a vehicle, pedestrian or cyclist.
type actor struct {
	kind    uint8
	dynamic bool // dynamic actors are re-posed at every query time
	class   uint16
	mat     uint16
	act     Activity
	inst    uint32
	path    *loopPath // nil: static or linear motion
	s0      float64   // arc length at t=0, m
	speed   float64   // along path, m/s
	x, y, z float64   // pose at t=0 (static or linear motion)
	yaw     float64
	vx, vy  float64 // linear motion, m/s
	l, w, h float64 // GT box size, m
	height  float64 // person standing height, m
	stride  float64 // gait cycle length, m
	jit     float64 // per-actor phase offset
	radius  float64 // bounding radius around (x, y) in the horizontal plane, m
	seatTop float64 // sitting: bench top height above the actor's ground
}

// actorState is an actor's pose at a time.
type actorState struct {
	x, y, z, yaw float64
	vx, vy       float64
	yawRate      float64
	dist         float64 // distance travelled, m (drives the gait phase)
}

// finish fills derived fields once the actor is fully described.
func (a *actor) finish() {
	switch a.kind {
	case actPed:
		an := poseAngles(a.act, 0, 0, a.jit)
		b := poseBody(&an, a.height, 0)
		a.l, a.w, a.h = 0.6, 0.6, a.height
		if a.act == ActivitySitting {
			a.l = 0.3 + fThigh*a.height
			a.h = b.head.Z + fHeadR*a.height
			a.seatTop = b.pelvis.Z - fThighR*a.height
		}
		a.radius = 0.5 + 0.3*a.height
	case actCyclist:
		a.radius = 1.2
	default:
		a.radius = 0.5 * math.Hypot(a.l, a.w)
	}
}

func (a *actor) state(t float64) actorState {
	if a.path != nil {
		s := a.s0 + a.speed*t
		x, y, yaw, curv := a.path.at(s)
		c, sn := math.Cos(yaw), math.Sin(yaw)
		return actorState{x: x, y: y, z: a.z, yaw: yaw, vx: a.speed * c, vy: a.speed * sn, yawRate: a.speed * curv, dist: s}
	}
	sp := math.Hypot(a.vx, a.vy)
	return actorState{x: a.x + a.vx*t, y: a.y + a.vy*t, z: a.z, yaw: a.yaw, vx: a.vx, vy: a.vy, dist: sp * t}
}

// body returns the posed body of a person or cyclist rider at time t in its
// body frame, and the pelvis offset in the actor frame.
func (a *actor) body(st *actorState, t float64) body {
	phase := 2*math.Pi*st.dist/a.stride + a.jit
	an := poseAngles(a.act, phase, t, a.jit)
	if a.kind == actCyclist {
		return poseBody(&an, a.height, bikeSaddleZ)
	}
	return poseBody(&an, a.height, 0)
}

const (
	bikeWheelR  = 0.34
	bikeSaddleZ = 0.95
	bikeSaddleX = -0.18
)

// prims appends the actor's primitives at time t in the map frame.
func (a *actor) prims(out []prim, t float64) []prim {
	st := a.state(t)
	return a.primsAt(out, &st, t)
}

func (a *actor) primsAt(out []prim, st *actorState, t float64) []prim {
	sy, cy := math.Sincos(st.yaw)
	tf := func(v r3.Vec) r3.Vec {
		return r3.Vec{X: st.x + cy*v.X - sy*v.Y, Y: st.y + sy*v.X + cy*v.Y, Z: st.z + v.Z}
	}
	box := func(c, half r3.Vec, label, mat uint16) {
		out = append(out, prim{kind: kindBox, p0: tf(c), p1: half, cy: cy, sy: sy, label: label, mat: mat, inst: a.inst})
	}
	switch a.kind {
	case actCar:
		top := 0.62 * a.h
		box(r3.Vec{X: 0.3 * a.l, Z: 0.33}, r3.Vec{X: 0.33, Y: a.w/2 - 0.03, Z: 0.33}, a.class, matTire)
		box(r3.Vec{X: -0.3 * a.l, Z: 0.33}, r3.Vec{X: 0.33, Y: a.w/2 - 0.03, Z: 0.33}, a.class, matTire)
		box(r3.Vec{Z: (0.3 + top) / 2}, r3.Vec{X: a.l / 2, Y: a.w / 2, Z: (top - 0.3) / 2}, a.class, a.mat)
		box(r3.Vec{X: -0.06 * a.l, Z: (top + a.h) / 2}, r3.Vec{X: 0.27 * a.l, Y: a.w/2 - 0.08, Z: (a.h - top) / 2}, a.class, matGlass)
	case actTruck:
		cab := 2.2
		box(r3.Vec{X: a.l/2 - cab/2, Z: (0.5 + 2.9) / 2}, r3.Vec{X: cab / 2, Y: a.w/2 - 0.05, Z: (2.9 - 0.5) / 2}, a.class, a.mat)
		box(r3.Vec{X: -cab / 2, Z: (0.9 + a.h) / 2}, r3.Vec{X: (a.l-cab)/2 - 0.1, Y: a.w / 2, Z: (a.h - 0.9) / 2}, a.class, matCarWhite)
		for _, x := range [3]float64{a.l/2 - 1.1, -a.l/2 + 2.4, -a.l/2 + 1.2} {
			box(r3.Vec{X: x, Z: 0.5}, r3.Vec{X: 0.5, Y: a.w/2 - 0.05, Z: 0.5}, a.class, matTire)
		}
	case actPed:
		b := a.body(st, t)
		out = bodyPrims(out, &b, st.x, st.y, st.z, st.yaw, a.class, a.inst, a.mat)
	case actCyclist:
		// Bicycle (class bicycle), then the rider (class bicyclist), same instance.
		wheel := r3.Vec{X: bikeWheelR, Y: 0.03, Z: bikeWheelR}
		for _, x := range [2]float64{-0.52, 0.52} {
			out = append(out, prim{kind: kindEllipsoid, p0: tf(r3.Vec{X: x, Z: bikeWheelR}), p1: rotXY(wheel, cy, sy), label: ClassBicycle, mat: matTire, inst: a.inst})
		}
		pts := [...]r3.Vec{{X: -0.52, Z: bikeWheelR}, {X: 0, Z: 0.3}, {X: bikeSaddleX, Z: bikeSaddleZ - 0.08}, {X: 0.42, Z: 0.88}, {X: 0.52, Z: bikeWheelR}}
		for _, e := range [...][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {1, 3}, {0, 2}} {
			out = append(out, prim{kind: kindCapsule, p0: tf(pts[e[0]]), p1: tf(pts[e[1]]), r: 0.025, label: ClassBicycle, mat: matBike, inst: a.inst})
		}
		out = append(out, prim{kind: kindCapsule, p0: tf(r3.Vec{X: 0.45, Y: 0.25, Z: 0.98}), p1: tf(r3.Vec{X: 0.45, Y: -0.25, Z: 0.98}), r: 0.02, label: ClassBicycle, mat: matPole, inst: a.inst})
		b := a.body(st, t)
		// The rider's pelvis sits on the saddle.
		ox, oy := st.x+cy*bikeSaddleX, st.y+sy*bikeSaddleX
		out = bodyPrims(out, &b, ox, oy, st.z, st.yaw, ClassBicyclist, a.inst, a.mat)
	}
	return out
}

// rotXY returns the axis-aligned half extents of an ellipsoid's radii
// rotated by yaw; ellipsoids are axis aligned, so thin wheels are
// approximated by their rotated extents (exact for yaw multiples of 90°).
func rotXY(r r3.Vec, cy, sy float64) r3.Vec {
	return r3.Vec{X: math.Max(math.Abs(cy)*r.X, math.Abs(sy)*r.Y), Y: math.Max(math.Abs(sy)*r.X, math.Abs(cy)*r.Y), Z: r.Z}
}

// benchPrims returns the bench under a sitting person.
func (a *actor) benchPrims(out []prim) []prim {
	sy, cy := math.Sincos(a.yaw)
	c := r3.Vec{X: a.x + cy*0.12, Y: a.y + sy*0.12, Z: a.z + a.seatTop/2}
	return append(out, prim{kind: kindBox, p0: c, p1: r3.Vec{X: 0.25, Y: 0.8, Z: a.seatTop / 2}, cy: cy, sy: sy, label: ClassUnlabeled, mat: matBench})
}
