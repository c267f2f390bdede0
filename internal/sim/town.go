package sim

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/spatial/r3"
)

func (w *World) genSidewalkFurniture(rng *rand.Rand, st []prim, x0, y0, x1, y1 float64) []prim {
	side := x1 - x0
	z0 := curbHeight
	for k := 0; k < 4; k++ {
		// Trees every 14 m, street lights every 28 m between them.
		for u := 5.0; u < side-4; u += 14 {
			if rng.Float64() < 0.6 {
				x, y, _ := sidePoint(k, u, 0.7, x0, y0, x1, y1)
				st = treePrims(rng, st, x, y, z0)
			}
			if int(u/14)%2 == 0 && u+7 < side-4 {
				x, y, nyaw := sidePoint(k, u+7, 0.4, x0, y0, x1, y1)
				st = append(st, prim{kind: kindCylinder, p0: r3.Vec{X: x, Y: y, Z: z0}, p1: r3.Vec{Z: 6.5}, r: 0.09, label: ClassPole, mat: matPole})
				// Arm over the road (the inward normal points away from it).
				ax, ay := x-1.6*math.Cos(nyaw), y-1.6*math.Sin(nyaw)
				st = append(st, prim{kind: kindCapsule, p0: r3.Vec{X: x, Y: y, Z: 6.4}, p1: r3.Vec{X: ax, Y: ay, Z: 6.6}, r: 0.06, label: ClassPole, mat: matPole})
			}
		}
		// A traffic sign near the corner where the side starts.
		if rng.Float64() < 0.6 {
			x, y, nyaw := sidePoint(k, 2.5, 0.4, x0, y0, x1, y1)
			st = append(st, prim{kind: kindCylinder, p0: r3.Vec{X: x, Y: y, Z: z0}, p1: r3.Vec{Z: 2.6}, r: 0.04, label: ClassPole, mat: matPole})
			// The plate faces traffic driving along the side (right-hand traffic).
			yaw := nyaw - math.Pi/2
			sy, cy := math.Sincos(yaw)
			st = append(st, prim{kind: kindBox, p0: r3.Vec{X: x - 0.06*cy, Y: y - 0.06*sy, Z: 2.3}, p1: r3.Vec{X: 0.02, Y: 0.32, Z: 0.32},
				cy: cy, sy: sy, label: ClassTrafficSign, mat: matSign})
		}
	}
	return st
}

func (w *World) genBuildings(rng *rand.Rand, st []prim, ix0, iy0, ix1, iy1 float64) []prim {
	lot := (ix1 - ix0) / 2
	for q := 0; q < 4; q++ {
		qx, qy := q%2, q/2
		lx0, ly0 := ix0+float64(qx)*lot, iy0+float64(qy)*lot
		fence := rng.Float64() < 0.35
		sb := uniform(rng, 0.5, 3)
		if fence {
			sb += 3
		}
		fx, fy := uniform(rng, 0.5, 0.85)*lot, uniform(rng, 0.5, 0.85)*lot
		fx, fy = math.Min(fx, lot-sb-0.5), math.Min(fy, lot-sb-0.5)
		// Street-facing sides: qx==0 faces -x, qx==1 faces +x (likewise y).
		bx := lx0 + sb + fx/2
		if qx == 1 {
			bx = lx0 + lot - sb - fx/2
		}
		by := ly0 + sb + fy/2
		if qy == 1 {
			by = ly0 + lot - sb - fy/2
		}
		h := uniform(rng, 6, 25)
		mat := uint16(matBuildingA + rng.IntN(3))
		st = append(st, prim{kind: kindBox, p0: r3.Vec{X: bx, Y: by, Z: curbHeight + h/2}, p1: r3.Vec{X: fx / 2, Y: fy / 2, Z: h / 2}, cy: 1,
			label: ClassBuilding, mat: mat})
		if fence {
			fh := 1.4
			ex := lx0 + 0.3
			if qx == 1 {
				ex = lx0 + lot - 0.3
			}
			ey := ly0 + 0.3
			if qy == 1 {
				ey = ly0 + lot - 0.3
			}
			st = append(st,
				prim{kind: kindBox, p0: r3.Vec{X: ex, Y: ly0 + lot/2, Z: curbHeight + fh/2}, p1: r3.Vec{X: 0.04, Y: lot/2 - 1, Z: fh / 2}, cy: 1, label: ClassFence, mat: matFence},
				prim{kind: kindBox, p0: r3.Vec{X: lx0 + lot/2, Y: ey, Z: curbHeight + fh/2}, p1: r3.Vec{X: lot/2 - 1, Y: 0.04, Z: fh / 2}, cy: 1, label: ClassFence, mat: matFence})
		}
	}
	return st
}

func (w *World) genPark(rng *rand.Rand, st []prim, ix0, iy0, ix1, iy1 float64) ([]prim, [][3]float64) {
	var pts [][2]float64
	n := 8 + rng.IntN(8)
	for k := 0; k < n; k++ {
		for try := 0; try < 10; try++ {
			x, y := uniform(rng, ix0+3, ix1-3), uniform(rng, iy0+3, iy1-3)
			ok := true
			for _, p := range pts {
				if math.Hypot(p[0]-x, p[1]-y) < 6 {
					ok = false
					break
				}
			}
			if ok {
				pts = append(pts, [2]float64{x, y})
				st = treePrims(rng, st, x, y, curbHeight)
				break
			}
		}
	}
	// Two benches facing the middle of the park, on the free strip inside the sidewalk.
	var seats [][3]float64
	cx, cy := (ix0+ix1)/2, (iy0+iy1)/2
	for k := 0; k < 2; k++ {
		x, y := cx+(ix1-ix0)*0.25*float64(2*k-1), iy0+1.6
		yaw := math.Pi / 2
		_ = cy
		seats = append(seats, [3]float64{x, y, yaw})
	}
	return st, seats
}

func (w *World) genParkingLot(rng *rand.Rand, ix0, iy0, ix1, iy1 float64) {
	cy := (iy0 + iy1) / 2
	for _, row := range [2]float64{cy - 6, cy + 6} {
		for x := ix0 + 3; x < ix1-3; x += 2.8 {
			if rng.Float64() < 0.55 {
				yaw := math.Pi / 2
				if rng.Float64() < 0.5 {
					yaw = -math.Pi / 2
				}
				w.actors = append(w.actors, w.newVehicle(rng, false, x, row, curbHeight, yaw))
			}
		}
	}
}

// newVehicle returns a parked (static) car or truck.
func (w *World) newVehicle(rng *rand.Rand, truck bool, x, y, z, yaw float64) actor {
	a := actor{kind: actCar, class: ClassCar, inst: w.newInst(), x: x, y: y, z: z, yaw: yaw}
	if truck {
		a.kind, a.class = actTruck, ClassTruck
		a.l, a.w, a.h = uniform(rng, 7, 9), 2.5, uniform(rng, 3.2, 3.8)
		a.mat = matTruck
	} else {
		a.l, a.w, a.h = uniform(rng, 4.2, 4.9), uniform(rng, 1.75, 1.95), uniform(rng, 1.45, 1.65)
		a.mat = uint16(matCarRed + rng.IntN(5))
	}
	return a
}

func (w *World) genParkedCars(rng *rand.Rand) {
	l := &w.lay
	type slot struct{ x, y, yaw float64 }
	var slots []slot
	margin := l.rw/2 + 6
	// Roads along x (at y = lineY(j)) and along y (at x = lineX(i)).
	for j := 0; j <= l.by; j++ {
		for i := 0; i < l.bx; i++ {
			for u := l.lineX(i) + margin; u < l.lineX(i+1)-margin; u += 6.5 {
				slots = append(slots, slot{u, l.lineY(j) - parkOffset, 0}, slot{u, l.lineY(j) + parkOffset, math.Pi})
			}
		}
	}
	for i := 0; i <= l.bx; i++ {
		for j := 0; j < l.by; j++ {
			for u := l.lineY(j) + margin; u < l.lineY(j+1)-margin; u += 6.5 {
				slots = append(slots, slot{l.lineX(i) + parkOffset, u, math.Pi / 2}, slot{l.lineX(i) - parkOffset, u, -math.Pi / 2})
			}
		}
	}
	rng.Shuffle(len(slots), func(a, b int) { slots[a], slots[b] = slots[b], slots[a] })
	for k := 0; k < w.cfg.NumParked && k < len(slots); k++ {
		s := slots[k]
		w.actors = append(w.actors, w.newVehicle(rng, false, s.x, s.y, 0, s.yaw+uniform(rng, -0.03, 0.03)))
	}
}

// ringPath returns the loop around road lines i0..i1, j0..j1 at lateral
// offset off to the right of travel, counter-clockwise (dir 1) or clockwise.
func (w *World) ringPath(i0, i1, j0, j1 int, off, dir float64) *loopPath {
	l := &w.lay
	cx, cy := (l.lineX(i0)+l.lineX(i1))/2, (l.lineY(j0)+l.lineY(j1))/2
	a, b := (l.lineX(i1)-l.lineX(i0))/2, (l.lineY(j1)-l.lineY(j0))/2
	// Counter-clockwise traffic has its right side outside the ring.
	d := off * dir
	return newLoopPath(cx, cy, a+d, b+d, 7, dir)
}

func (w *World) genTraffic(rng *rand.Rand) {
	l := &w.lay
	w.egoPath = w.ringPath(1, l.bx-1, 1, l.by-1, laneOffset, 1)
	w.egoSpeed = w.cfg.EgoSpeed
	w.egoS0 = 0
	type lane struct {
		path  *loopPath
		speed float64
		ego   bool
	}
	lanes := []lane{
		{w.egoPath, w.egoSpeed, true},
		{w.ringPath(1, l.bx-1, 1, l.by-1, laneOffset, -1), uniform(rng, 7, 11), false},
		{w.ringPath(0, l.bx, 0, l.by, laneOffset, 1), uniform(rng, 7, 11), false},
		{w.ringPath(0, l.bx, 0, l.by, laneOffset, -1), uniform(rng, 7, 11), false},
	}
	for k, ln := range lanes {
		n := w.cfg.NumMovingCars / len(lanes)
		if k < w.cfg.NumMovingCars%len(lanes) {
			n++
		}
		w.placeOnLane(rng, ln.path, ln.speed, n, ln.ego, actCar)
	}
	bikes := []lane{
		{w.ringPath(1, l.bx-1, 1, l.by-1, bikeOffset, 1), uniform(rng, 4, 6), false},
		{w.ringPath(1, l.bx-1, 1, l.by-1, bikeOffset, -1), uniform(rng, 4, 6), false},
		{w.ringPath(0, l.bx, 0, l.by, bikeOffset, 1), uniform(rng, 4, 6), false},
		{w.ringPath(0, l.bx, 0, l.by, bikeOffset, -1), uniform(rng, 4, 6), false},
	}
	for k, ln := range bikes {
		n := w.cfg.NumCyclists / len(bikes)
		if k < w.cfg.NumCyclists%len(bikes) {
			n++
		}
		w.placeOnLane(rng, ln.path, ln.speed, n, false, actCyclist)
	}
}

// placeOnLane spreads n moving actors evenly along a lane; on the ego lane
// they keep 25 m away from the ego.
func (w *World) placeOnLane(rng *rand.Rand, p *loopPath, speed float64, n int, ego bool, kind uint8) {
	if n == 0 {
		return
	}
	span, start := p.length, 0.0
	if ego {
		start, span = 25, p.length-50
	}
	gap := span / float64(n)
	for k := 0; k < n; k++ {
		s0 := start + gap*(float64(k)+0.5+uniform(rng, -0.2, 0.2))
		var a actor
		if kind == actCyclist {
			a = actor{kind: actCyclist, class: ClassBicyclist, inst: w.newInst(), height: uniform(rng, 1.6, 1.9),
				mat: uint16(matShirtA + rng.IntN(3)), act: ActivityCycling, l: 1.8, w: 0.65, jit: rng.Float64() * 6}
			a.h = 0.95 + 0.62*a.height
			a.stride = 2 * math.Pi * 0.34 * 2.2
		} else {
			a = w.newVehicle(rng, rng.Float64() < 0.2, 0, 0, 0, 0)
		}
		a.path, a.s0, a.speed, a.dynamic = p, s0, speed, true
		w.actors = append(w.actors, a)
	}
}

func strideFor(act Activity, h float64) float64 {
	switch act {
	case ActivityRunning:
		return 1.45 * h
	default:
		return 0.8 * h
	}
}

func (w *World) genPedestrians(rng *rand.Rand, benches [][3]float64) {
	l := &w.lay
	for k := 0; k < w.cfg.NumPedestrians; k++ {
		bi, bj := rng.IntN(l.bx), rng.IntN(l.by)
		x0, y0, x1, y1 := l.blockRect(bi, bj)
		cx, cy := (x0+x1)/2, (y0+y1)/2
		a := actor{kind: actPed, class: ClassPerson, inst: w.newInst(), height: uniform(rng, 1.55, 1.95),
			mat: uint16(matShirtA + rng.IntN(3)), jit: rng.Float64() * 6, z: curbHeight, dynamic: true}
		r := rng.Float64()
		switch {
		case r < 0.4:
			a.act = ActivityWalking
			a.path = newLoopPath(cx, cy, l.bs/2-walkerOffset, l.bs/2-walkerOffset, 2, 1)
			a.speed = 1.35
		case r < 0.55:
			a.act = ActivityRunning
			a.path = newLoopPath(cx, cy, l.bs/2-runnerOffset, l.bs/2-runnerOffset, 2, -1)
			a.speed = 3.0
		case r < 0.65 && len(benches) > 0:
			a.act = ActivitySitting
			b := benches[0]
			benches = benches[1:]
			a.x, a.y, a.yaw = b[0], b[1], b[2]
		default:
			a.act = ActivityStanding
			if rng.Float64() < 0.35 {
				a.act = ActivityWaving
			}
			side := rng.IntN(4)
			x, y, nyaw := sidePoint(side, uniform(rng, 8, l.bs-8), standOffset, x0, y0, x1, y1)
			a.x, a.y, a.yaw = x, y, nyaw+math.Pi+uniform(rng, -0.5, 0.5)
		}
		if a.path != nil {
			a.s0 = rng.Float64() * a.path.length
		}
		a.stride = strideFor(a.act, a.height)
		w.actors = append(w.actors, a)
	}
}
