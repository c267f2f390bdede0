package lss

import (
	"math"
	"math/rand/v2"

	"github.com/gopercept/gopercept/perception/bev"
)

// Reference workloads of issue 16, shared by this package's tests and
// benchmarks and by internal/kernelbench, so that `go test -bench` and
// `gopercept bench kernels` time the same inputs.

// RigMotions returns, for frame f of a vehicle driving at 10 m/s and
// turning at 0.3 rad/s with a little pitch, the ego motion of each of ncam
// cameras between its image stamp and the cloud's (base_link at the cloud
// ← base_link at the image, row-major 4×4): the stamps differ by up to
// ±40 ms, so every camera moves every frame, by up to 0.4 m and 0.012 rad.
// It is the motion ego-motion compensation applies in bevfusion.
func RigMotions(f, ncam int) [][16]float64 {
	out := make([][16]float64, ncam)
	for i := range out {
		dt := (float64((f*7+i*5)%9) - 4) * 0.01 // −40 … +40 ms
		yaw, pitch := 0.3*dt, 0.002*math.Sin(float64(f+i))
		cy, sy, cp, sp := math.Cos(yaw), math.Sin(yaw), math.Cos(pitch), math.Sin(pitch)
		r := [9]float64{cy * cp, -sy, cy * sp, sy * cp, cy, sy * sp, -sp, 0, cp}
		out[i] = [16]float64{r[0], r[1], r[2], 10 * dt, r[3], r[4], r[5], 0.5 * dt, r[6], r[7], r[8], 0.001 * float64(f%3), 0, 0, 0, 1}
	}
	return out
}

// MoveRig returns cams with each camera's extrinsic composed after its
// motion (motions[i]·Extrinsic): the rig a full rebuild with ego-motion
// compensation lifts.
func MoveRig(cams []bev.Camera, motions [][16]float64) []bev.Camera {
	out := append([]bev.Camera(nil), cams...)
	for i := range out {
		out[i].Extrinsic = bev.Mul4(motions[i], out[i].Extrinsic)
	}
	return out
}

// UniformGeometry is the adversarial twin of g: every frustum point of g's
// dimensions kept (6×118×32×88 = 1.99 M for the nuScenes rig, where the
// rig keeps 1.59 M) and sent to a uniformly random cell (fixed seed), so
// that neighbouring points share neither a cell nor a feature row and no
// locality of a real rig helps the pooling.
func UniformGeometry(g *Geometry, seed uint64) *Geometry {
	rng := rand.New(rand.NewPCG(seed, 3))
	cells := g.Cells()
	u := &Geometry{Config: g.Config, NCam: g.NCam, D: g.D, FH: g.FH, FW: g.FW,
		pointCell: make([]int32, g.Frustum()), DepthIndex: make([]int32, g.Frustum())}
	count := make([]int32, cells+1)
	for i := range u.pointCell {
		c := int32(rng.IntN(cells))
		u.pointCell[i] = c
		count[c+1]++
	}
	for c := range cells {
		if n := count[c+1]; n > 0 {
			u.Intervals = append(u.Intervals, Interval{Start: count[c], Len: n, Cell: int32(c)})
		}
		count[c+1] += count[c]
	}
	for i, c := range u.pointCell {
		u.DepthIndex[count[c]] = int32(i)
		count[c]++
	}
	return u
}

// RandomInputs returns softmaxed depth [NCam, D, FH, FW] (logits normal
// with σ 3) and normal features [NCam, c, FH, FW] for g from a fixed seed.
func RandomInputs(g *Geometry, c int, seed uint64) (depth, feat []float32) {
	rng := rand.New(rand.NewPCG(seed, 7))
	hw := g.FH * g.FW
	depth = make([]float32, g.NCam*g.D*hw)
	for i := range depth {
		depth[i] = float32(3 * rng.NormFloat64())
	}
	if err := SoftmaxDepth(depth, g.NCam, g.D, hw); err != nil {
		panic(err) // the shape is g's own
	}
	feat = make([]float32, g.NCam*c*hw)
	for i := range feat {
		feat[i] = float32(rng.NormFloat64())
	}
	return depth, feat
}

// PoolChannels is BEVFusion's camera feature width, the pooling workload's
// channel count.
const PoolChannels = 80

// PoolWorkload returns the geometry of BEVFusion's pooling workload: cams
// (testfix.NuScenesRig) under the default Config, or with uniform its
// UniformGeometry twin (seed 1).
func PoolWorkload(cams []bev.Camera, uniform bool) (*Geometry, error) {
	g, err := NewGeometry(Config{}, cams)
	if err != nil {
		return nil, err
	}
	if uniform {
		g = UniformGeometry(g, 1)
	}
	return g, nil
}
