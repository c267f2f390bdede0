package sim

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/spatial/r3"
)

// WorldConfig configures NewWorld. The zero value of every field selects its
// documented default.
type WorldConfig struct {
	// Seed makes the world deterministic: equal seeds give equal worlds and
	// equal sensor outputs.
	Seed int64
	// Empty skips the town: the world is a flat road plane plus ExtraBoxes and
	// ExtraPedestrians; the ego is at the map origin facing +x and drives
	// straight along +x at EgoSpeed (default 0: stationary).
	Empty bool
	// BlocksX and BlocksY are the number of town blocks along x and y.
	// Default 4; at least 3.
	BlocksX, BlocksY int
	// BlockSize is the side of a square block from curb to curb, metres,
	// sidewalks included. Default 60; at least 2*SidewalkWidth+20.
	BlockSize float64
	// RoadWidth is the curb-to-curb road width, metres. Default 16 (two 3.5 m
	// lanes, 1.5 m bike lanes and 3 m parking strips); at least 15.
	RoadWidth float64
	// SidewalkWidth is the width of the raised (0.15 m) sidewalk, metres.
	// Default 3.5; at least 3.
	SidewalkWidth float64
	// NumParked is the number of cars parked along roads (parking lots are
	// filled besides). Default 40; negative for none.
	NumParked int
	// NumMovingCars is the number of moving cars and trucks. Default 14;
	// negative for none.
	NumMovingCars int
	// NumCyclists is the number of moving cyclists. Default 6; negative for none.
	NumCyclists int
	// NumPedestrians is the number of pedestrians. Default 40; negative for none.
	NumPedestrians int
	// EgoSpeed is the ego speed along its route, m/s. Default 9 in a town,
	// 0 in an Empty world.
	EgoSpeed float64
	// OdomOffset is the fixed map←odom transform. The zero value selects a
	// translation of (-12.5, 4.0, 0) m and a yaw of 0.1 rad.
	OdomOffset Pose
	// SunDirection points from the scene towards the sun, map frame; need not
	// be unit. The zero value selects (0.45, 0.3, 0.84).
	SunDirection r3.Vec
	// ExtraBoxes are added to the static scene.
	ExtraBoxes []BoxSpec
	// ExtraPedestrians are added as articulated pedestrians.
	ExtraPedestrians []PedestrianSpec
}

// BoxSpec is an extra static box.
type BoxSpec struct {
	Center   r3.Vec   // Center is the box centre, map frame, metres.
	Size     r3.Vec   // Size is the full length (x), width (y), height (z), metres.
	Yaw      float64  // Yaw is the rotation about z, radians.
	Class    uint16   // Class is the SemanticKITTI raw id.
	Instance uint32   // Instance is the instance id (0 for stuff).
	Material Material // Material is the appearance; zero selects a grey wall.
}

// PedestrianSpec is an extra pedestrian.
type PedestrianSpec struct {
	Position r3.Vec   // Position is the point on the ground below the pelvis at t=0, map frame.
	Yaw      float64  // Yaw is the heading, radians.
	Activity Activity // Activity selects the pose prior.
	Height   float64  // Height is the standing height, metres; default 1.75.
	Speed    float64  // Speed is the speed along Yaw, m/s (walking/running); default 0.
}

const (
	curbHeight   = 0.15
	laneOffset   = 1.75
	bikeOffset   = 4.25
	parkOffset   = 6.5
	markHalf     = 0.075
	walkerOffset = 1.3
	runnerOffset = 2.2
	standOffset  = 3.0
)

// Block kinds.
const (
	blockBuildingsGrass = iota
	blockBuildingsPlaza
	blockPark
	blockParking
)

// layout is the analytic town grid.
type layout struct {
	empty         bool
	bx, by        int
	bs, rw, sw, p float64
	x0, y0        float64 // coordinates of road centre lines 0
	kinds         []uint8 // by block index j*bx+i
	xmin, xmax    float64
	ymin, ymax    float64
}

func (l *layout) lineX(i int) float64 { return l.x0 + float64(i)*l.p }
func (l *layout) lineY(j int) float64 { return l.y0 + float64(j)*l.p }

// nearestLine returns the distance from c to the nearest road centre line.
func nearestLine(c, c0, p float64, n int) float64 {
	i := math.Round((c - c0) / p)
	if i < 0 {
		i = 0
	} else if i > float64(n) {
		i = float64(n)
	}
	return c - (c0 + i*p)
}

// groundAt returns the class and material of the ground at map (x, y).
func (l *layout) groundAt(x, y float64) (uint16, uint16) {
	if l.empty {
		return ClassRoad, matRoad
	}
	if x < l.xmin || x > l.xmax || y < l.ymin || y > l.ymax {
		return ClassTerrain, matTerrain
	}
	dx := nearestLine(x, l.x0, l.p, l.bx)
	dy := nearestLine(y, l.y0, l.p, l.by)
	h := l.rw / 2
	rx, ry := math.Abs(dx) <= h, math.Abs(dy) <= h
	if rx || ry {
		if rx && ry {
			return ClassRoad, matRoad
		}
		d, along := math.Abs(dx), y
		if ry {
			d, along = math.Abs(dy), x
		}
		if (d < markHalf && math.Mod(math.Abs(along), 6) < 3) || math.Abs(d-3.5) < markHalf || math.Abs(d-5) < markHalf {
			return ClassRoad, matLane
		}
		return ClassRoad, matRoad
	}
	bi := int(math.Floor((x - l.x0) / l.p))
	bj := int(math.Floor((y - l.y0) / l.p))
	ex := math.Min(math.Abs(dx), l.p-math.Abs(dx)) - h
	ey := math.Min(math.Abs(dy), l.p-math.Abs(dy)) - h
	if math.Min(ex, ey) < l.sw {
		return ClassSidewalk, matSidewalk
	}
	if bi < 0 || bj < 0 || bi >= l.bx || bj >= l.by {
		return ClassTerrain, matTerrain
	}
	switch l.kinds[bj*l.bx+bi] {
	case blockBuildingsPlaza:
		return ClassOtherGround, matOtherGround
	case blockParking:
		return ClassParking, matParking
	}
	return ClassTerrain, matTerrain
}

// blockRect returns the curb rectangle of block (i, j).
func (l *layout) blockRect(i, j int) (x0, y0, x1, y1 float64) {
	h := l.rw / 2
	return l.lineX(i) + h, l.lineY(j) + h, l.lineX(i+1) - h, l.lineY(j+1) - h
}

// World is a generated scene. It is safe for concurrent use by multiple
// goroutines once built.
type World struct {
	cfg    WorldConfig
	lay    layout
	mats   []Material
	static []prim // in BVH order
	nodes  []bvhNode
	ground prim
	actors []actor
	sun    r3.Vec
	seed   uint64

	egoPath         *loopPath
	egoS0, egoSpeed float64
	odom            Pose // map←odom
	actorRadiusMax  float64
	nextInst        uint32
}

// NewWorld generates the world described by cfg.
func NewWorld(cfg WorldConfig) (*World, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	w := &World{cfg: cfg, mats: defaultMaterials(), seed: uint64(cfg.Seed)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019, nextInst: 1}
	w.sun = r3.Unit(cfg.SunDirection)
	w.odom = cfg.OdomOffset
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5851f42d4c957f2d))
	w.ground = prim{kind: kindBox, ground: true, label: ClassRoad, mat: matRoad}
	var st []prim
	if cfg.Empty {
		w.lay = layout{empty: true}
		w.egoSpeed = cfg.EgoSpeed
	} else {
		st = w.genTown(rng, st)
	}
	for _, b := range cfg.ExtraBoxes {
		m := b.Material
		if m == (Material{}) {
			m = w.mats[matWall]
		}
		w.mats = append(w.mats, m)
		sy, cy := math.Sincos(b.Yaw)
		st = append(st, prim{kind: kindBox, p0: b.Center, p1: r3.Scale(0.5, b.Size), cy: cy, sy: sy,
			label: b.Class, inst: b.Instance, mat: uint16(len(w.mats) - 1)})
	}
	for _, ps := range cfg.ExtraPedestrians {
		h := ps.Height
		if h == 0 {
			h = 1.75
		}
		a := actor{kind: actPed, class: ClassPerson, inst: w.newInst(), x: ps.Position.X, y: ps.Position.Y, z: ps.Position.Z,
			yaw: ps.Yaw, act: ps.Activity, height: h, mat: matShirtA, dynamic: true}
		a.vx, a.vy = ps.Speed*math.Cos(ps.Yaw), ps.Speed*math.Sin(ps.Yaw)
		a.stride = strideFor(ps.Activity, h)
		w.actors = append(w.actors, a)
	}
	// Static actors go into the static hierarchy.
	for i := range w.actors {
		a := &w.actors[i]
		a.finish()
		w.actorRadiusMax = math.Max(w.actorRadiusMax, a.radius)
		if !a.dynamic {
			st = a.prims(st, 0)
		}
		if a.kind == actPed && a.act == ActivitySitting {
			st = a.benchPrims(st)
		}
	}
	boxes := make([]aabb, len(st))
	for i := range st {
		boxes[i] = st[i].bounds()
	}
	nodes, order := buildBVH(boxes)
	w.static = make([]prim, len(st))
	for i, o := range order {
		w.static[i] = st[o]
	}
	w.nodes = nodes
	return w, nil
}

func (c *WorldConfig) setDefaults() error {
	if c.BlocksX == 0 {
		c.BlocksX = 4
	}
	if c.BlocksY == 0 {
		c.BlocksY = 4
	}
	if c.BlockSize == 0 {
		c.BlockSize = 60
	}
	if c.RoadWidth == 0 {
		c.RoadWidth = 16
	}
	if c.SidewalkWidth == 0 {
		c.SidewalkWidth = 3.5
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		} else if *v < 0 {
			*v = 0
		}
	}
	def(&c.NumParked, 40)
	def(&c.NumMovingCars, 14)
	def(&c.NumCyclists, 6)
	def(&c.NumPedestrians, 40)
	if c.EgoSpeed == 0 && !c.Empty {
		c.EgoSpeed = 9
	}
	if c.OdomOffset == (Pose{}) {
		c.OdomOffset = Pose{Translation: r3.Vec{X: -12.5, Y: 4}, Rotation: QuatFromYaw(0.1)}
	}
	if c.SunDirection == (r3.Vec{}) {
		c.SunDirection = r3.Vec{X: 0.45, Y: 0.3, Z: 0.84}
	}
	switch {
	case !c.Empty && (c.BlocksX < 3 || c.BlocksX > 64):
		return cfgErr("WorldConfig.BlocksX", c.BlocksX, "not in [3, 64]")
	case !c.Empty && (c.BlocksY < 3 || c.BlocksY > 64):
		return cfgErr("WorldConfig.BlocksY", c.BlocksY, "not in [3, 64]")
	case c.SidewalkWidth < 3:
		return cfgErr("WorldConfig.SidewalkWidth", c.SidewalkWidth, "below 3 m")
	case c.BlockSize < 2*c.SidewalkWidth+20:
		return cfgErr("WorldConfig.BlockSize", c.BlockSize, "below 2*SidewalkWidth+20 m (%g m)", 2*c.SidewalkWidth+20)
	case c.RoadWidth < 15:
		return cfgErr("WorldConfig.RoadWidth", c.RoadWidth, "below 15 m")
	case c.EgoSpeed < 0 || c.EgoSpeed > 40:
		return cfgErr("WorldConfig.EgoSpeed", c.EgoSpeed, "not in [0, 40] m/s")
	case math.IsNaN(c.SunDirection.X+c.SunDirection.Y+c.SunDirection.Z) || c.SunDirection.Z <= 0:
		return cfgErr("WorldConfig.SunDirection", c.SunDirection, "must point above the horizon")
	}
	for i, p := range c.ExtraPedestrians {
		if p.Height < 0 || p.Height > 2.5 {
			return cfgErr("WorldConfig.ExtraPedestrians["+itoa(i)+"].Height", p.Height, "not in (0, 2.5] m")
		}
	}
	for i, b := range c.ExtraBoxes {
		if b.Size.X <= 0 || b.Size.Y <= 0 || b.Size.Z <= 0 {
			return cfgErr("WorldConfig.ExtraBoxes["+itoa(i)+"].Size", b.Size, "all sides must be positive")
		}
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

func (w *World) newInst() uint32 {
	id := w.nextInst
	w.nextInst++
	return id
}

func uniform(rng *rand.Rand, a, b float64) float64 { return a + (b-a)*rng.Float64() }

// genTown generates the town layout, static scenery and actors.
func (w *World) genTown(rng *rand.Rand, st []prim) []prim {
	c := &w.cfg
	l := &w.lay
	l.bx, l.by = c.BlocksX, c.BlocksY
	l.bs, l.rw, l.sw = c.BlockSize, c.RoadWidth, c.SidewalkWidth
	l.p = l.bs + l.rw
	l.x0 = -float64(l.bx) * l.p / 2
	l.y0 = -float64(l.by) * l.p / 2
	l.xmin, l.xmax = l.x0-l.rw/2, l.lineX(l.bx)+l.rw/2
	l.ymin, l.ymax = l.y0-l.rw/2, l.lineY(l.by)+l.rw/2
	l.kinds = make([]uint8, l.bx*l.by)
	for i := range l.kinds {
		r := rng.Float64()
		switch {
		case r < 0.4:
			l.kinds[i] = blockBuildingsGrass
		case r < 0.6:
			l.kinds[i] = blockBuildingsPlaza
		case r < 0.8:
			l.kinds[i] = blockPark
		default:
			l.kinds[i] = blockParking
		}
	}
	var benches [][3]float64 // x, y, yaw of bench seats for sitting pedestrians
	for j := 0; j < l.by; j++ {
		for i := 0; i < l.bx; i++ {
			x0, y0, x1, y1 := l.blockRect(i, j)
			cx, cy := (x0+x1)/2, (y0+y1)/2
			st = append(st, prim{kind: kindBox, p0: r3.Vec{X: cx, Y: cy, Z: curbHeight / 2},
				p1: r3.Vec{X: l.bs / 2, Y: l.bs / 2, Z: curbHeight / 2}, cy: 1, ground: true, label: ClassSidewalk, mat: matSidewalk})
			st = w.genSidewalkFurniture(rng, st, x0, y0, x1, y1)
			ix0, iy0, ix1, iy1 := x0+l.sw, y0+l.sw, x1-l.sw, y1-l.sw
			switch l.kinds[j*l.bx+i] {
			case blockBuildingsGrass, blockBuildingsPlaza:
				st = w.genBuildings(rng, st, ix0, iy0, ix1, iy1)
			case blockPark:
				var b [][3]float64
				st, b = w.genPark(rng, st, ix0, iy0, ix1, iy1)
				benches = append(benches, b...)
			case blockParking:
				w.genParkingLot(rng, ix0, iy0, ix1, iy1)
			}
		}
	}
	w.genParkedCars(rng)
	w.genTraffic(rng)
	w.genPedestrians(rng, benches)
	return st
}

// sidePoint returns the map point at distance u along side k (0 bottom,
// 1 right, 2 top, 3 left, counter-clockwise) of rectangle (x0,y0,x1,y1) and
// offset o inwards, and the yaw of the inward normal.
func sidePoint(k int, u, o, x0, y0, x1, y1 float64) (x, y, nyaw float64) {
	switch k {
	case 0:
		return x0 + u, y0 + o, math.Pi / 2
	case 1:
		return x1 - o, y0 + u, math.Pi
	case 2:
		return x1 - u, y1 - o, -math.Pi / 2
	default:
		return x0 + o, y1 - u, 0
	}
}

func treePrims(rng *rand.Rand, st []prim, x, y, z0 float64) []prim {
	trunkR := uniform(rng, 0.12, 0.25)
	trunkH := uniform(rng, 2.2, 3.5)
	st = append(st, prim{kind: kindCylinder, p0: r3.Vec{X: x, Y: y, Z: z0}, p1: r3.Vec{Z: z0 + trunkH + 0.5}, r: trunkR, label: ClassTrunk, mat: matTrunk})
	cr := uniform(rng, 1.4, 2.8)
	rz := cr * uniform(rng, 0.8, 1.4)
	centre := r3.Vec{X: x, Y: y, Z: z0 + trunkH + rz*0.85}
	if rng.Float64() < 0.5 {
		st = append(st, prim{kind: kindSphere, p0: centre, r: cr, label: ClassVegetation, mat: matLeaves})
	} else {
		st = append(st, prim{kind: kindEllipsoid, p0: centre, p1: r3.Vec{X: cr, Y: cr, Z: rz}, label: ClassVegetation, mat: matLeaves})
	}
	return st
}
