package lidarseg

import (
	"math"
	"math/rand/v2"
)

// syntheticSweep returns an HDL-64E-like sweep of h×w points: rays on the
// sensor's rings hitting a ground plane 1.73 m below, a few boxes and a far
// wall, with range noise, plus a few NaN points.
func syntheticSweep(h, w int, seed uint64) Cloud {
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
