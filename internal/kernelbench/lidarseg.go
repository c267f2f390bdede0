package kernelbench

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/lidarseg"
)

// lidarseg's kernels on lidar-bonnetal's SemanticKITTI workload: one
// HDL-64E-like sweep of 131,072 points and its 64×2048 range image.
func init() {
	register(Kernel{Name: "projection", TargetMs: 1.0,
		Workload: "range projection, 131,072-point HDL-64E-like sweep → 64×2048 range image + 5-channel tensor (lidar-bonnetal LaserScan)",
		Setup: func(int) (func() error, func(), error) {
			c := lidarseg.SyntheticSweep(lidarseg.SweepHeight, lidarseg.SweepWidth, 1)
			p, err := lidarseg.NewProjector(lidarseg.SweepConfig())
			if err != nil {
				return nil, nil, fmt.Errorf("projection: %w", err)
			}
			tensor := make([]float32, p.TensorLen())
			return func() error {
				_, err := p.Project(c, tensor)
				return err
			}, nil, nil
		}})
	register(Kernel{Name: "knn", TargetMs: 4,
		Workload: "RangeNet++ kNN S5 k5, 131,072 points, realistic labels (lidar-bonnetal KNN)",
		Setup:    knnSetup(lidarseg.LabelsRealistic)})
	register(Kernel{Name: "knn-random", TargetMs: 8,
		Workload: "RangeNet++ kNN S5 k5, 131,072 points, random labels: no uniform window to shortcut",
		Setup:    knnSetup(lidarseg.LabelsRandom)})
}

// knnSetup builds the kNN workload with the given pixel labels.
func knnSetup(labels lidarseg.SweepLabels) func(int) (func() error, func(), error) {
	return func(int) (func() error, func(), error) {
		_, proj, pix, err := lidarseg.SweepScene(labels)
		if err != nil {
			return nil, nil, fmt.Errorf("knn: %w", err)
		}
		k, err := lidarseg.NewKNN(lidarseg.DefaultKNNConfig(), lidarseg.SweepClasses, lidarseg.SweepHeight, lidarseg.SweepWidth)
		if err != nil {
			return nil, nil, fmt.Errorf("knn: %w", err)
		}
		dst := make([]uint16, proj.NumPoints())
		return func() error { return k.Apply(dst, proj, pix) }, nil, nil
	}
}
