package kernelbench

import (
	"github.com/gopercept/gopercept/bev/lss"
)

// The BEV family: BEVFusion's camera-to-BEV pooling on its nuScenes
// workload (lss.PoolWorkload: 6×118×32×88 frustum points, 80 channels,
// 256² cells) and its adversarial twin with every point in a uniformly
// random cell. The pooler runs threads worker goroutines.
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
}

// poolSetup builds the pooling workload (uniform: its twin) with threads
// pooling workers.
func poolSetup(uniform bool) func(threads int) (func() error, func(), error) {
	return func(threads int) (func() error, func(), error) {
		g, err := lss.PoolWorkload(uniform)
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
