package kernelbench

import (
	"github.com/gopercept/gopercept/internal/testfix"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// The BEV family: BEVFusion's camera-to-BEV pooling on its nuScenes
// workload (lss.PoolWorkload: 6×118×32×88 frustum points, 80 channels,
// 256² cells) and its adversarial twin with every point in a uniformly
// random cell. The pooler runs threads worker goroutines. And the
// per-frame camera geometry of bevfusion with ego-motion compensation.
func init() {
	register(Kernel{
		Name:     "pool",
		Workload: "BEV pooling, nuScenes rig 6×118×32×88 frustum (1.59 M kept), 80 ch → 256² (BEVFusion bev_pool)",
		TargetMs: 15,
		Setup:    poolSetup(false),
	})
	register(Kernel{
		Name:     "pool-uniform",
		Workload: "BEV pooling, all 1.99 M frustum points in uniformly random cells, 80 ch → 256²",
		TargetMs: 30,
		Setup:    poolSetup(true),
	})
	register(Kernel{
		Name:     "geometry-egomotion",
		Workload: "bevfusion's per-frame camera geometry with ego-motion compensation: nuScenes rig, every camera moved (lss.RigMotions), MovingGeometry.Move + Pooler.Reset",
		TargetMs: 2,
		Setup:    egomotionSetup,
	})
}

// egomotionSetup lifts the nuScenes rig once (lss.NewMovingGeometry) and
// times one frame's geometry: every camera moved by its ego motion, the
// intervals re-placed and the 80-channel pooler reset to them, alternating
// between two frames' motions. Move is sequential; threads sets the
// pooler's workers.
func egomotionSetup(threads int) (func() error, func(), error) {
	cams := testfix.NuScenesRig()
	m, err := lss.NewMovingGeometry(lss.Config{Sampling: lss.SampleLinspace}, cams, 0)
	if err != nil {
		return nil, nil, err
	}
	motions := [][][16]float64{lss.RigMotions(1, len(cams)), lss.RigMotions(2, len(cams))}
	g, err := m.Move(motions[0])
	if err != nil {
		return nil, nil, err
	}
	p, err := lss.NewPooler(g, lss.PoolChannels, threads)
	if err != nil {
		return nil, nil, err
	}
	f := 0
	op := func() error {
		f++
		g, err := m.Move(motions[f%2])
		if err != nil {
			return err
		}
		return p.Reset(g)
	}
	return op, p.Close, nil
}

// poolSetup builds the pooling workload (uniform: its twin) with threads
// pooling workers.
func poolSetup(uniform bool) func(threads int) (func() error, func(), error) {
	return func(threads int) (func() error, func(), error) {
		g, err := lss.PoolWorkload(testfix.NuScenesRig(), uniform)
		if err != nil {
			return nil, nil, err
		}
		depth, feat := lss.RandomInputs(g, lss.PoolChannels, 1)
		p, err := lss.NewPooler(g, lss.PoolChannels, threads)
		if err != nil {
			return nil, nil, err
		}
		out := make([]float32, p.OutputLen())
		return func() error { return p.Pool(depth, feat, out) }, p.Close, nil
	}
}
