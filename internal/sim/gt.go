package sim

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// COCO keypoint visibility flags.
const (
	VisNotLabelled uint8 = 0 // outside the image or behind the camera
	VisOccluded    uint8 = 1 // in the image, but a ray to it hits something else first
	VisVisible     uint8 = 2
)

// Keypoint is a projected keypoint.
type Keypoint struct {
	U, V       float64 // U, V are distorted pixel coordinates (pixel centres at integers).
	Visibility uint8   // Visibility is VisNotLabelled, VisOccluded or VisVisible.
}

// PersonGT is the ground truth of one person (pedestrian or bicycle rider)
// in one camera image.
type PersonGT struct {
	Instance uint32
	Class    uint16 // Class is ClassPerson or ClassBicyclist.
	Activity Activity
	// Keypoints are the COCO-17 keypoints projected with visibility.
	Keypoints [NumKeypoints]Keypoint
	// KeypointsCam are the 3D keypoints in the camera optical frame, metres.
	KeypointsCam [NumKeypoints]r3.Vec
	// Box is the tight box (x1, y1, x2, y2) of the projected body, pixels,
	// clipped to the image; it bounds the projected limb capsules.
	Box [4]float64
	// NumVisible counts keypoints with VisVisible.
	NumVisible int
}

// keypointsWorld returns the actor's 17 keypoints in the map frame and its
// body primitives (appended to scratch).
func (a *actor) keypointsWorld(st *actorState, t float64, scratch []prim) ([NumKeypoints]r3.Vec, []prim) {
	b := a.body(st, t)
	sy, cy := math.Sincos(st.yaw)
	ox, oy := st.x, st.y
	label := ClassPerson
	if a.kind == actCyclist {
		ox, oy = st.x+cy*bikeSaddleX, st.y+sy*bikeSaddleX
		label = ClassBicyclist
	}
	var kp [NumKeypoints]r3.Vec
	for k, v := range b.kp {
		kp[k] = r3.Vec{X: ox + cy*v.X - sy*v.Y, Y: oy + sy*v.X + cy*v.Y, Z: st.z + v.Z}
	}
	return kp, bodyPrims(scratch, &b, ox, oy, st.z, st.yaw, label, a.inst, a.mat)
}

// PersonsGT returns the people visible in cam at time t within maxRange
// metres of the camera (default 80 when 0): those with at least one keypoint
// inside the image in front of the camera and a non-empty clipped box.
// A keypoint is occluded when the ray from the camera centre to it hits any
// surface more than 1 cm before it, ignoring the primitives of the same
// person that contain the keypoint (the limbs ending at it).
func (w *World) PersonsGT(cam *Camera, t, maxRange float64) []PersonGT {
	if maxRange == 0 {
		maxRange = 80
	}
	m := &cam.Model
	pose := w.CameraPose(cam, t)
	inv := pose.Inverse()
	o := pose.Translation
	sc := w.newScene()
	sc.update(t, o, maxRange+5)
	var out []PersonGT
	var scratch []prim
	for i := range w.actors {
		a := &w.actors[i]
		if a.kind != actPed && a.kind != actCyclist {
			continue
		}
		st := a.state(t)
		if math.Hypot(st.x-o.X, st.y-o.Y) > maxRange {
			continue
		}
		var kpw [NumKeypoints]r3.Vec
		kpw, scratch = a.keypointsWorld(&st, t, scratch[:0])
		g := PersonGT{Instance: a.inst, Class: ClassPerson, Activity: a.act}
		if a.kind == actCyclist {
			g.Class = ClassBicyclist
		}
		any := false
		for k := range kpw {
			pc := inv.Apply(kpw[k])
			g.KeypointsCam[k] = pc
			u, v, ok := m.Project(pc)
			if !ok || !m.Contains(u, v) {
				continue
			}
			g.Keypoints[k] = Keypoint{U: u, V: v, Visibility: VisOccluded}
			any = true
			d := r3.Sub(kpw[k], o)
			dist := r3.Norm(d)
			d = r3.Scale(1/dist, d)
			if _, hp := sc.cast(o, d, dist-0.01, a.inst, 1<<uint(k), true); hp == nil {
				g.Keypoints[k].Visibility = VisVisible
				g.NumVisible++
			}
		}
		if !any {
			continue
		}
		box, ok := projectedBox(m, inv, scratch)
		if !ok {
			continue
		}
		g.Box = box
		out = append(out, g)
	}
	return out
}

// projectedBox bounds the projection of capsules and spheres (sampled along
// each segment, each sample's sphere bounded by its projected radius),
// clipped to the image.
func projectedBox(m *CameraModel, inv Pose, prims []prim) ([4]float64, bool) {
	x1, y1, x2, y2 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range prims {
		p := &prims[i]
		const ns = 6
		for s := 0; s <= ns; s++ {
			q := p.p0
			if p.kind == kindCapsule {
				q = r3.Add(p.p0, r3.Scale(float64(s)/ns, r3.Sub(p.p1, p.p0)))
			} else if s > 0 {
				break
			}
			pc := inv.Apply(q)
			if pc.Z < 0.1 {
				continue
			}
			u, v, ok := m.Project(pc)
			if !ok {
				continue
			}
			ru, rv := m.Fx*p.r/pc.Z, m.Fy*p.r/pc.Z
			x1, y1 = math.Min(x1, u-ru), math.Min(y1, v-rv)
			x2, y2 = math.Max(x2, u+ru), math.Max(y2, v+rv)
		}
	}
	x1, y1 = math.Max(x1, -0.5), math.Max(y1, -0.5)
	x2, y2 = math.Min(x2, float64(m.Width)-0.5), math.Min(y2, float64(m.Height)-0.5)
	if !(x2 > x1 && y2 > y1) {
		return [4]float64{}, false
	}
	return [4]float64{x1, y1, x2, y2}, true
}

// Box3D is an object's 3D box in base_link.
type Box3D struct {
	Instance uint32
	Class    uint16  // Class is ClassCar, ClassTruck, ClassPerson or ClassBicyclist.
	Center   r3.Vec  // Center is the box centre in base_link, metres.
	Length   float64 // Length is the size along the object's heading, metres.
	Width    float64 // Width is the lateral size, metres.
	Height   float64 // Height is the vertical size, metres.
	Yaw      float64 // Yaw is the heading in base_link, radians in (-π, π].
	// Velocity is the object's map-frame velocity expressed in base_link axes
	// (not relative to the ego), m/s.
	Velocity r3.Vec
	Moving   bool // Moving is false for parked and standing objects.
}

// Boxes3D returns the boxes of vehicles, pedestrians and cyclists whose
// centres lie within maxRange metres (horizontal) of base_link at time t
// (default 60 when 0), sorted by actor order.
func (w *World) Boxes3D(t, maxRange float64) []Box3D {
	if maxRange == 0 {
		maxRange = 60
	}
	ego := w.EgoPose(t)
	inv := ego.Inverse()
	eyaw := ego.Rotation.Yaw()
	var out []Box3D
	for i := range w.actors {
		a := &w.actors[i]
		st := a.state(t)
		sy, cy := math.Sincos(st.yaw)
		fwd := 0.0
		if a.kind == actPed && a.act == ActivitySitting {
			fwd = a.l/2 - 0.2
		}
		c := r3.Vec{X: st.x + cy*fwd, Y: st.y + sy*fwd, Z: st.z + a.h/2}
		cb := inv.Apply(c)
		if math.Hypot(cb.X, cb.Y) > maxRange {
			continue
		}
		v := inv.Rotation.Rotate(r3.Vec{X: st.vx, Y: st.vy})
		out = append(out, Box3D{Instance: a.inst, Class: a.class, Center: cb, Length: a.l, Width: a.w, Height: a.h,
			Yaw: wrapAngle(st.yaw - eyaw), Velocity: v, Moving: st.vx != 0 || st.vy != 0})
	}
	return out
}

// BEVConfig configures World.BEV. Zero fields select defaults.
type BEVConfig struct {
	// Range is the half side of the square grid centred on base_link, metres.
	// Default 51.2.
	Range float64
	// Resolution is the cell side, metres. Default 0.4 (256×256 cells).
	Resolution float64
	// MinZ and MaxZ bound the height band (metres above the map ground) in
	// which a primitive counts as an obstacle. Defaults 0.2 and 3.0.
	MinZ, MaxZ float64
}

// BEVGrid is a bird's-eye-view grid centred on base_link. Cell (row, col)
// is at index row*Size+col and covers base_link x in
// [-Range + col·Resolution, -Range + (col+1)·Resolution) and y likewise
// with row: columns run forward, rows run left.
type BEVGrid struct {
	Size       int
	Range      float64
	Resolution float64
	// Occupied is 1 where an obstacle (building, fence, vegetation, trunk,
	// pole, sign, vehicle, person, cyclist, bench) covers the cell centre
	// within the height band, else 0.
	Occupied []uint8
	// Class is the obstacle's class in occupied cells and the ground class
	// (road, sidewalk, parking, terrain, other-ground) in free cells.
	Class []uint16
	// Instance is the obstacle's instance id (0 for stuff and free cells).
	Instance []uint32
}

// CellCenter returns the base_link (x, y) of cell (row, col).
func (g *BEVGrid) CellCenter(row, col int) (x, y float64) {
	return -g.Range + (float64(col)+0.5)*g.Resolution, -g.Range + (float64(row)+0.5)*g.Resolution
}

// Cell returns the cell holding base_link (x, y), or ok false outside.
func (g *BEVGrid) Cell(x, y float64) (row, col int, ok bool) {
	col = int(math.Floor((x + g.Range) / g.Resolution))
	row = int(math.Floor((y + g.Range) / g.Resolution))
	return row, col, row >= 0 && col >= 0 && row < g.Size && col < g.Size
}

func obstaclePriority(c uint16) int {
	switch c {
	case ClassCar, ClassTruck, ClassPerson, ClassBicyclist, ClassBicycle:
		return 6
	case ClassPole, ClassTrafficSign:
		return 5
	case ClassTrunk:
		return 4
	case ClassBuilding:
		return 3
	case ClassFence:
		return 2
	case ClassVegetation:
		return 1
	}
	return 0
}

// BEV returns the occupancy/semantic grid around base_link at time t.
func (w *World) BEV(t float64, cfg BEVConfig) (BEVGrid, error) {
	if cfg.Range == 0 {
		cfg.Range = 51.2
	}
	if cfg.Resolution == 0 {
		cfg.Resolution = 0.4
	}
	if cfg.MinZ == 0 {
		cfg.MinZ = 0.2
	}
	if cfg.MaxZ == 0 {
		cfg.MaxZ = 3
	}
	if !(cfg.Range > 0) || !(cfg.Resolution > 0) || cfg.Range/cfg.Resolution > 4096 {
		return BEVGrid{}, cfgErr("BEVConfig.Resolution", cfg.Resolution, "grid of range %g m at this resolution is invalid or above 8192 cells a side", cfg.Range)
	}
	if !(cfg.MaxZ > cfg.MinZ) {
		return BEVGrid{}, cfgErr("BEVConfig.MaxZ", cfg.MaxZ, "not above MinZ %g", cfg.MinZ)
	}
	n := int(math.Round(2 * cfg.Range / cfg.Resolution))
	g := BEVGrid{Size: n, Range: cfg.Range, Resolution: cfg.Resolution,
		Occupied: make([]uint8, n*n), Class: make([]uint16, n*n), Instance: make([]uint32, n*n)}
	ego := w.EgoPose(t)
	inv := ego.Inverse()
	sy, cy := math.Sincos(ego.Rotation.Yaw())
	ex, ey := ego.Translation.X, ego.Translation.Y
	toMap := func(x, y float64) (float64, float64) { return ex + cy*x - sy*y, ey + sy*x + cy*y }
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			x, y := g.CellCenter(r, c)
			mx, my := toMap(x, y)
			g.Class[r*n+c], _ = w.lay.groundAt(mx, my)
		}
	}
	prio := make([]int8, n*n)
	rad := cfg.Range * math.Sqrt2
	raster := func(p *prim) {
		if p.ground || obstaclePriority(p.label) == 0 && p.label != ClassUnlabeled {
			return
		}
		b := p.bounds()
		if b.hi[2] < cfg.MinZ || b.lo[2] > cfg.MaxZ {
			return
		}
		cx, cyy := 0.5*(b.lo[0]+b.hi[0]), 0.5*(b.lo[1]+b.hi[1])
		hr := 0.5 * math.Hypot(b.hi[0]-b.lo[0], b.hi[1]-b.lo[1])
		if math.Hypot(cx-ex, cyy-ey) > rad+hr {
			return
		}
		pc := inv.Apply(r3.Vec{X: cx, Y: cyy})
		_, c0, _ := g.Cell(pc.X-hr, 0)
		_, c1, _ := g.Cell(pc.X+hr, 0)
		r0, _, _ := g.Cell(0, pc.Y-hr)
		r1, _, _ := g.Cell(0, pc.Y+hr)
		c0, c1 = max(c0, 0), min(c1, n-1)
		r0, r1 = max(r0, 0), min(r1, n-1)
		pr := int8(obstaclePriority(p.label))
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				i := r*n + c
				if g.Occupied[i] == 1 && prio[i] > pr {
					continue
				}
				x, y := g.CellCenter(r, c)
				mx, my := toMap(x, y)
				if p.containsXY(mx, my) {
					g.Occupied[i], g.Class[i], g.Instance[i], prio[i] = 1, p.label, p.inst, pr
				}
			}
		}
	}
	for i := range w.static {
		raster(&w.static[i])
	}
	sc := w.newScene()
	sc.update(t, ego.Translation, rad+5)
	for i := range sc.prims {
		raster(&sc.prims[i])
	}
	return g, nil
}
