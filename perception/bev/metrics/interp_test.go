package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// interpScan is interp's twin: numpy.interp by a linear scan for the last
// xp[j] ≤ x.
func interpScan(x float64, xp, fp []float64, right float64) float64 {
	n := len(xp)
	if x < xp[0] {
		return fp[0]
	}
	if x > xp[n-1] {
		return right
	}
	j := 0
	for k := range n {
		if xp[k] <= x {
			j = k
		}
	}
	if j == n-1 {
		return fp[n-1]
	}
	return fp[j] + (x-xp[j])/(xp[j+1]-xp[j])*(fp[j+1]-fp[j])
}

// TestInterpTwin compares interp with the scan on random increasing
// abscissae with repeats, at random points and at every abscissa.
func TestInterpTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for trial := range 200 {
		n := 1 + rng.IntN(12)
		xp := make([]float64, n)
		fp := make([]float64, n)
		for i := range xp {
			xp[i] = math.Round(rng.Float64()*10) / 10 // repeats are likely
			fp[i] = rng.Float64()
		}
		slices.Sort(xp)
		xs := append(slices.Clone(xp), -0.1, 1.1)
		for range 20 {
			xs = append(xs, rng.Float64()*1.2-0.1)
		}
		for _, x := range xs {
			if got, want := interp(x, xp, fp, -1), interpScan(x, xp, fp, -1); math.Abs(got-want) > 1e-12 {
				t.Fatalf("trial %d: interp(%g, %v, %v) = %g, scan %g", trial, x, xp, fp, got, want)
			}
		}
	}
}
