package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// dynActor is one posed actor in a scene snapshot.
type dynActor struct {
	box    aabb
	lo, hi int32 // range in scene.prims
	actor  int32 // index in World.actors
}

// scene is the world at one time: the static hierarchy plus a snapshot of
// the dynamic actors near a point, with its own small hierarchy. A scene is
// reused across updates and is not safe for concurrent updates; concurrent
// casts on a scene that is not being updated are safe.
type scene struct {
	w     *World
	t     float64
	prims []prim
	acts  []dynActor
	tmp   []dynActor
	nodes []bvhNode
	boxes []aabb
}

func (w *World) newScene() *scene { return &scene{w: w} }

// update poses the dynamic actors within radius (horizontal, metres) of
// centre at time t.
func (sc *scene) update(t float64, centre r3.Vec, radius float64) {
	w := sc.w
	sc.t = t
	sc.prims = sc.prims[:0]
	sc.tmp = sc.tmp[:0]
	for i := range w.actors {
		a := &w.actors[i]
		if !a.dynamic {
			continue
		}
		st := a.state(t)
		dx, dy := st.x-centre.X, st.y-centre.Y
		lim := radius + a.radius + 1
		if dx*dx+dy*dy > lim*lim {
			continue
		}
		lo := len(sc.prims)
		sc.prims = a.primsAt(sc.prims, &st, t)
		box := emptyAABB()
		for k := lo; k < len(sc.prims); k++ {
			box.grow(sc.prims[k].bounds())
		}
		sc.tmp = append(sc.tmp, dynActor{box: box, lo: int32(lo), hi: int32(len(sc.prims)), actor: int32(i)})
	}
	sc.boxes = sc.boxes[:0]
	for i := range sc.tmp {
		sc.boxes = append(sc.boxes, sc.tmp[i].box)
	}
	nodes, order := buildBVH(sc.boxes)
	sc.nodes = nodes
	sc.acts = sc.acts[:0]
	for _, o := range order {
		sc.acts = append(sc.acts, sc.tmp[o])
	}
}

const rayEps = 1e-4

// cast returns the nearest hit of the ray o + t d (d need not be unit; t is
// in units of |d|) with t in (rayEps, tmax), or hp == nil. Primitives of
// instance ignInst whose keypoint mask intersects ignMask are skipped
// (ignMask 0 skips nothing). With any set, the first hit found is returned.
func (sc *scene) cast(o, d r3.Vec, tmax float64, ignInst, ignMask uint32, any bool) (float64, *prim) {
	best := tmax
	var hp *prim
	if d.Z < 0 {
		if t := -o.Z / d.Z; t > rayEps && t < best {
			best, hp = t, &sc.w.ground
			if any {
				return best, hp
			}
		}
	}
	oa := [3]float64{o.X, o.Y, o.Z}
	inv := [3]float64{1 / d.X, 1 / d.Y, 1 / d.Z}
	var stack [bvhStack]int32
	var stackT [bvhStack]float64
	for pass := 0; pass < 2; pass++ {
		nodes := sc.w.nodes
		if pass == 0 && len(sc.w.static) == 0 {
			continue
		}
		if pass == 1 {
			nodes = sc.nodes
			if len(sc.acts) == 0 {
				break
			}
		}
		if len(nodes) == 0 {
			continue
		}
		if _, ok := rayBox(&nodes[0].box, &oa, &inv, rayEps, best); !ok {
			continue
		}
		sp := 0
		node := int32(0)
		for {
			n := &nodes[node]
			if n.count > 0 {
				first, last := n.right, n.right+n.count
				if pass == 0 {
					for i := first; i < last; i++ {
						p := &sc.w.static[i]
						if ignMask != 0 && p.kp&ignMask != 0 && p.inst == ignInst {
							continue
						}
						if t := p.intersect(o, d, rayEps, best); t < best {
							best, hp = t, p
							if any {
								return best, hp
							}
						}
					}
				} else {
					for i := first; i < last; i++ {
						da := &sc.acts[i]
						if _, ok := rayBox(&da.box, &oa, &inv, rayEps, best); !ok {
							continue
						}
						for k := da.lo; k < da.hi; k++ {
							p := &sc.prims[k]
							if ignMask != 0 && p.kp&ignMask != 0 && p.inst == ignInst {
								continue
							}
							if t := p.intersect(o, d, rayEps, best); t < best {
								best, hp = t, p
								if any {
									return best, hp
								}
							}
						}
					}
				}
			} else {
				l, r := node+1, n.right
				tl, okl := rayBox(&nodes[l].box, &oa, &inv, rayEps, best)
				tr, okr := rayBox(&nodes[r].box, &oa, &inv, rayEps, best)
				switch {
				case okl && okr:
					if tr < tl {
						l, r, tl, tr = r, l, tr, tl
					}
					if sp < bvhStack {
						stack[sp], stackT[sp] = r, tr
						sp++
					}
					node = l
					continue
				case okl:
					node = l
					continue
				case okr:
					node = r
					continue
				}
			}
			// Pop the next node still nearer than the best hit.
			found := false
			for sp > 0 {
				sp--
				if stackT[sp] < best {
					node, found = stack[sp], true
					break
				}
			}
			if !found {
				break
			}
		}
	}
	return best, hp
}

// surface describes a hit point.
type surface struct {
	p, n  r3.Vec
	label uint16
	mat   uint16
	inst  uint32
}

func (sc *scene) surfaceAt(hp *prim, o, d r3.Vec, t float64) surface {
	p := r3.Add(o, r3.Scale(t, d))
	s := surface{p: p, label: hp.label, mat: hp.mat, inst: hp.inst}
	if hp == &sc.w.ground {
		s.n = r3.Vec{Z: 1}
	} else {
		s.n = hp.normal(p)
	}
	if hp.ground && s.n.Z > 0.5 {
		s.label, s.mat = sc.w.lay.groundAt(p.X, p.Y)
	}
	return s
}

// hash64 is the SplitMix64 finaliser.
func hash64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// cellNoise returns a deterministic value in [0, 1) for the lattice cell of
// p at scale s.
func cellNoise(seed uint64, p r3.Vec, s float64) float64 {
	ix := uint64(int64(math.Floor(p.X / s)))
	iy := uint64(int64(math.Floor(p.Y / s)))
	iz := uint64(int64(math.Floor(p.Z / s)))
	h := hash64(seed ^ hash64(ix^hash64(iy^hash64(iz))))
	return float64(h>>11) / (1 << 53)
}
