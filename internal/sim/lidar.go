package sim

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/spatial/r3"
)

// LidarPreset selects a beam layout.
type LidarPreset uint8

// Lidar presets.
const (
	// PresetHDL64E has 64 beams from +2.0° to -24.9°: 32 upper beams at 1/3°
	// spacing down to -8.33°, 32 lower beams from -8.83° to -24.9°.
	PresetHDL64E LidarPreset = iota
	// PresetOS1128 has 128 beams evenly spread over ±22.5°.
	PresetOS1128
	// PresetHDL32E has 32 beams evenly spread from +10.67° to -30.67°.
	PresetHDL32E
	// PresetOS164 has 64 beams evenly spread over ±22.5°.
	PresetOS164
	// PresetVLP16 has 16 beams every 2° from +15° to -15°.
	PresetVLP16
)

// LidarConfig configures NewLidar. The zero value of each field selects its
// default.
type LidarConfig struct {
	// Preset selects the beam elevations. Default PresetHDL64E.
	Preset LidarPreset
	// Elevations, if set, overrides the preset: beam elevations in degrees,
	// ring 0 first. Rings are ordered from the top beam down, so ring r is row
	// r of a range image.
	Elevations []float64
	// Columns is the number of azimuth steps per revolution. Default 2048.
	Columns int
	// RateHz is the rotation rate. Default 10.
	RateHz float64
	// MaxRange is the maximum range, metres. Default 120.
	MaxRange float64
	// MinRange is the minimum range, metres; nearer returns are dropped.
	// Default 1.
	MinRange float64
	// RangeSigma is the standard deviation of the Gaussian range noise,
	// metres. Default 0.02; negative for none.
	RangeSigma float64
	// DetectionScale s0 sets dropouts: a return is detected with probability
	// 0.997 · (1 - exp(-s/s0)), s = reflectivity · sqrt(cos incidence) ·
	// (IntensityRefRange/r)², so dark, grazing and distant surfaces drop out.
	// Default 1e-3; negative for no dropouts.
	DetectionScale float64
	// IntensityRefRange is the range below which intensity does not fall off,
	// metres. Intensity = 255 · clamp(reflectivity · cos incidence ·
	// min(1, (IntensityRefRange/r)²), 0, 1). Default 20.
	IntensityRefRange float64
	// Organized selects an H×W output (row = ring, column = azimuth step,
	// NaN coordinates for misses) instead of the returns in firing order.
	Organized bool
	// ActorUpdateColumns is how many consecutive columns share one pose of the
	// moving actors (the ego pose is evaluated per column). Default 4
	// (0.2 ms at 2048 columns and 10 Hz: under 3 mm for a car at 15 m/s).
	ActorUpdateColumns int
	// Frame is the frame id of the points. Default "lidar_top".
	Frame string
}

// Lidar is a configured spinning lidar.
type Lidar struct {
	cfg        LidarConfig
	sinE, cosE []float64
	sinA, cosA []float64 // per column
}

// NewLidar validates cfg and returns the lidar.
func NewLidar(cfg LidarConfig) (*Lidar, error) {
	if cfg.Columns == 0 {
		cfg.Columns = 2048
	}
	if cfg.RateHz == 0 {
		cfg.RateHz = 10
	}
	if cfg.MaxRange == 0 {
		cfg.MaxRange = 120
	}
	if cfg.MinRange == 0 {
		cfg.MinRange = 1
	}
	if cfg.RangeSigma == 0 {
		cfg.RangeSigma = 0.02
	} else if cfg.RangeSigma < 0 {
		cfg.RangeSigma = 0
	}
	if cfg.DetectionScale == 0 {
		cfg.DetectionScale = 1e-3
	}
	if cfg.IntensityRefRange == 0 {
		cfg.IntensityRefRange = 20
	}
	if cfg.ActorUpdateColumns == 0 {
		cfg.ActorUpdateColumns = 4
	}
	if cfg.Frame == "" {
		cfg.Frame = FrameLidarTop
	}
	elev := cfg.Elevations
	if elev == nil {
		switch cfg.Preset {
		case PresetHDL64E:
			for i := 0; i < 32; i++ {
				elev = append(elev, 2.0-float64(i)/3)
			}
			for i := 0; i < 32; i++ {
				elev = append(elev, -8.83-float64(i)*(24.9-8.83)/31)
			}
		case PresetOS1128:
			for i := 0; i < 128; i++ {
				elev = append(elev, 22.5-45*float64(i)/127)
			}
		case PresetHDL32E:
			for i := 0; i < 32; i++ {
				elev = append(elev, 10.67-41.34*float64(i)/31)
			}
		case PresetOS164:
			for i := 0; i < 64; i++ {
				elev = append(elev, 22.5-45*float64(i)/63)
			}
		case PresetVLP16:
			for i := 0; i < 16; i++ {
				elev = append(elev, 15-2*float64(i))
			}
		default:
			return nil, cfgErr("LidarConfig.Preset", cfg.Preset, "unknown preset")
		}
	}
	switch {
	case len(elev) == 0 || len(elev) > 512:
		return nil, cfgErr("LidarConfig.Elevations", len(elev), "beam count not in [1, 512]")
	case cfg.Columns < 8 || cfg.Columns > 16384:
		return nil, cfgErr("LidarConfig.Columns", cfg.Columns, "not in [8, 16384]")
	case !(cfg.RateHz > 0 && cfg.RateHz <= 50):
		return nil, cfgErr("LidarConfig.RateHz", cfg.RateHz, "not in (0, 50]")
	case !(cfg.MaxRange > cfg.MinRange && cfg.MinRange > 0):
		return nil, cfgErr("LidarConfig.MaxRange", cfg.MaxRange, "need 0 < MinRange (%g) < MaxRange", cfg.MinRange)
	case cfg.ActorUpdateColumns < 1:
		return nil, cfgErr("LidarConfig.ActorUpdateColumns", cfg.ActorUpdateColumns, "below 1")
	}
	l := &Lidar{cfg: cfg}
	for _, e := range elev {
		if math.IsNaN(e) || e <= -90 || e >= 90 {
			return nil, cfgErr("LidarConfig.Elevations", e, "a beam's elevation not in (-90°, 90°)")
		}
		s, c := math.Sincos(e * deg)
		l.sinE, l.cosE = append(l.sinE, s), append(l.cosE, c)
	}
	for c := 0; c < cfg.Columns; c++ {
		s, co := math.Sincos(l.Azimuth(c))
		l.sinA, l.cosA = append(l.sinA, s), append(l.cosA, co)
	}
	return l, nil
}

// ElevationSpanDeg returns the top and bottom beams' elevations, degrees.
func (l *Lidar) ElevationSpanDeg() (up, down float64) {
	up = math.Asin(l.sinE[0]) / deg
	down = math.Asin(l.sinE[len(l.sinE)-1]) / deg
	if down > up {
		up, down = down, up
	}
	return up, down
}

// Rings returns the number of beams.
func (l *Lidar) Rings() int { return len(l.sinE) }

// Period returns the duration of one sweep, seconds.
func (l *Lidar) Period() float64 { return 1 / l.cfg.RateHz }

// Azimuth returns the azimuth (radians, about lidar z, 0 = +x) of column c.
// The head spins clockwise seen from above, starting behind (+π), so column
// c is column c of a range image projected with yaw = -atan2(y, x).
func (l *Lidar) Azimuth(c int) float64 {
	return math.Pi - 2*math.Pi*(float64(c)+0.5)/float64(l.cfg.Columns)
}

// ColumnTime returns the firing time of column c relative to the sweep start.
func (l *Lidar) ColumnTime(c int) float64 {
	return float64(c) / float64(l.cfg.Columns) / l.cfg.RateHz
}

// LidarPoint is one return in the lidar frame at its firing time.
type LidarPoint struct {
	X, Y, Z   float32 // X, Y, Z are metres in the lidar frame at firing time; NaN for misses (Organized only).
	Intensity float32 // Intensity is 0..255.
	Ring      uint16  // Ring is the beam index, 0 = top beam.
	Time      float32 // Time is seconds from Sweep.Stamp.
}

// Sweep is one revolution of the lidar.
type Sweep struct {
	Stamp float64 // Stamp is the sweep start time, s.
	Frame string  // Frame is the frame id of the points.
	// Organized tells the layout: if true, Points has Height×Width entries,
	// row-major with row = ring and column = azimuth step, misses as NaN with
	// label and instance 0; otherwise the returns in firing order (column by
	// column, rings top-down within a column) with Height 1.
	Organized     bool
	Width, Height int
	Points        []LidarPoint
	Labels        []uint16 // Labels are SemanticKITTI raw ids, one per point.
	Instances     []uint32 // Instances are instance ids (0 for stuff), one per point.
}

// LidarSweep simulates the sweep that starts at time stamp with the lidar
// mounted at mount (base_link←lidar). Each column fires at its own time with
// the ego pose at that time; points are expressed in the lidar frame at their
// firing time, so consumers must de-skew with Time. Noise and dropouts are
// deterministic in the world seed and stamp.
func (w *World) LidarSweep(l *Lidar, mount Pose, stamp float64) Sweep {
	H, W := l.Rings(), l.cfg.Columns
	n := H * W
	pts := make([]LidarPoint, n)
	labels := make([]uint16, n)
	insts := make([]uint32, n)
	nan := float32(math.NaN())
	workers := runtime.NumCPU()
	groups := (W + l.cfg.ActorUpdateColumns - 1) / l.cfg.ActorUpdateColumns
	if workers > groups {
		workers = groups
	}
	sweepSeed := hash64(w.seed ^ math.Float64bits(stamp))
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		g0, g1 := k*groups/workers, (k+1)*groups/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := w.newScene()
			var rng rand.PCG
			for g := g0; g < g1; g++ {
				c0 := g * l.cfg.ActorUpdateColumns
				c1 := min(c0+l.cfg.ActorUpdateColumns, W)
				tMid := stamp + l.ColumnTime((c0+c1-1)/2)
				sc.update(tMid, w.EgoPose(tMid).Translation, l.cfg.MaxRange+5)
				for c := c0; c < c1; c++ {
					rng.Seed(sweepSeed, uint64(c))
					tc := l.ColumnTime(c)
					pose := w.EgoPose(stamp + tc).Mul(mount)
					m := pose.Rotation.mat()
					o := pose.Translation
					for r := 0; r < H; r++ {
						idx := r*W + c
						pts[idx] = LidarPoint{X: nan, Y: nan, Z: nan, Ring: uint16(r), Time: float32(tc)}
						dl := r3.Vec{X: l.cosE[r] * l.cosA[c], Y: l.cosE[r] * l.sinA[c], Z: l.sinE[r]}
						d := m.mul(dl)
						u1, u2, u3 := uniform01(&rng), uniform01(&rng), uniform01(&rng)
						t, hp := sc.cast(o, d, l.cfg.MaxRange, 0, 0, false)
						if hp == nil || t < l.cfg.MinRange {
							continue
						}
						s := sc.surfaceAt(hp, o, d, t)
						cosi := math.Abs(r3.Dot(s.n, d))
						refl := w.mats[s.mat].Reflectivity
						if l.cfg.DetectionScale > 0 {
							ref := l.cfg.IntensityRefRange / t
							sig := refl * math.Sqrt(cosi) * ref * ref
							if u1 > (1-math.Exp(-sig/l.cfg.DetectionScale))*0.997 {
								continue
							}
						}
						rn := t
						if l.cfg.RangeSigma > 0 {
							rn += l.cfg.RangeSigma * math.Sqrt(-2*math.Log(u2)) * math.Cos(2*math.Pi*u3)
						}
						fall := math.Min(1, (l.cfg.IntensityRefRange/t)*(l.cfg.IntensityRefRange/t))
						inten := 255 * math.Max(0, math.Min(1, refl*cosi*fall))
						pts[idx].X, pts[idx].Y, pts[idx].Z = float32(rn*dl.X), float32(rn*dl.Y), float32(rn*dl.Z)
						pts[idx].Intensity = float32(inten)
						labels[idx], insts[idx] = s.label, s.inst
					}
				}
			}
		}()
	}
	wg.Wait()
	sw := Sweep{Stamp: stamp, Frame: l.cfg.Frame}
	if l.cfg.Organized {
		sw.Organized, sw.Width, sw.Height = true, W, H
		sw.Points, sw.Labels, sw.Instances = pts, labels, insts
		return sw
	}
	cnt := 0
	for i := range pts {
		if pts[i].X == pts[i].X {
			cnt++
		}
	}
	sw.Points = make([]LidarPoint, 0, cnt)
	sw.Labels = make([]uint16, 0, cnt)
	sw.Instances = make([]uint32, 0, cnt)
	for c := 0; c < W; c++ {
		for r := 0; r < H; r++ {
			idx := r*W + c
			if pts[idx].X == pts[idx].X {
				sw.Points = append(sw.Points, pts[idx])
				sw.Labels = append(sw.Labels, labels[idx])
				sw.Instances = append(sw.Instances, insts[idx])
			}
		}
	}
	sw.Width, sw.Height = len(sw.Points), 1
	return sw
}

// uniform01 returns a uniform value in (0, 1].
func uniform01(r *rand.PCG) float64 {
	return (float64(r.Uint64()>>11) + 1) / (1 << 53)
}
