package track

import "math"

// OneEuro is the One-Euro filter of Casiez, Roussel and Vogel (CHI 2012): a
// first-order low-pass whose cutoff frequency rises with the signal's speed,
// so that slow motion is smoothed strongly (low jitter) and fast motion
// follows with little lag. The zero value must be configured through
// NewOneEuro.
type OneEuro struct {
	// MinCutoff is the cutoff frequency at rest, in Hz.
	MinCutoff float64
	// Beta scales the speed (units per second) into extra cutoff, in Hz per
	// unit/s.
	Beta float64
	// DCutoff is the cutoff of the low-pass on the speed estimate, in Hz.
	DCutoff float64

	x, dx  float64
	primed bool
}

// NewOneEuro returns a filter with the given parameters.
func NewOneEuro(minCutoff, beta, dCutoff float64) OneEuro {
	return OneEuro{MinCutoff: minCutoff, Beta: beta, DCutoff: dCutoff}
}

// alpha is the smoothing factor of a first-order low-pass with cutoff fc
// (Hz) sampled every dt seconds: 1 / (1 + τ/dt), τ = 1 / (2π fc).
func alpha(fc, dt float64) float64 {
	tau := 1 / (2 * math.Pi * fc)
	return 1 / (1 + tau/dt)
}

// Filter feeds the sample x taken dt seconds after the previous one and
// returns the filtered value. The first sample passes unchanged; a dt that
// is not positive is treated as 1/30 s.
func (f *OneEuro) Filter(x, dt float64) float64 {
	if !f.primed {
		f.x, f.dx, f.primed = x, 0, true
		return x
	}
	if !(dt > 0) {
		dt = 1.0 / 30
	}
	d := (x - f.x) / dt
	f.dx += alpha(f.DCutoff, dt) * (d - f.dx)
	fc := f.MinCutoff + f.Beta*math.Abs(f.dx)
	f.x += alpha(fc, dt) * (x - f.x)
	return f.x
}

// Reset forgets the filter's state; the next sample passes unchanged.
func (f *OneEuro) Reset() { f.primed = false }

// Value returns the last filtered value.
func (f *OneEuro) Value() float64 { return f.x }
