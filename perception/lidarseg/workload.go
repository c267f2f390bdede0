package lidarseg

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Synthetic sweeps shaped like an HDL-64E's, shared by this package's tests
// and the reference workloads of internal/kernelbench (issue 16), so that
// `go test -bench` and `gopercept bench kernels` time the same inputs.

// SyntheticSweep returns an HDL-64E-like sweep of h×w points, column by
// column and ring by ring: rays on the sensor's rings (+3° to −25°)
// hitting a ground plane 1.73 m below, a box in front (x 8 m), a box on
// the left (y 5 m) and a far wall at 60 m, with 1 cm range noise, 8-bit
// intensities, ring numbers (0 the lowest beam) and h·w/500 NaN points.
// The same seed gives the same cloud.
func SyntheticSweep(h, w int, seed uint64) Cloud {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := h * w
	c := Cloud{X: make([]float32, n), Y: make([]float32, n), Z: make([]float32, n),
		Intensity: make([]float32, n), Ring: make([]uint16, n)}
	up, down := 3.0*math.Pi/180, -25.0*math.Pi/180
	i := 0
	for col := 0; col < w; col++ {
		az := math.Pi - 2*math.Pi*(float64(col)+0.5)/float64(w)
		for ring := 0; ring < h; ring++ {
			el := down + (up-down)*(float64(ring)+0.5)/float64(h)
			dx, dy, dz := math.Cos(el)*math.Cos(az), math.Cos(el)*math.Sin(az), math.Sin(el)
			r := 60.0
			if dz < 0 {
				r = math.Min(r, 1.73/-dz)
			}
			// A box in front: x in [8, 10], |y| < 1.5, z < 0.
			if dx > 0 {
				if t := 8 / dx; t < r && math.Abs(t*dy) < 1.5 && t*dz < 0 && t*dz > -1.73 {
					r = t
				}
			}
			// A box on the left: y in [5, 6], x in [-3, 3], z < 1.
			if dy > 0 {
				if t := 5 / dy; t < r && math.Abs(t*dx) < 3 && t*dz < 1 && t*dz > -1.73 {
					r = t
				}
			}
			r += rng.NormFloat64() * 0.01
			c.X[i], c.Y[i], c.Z[i] = float32(r*dx), float32(r*dy), float32(r*dz)
			c.Intensity[i] = float32(rng.IntN(256))
			c.Ring[i] = uint16(ring)
			i++
		}
	}
	for k := 0; k < n/500; k++ {
		j := rng.IntN(n)
		c.X[j] = float32(math.NaN())
	}
	return c
}

// SweepLabels chooses the per-pixel classes of SweepScene.
type SweepLabels int

const (
	// LabelsRealistic is what a segmentation network gives: classes by
	// surface (ground 9 road, front box 1 car, left box 13 building, the
	// rest 15 vegetation), 2 % of the pixels flipped to a random class.
	LabelsRealistic SweepLabels = iota
	// LabelsNoisy changes the class with every metre of range.
	LabelsNoisy
	// LabelsRandom draws every pixel's class at random from 1..19, so that
	// hardly any window agrees and no shortcut applies: the adversarial
	// workload, every point through the full vote.
	LabelsRandom
)

// Sweep geometry of SweepScene: lidar-bonnetal's SemanticKITTI range image.
const (
	SweepHeight = 64
	SweepWidth  = 2048
	// SweepClasses is SemanticKITTI's 20 training classes, 0 unlabelled.
	SweepClasses = 20
)

// SweepConfig is the projection of SweepScene's cloud: HDL-64E, +3°/−25°,
// 64×2048, RangeNet++'s channels.
func SweepConfig() ProjectionConfig {
	return ProjectionConfig{Height: SweepHeight, Width: SweepWidth, FovUpDeg: 3, FovDownDeg: -25}
}

// SweepScene is lidar-bonnetal's SemanticKITTI workload: SyntheticSweep of
// 64×2048 (131,072 points, seed 1), its projection by SweepConfig, and
// per-pixel classes (SweepClasses of them) as labels says, 0 on empty
// pixels. The Projection has its own Projector.
func SweepScene(labels SweepLabels) (Cloud, *Projection, []uint16, error) {
	c := SyntheticSweep(SweepHeight, SweepWidth, 1)
	p, err := NewProjector(SweepConfig())
	if err != nil {
		return Cloud{}, nil, nil, fmt.Errorf("sweep scene: %w", err)
	}
	proj, err := p.Project(c, nil)
	if err != nil {
		return Cloud{}, nil, nil, fmt.Errorf("sweep scene: %w", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pix := make([]uint16, SweepHeight*SweepWidth)
	for i, j := range proj.PixelPoint {
		if j < 0 {
			continue
		}
		x, y, z := c.X[j], c.Y[j], c.Z[j]
		switch {
		case labels == LabelsRandom:
			pix[i] = uint16(1 + rng.IntN(SweepClasses-1))
		case labels == LabelsNoisy:
			pix[i] = uint16(1 + int(proj.PixelRange[i])%(SweepClasses-1))
		case rng.IntN(50) == 0:
			pix[i] = uint16(rng.IntN(SweepClasses))
		case z < -1.6:
			pix[i] = 9
		case x > 7.9 && x < 8.1:
			pix[i] = 1
		case y > 4.9 && y < 5.1:
			pix[i] = 13
		default:
			pix[i] = 15
		}
	}
	return c, proj, pix, nil
}
