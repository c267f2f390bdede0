package sim

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/spatial/r3"
)

// RenderOptions selects the images World.Render produces besides RGB.
type RenderOptions struct {
	Depth     bool // Depth adds the aligned depth image.
	Labels    bool // Labels adds the semantic and instance images.
	NoShadows bool // NoShadows skips shadow rays.
	// MaxDistance is the farthest surface rendered, metres; farther rays show
	// the sky. Default 1000.
	MaxDistance float64
}

// Frame is a rendered camera image and its aligned per-pixel ground truth,
// all row-major with Width×Height entries (RGB: 3 bytes per pixel).
type Frame struct {
	Stamp         float64 // Stamp is the capture time, s (global shutter).
	Width, Height int
	RGB           []uint8  // RGB is rgb8.
	Depth         []uint16 // Depth is the optical-axis depth z in millimetres, 0 = no return; nil unless requested.
	Labels        []uint16 // Labels are SemanticKITTI raw ids, 0 for sky; nil unless requested.
	Instances     []uint32 // Instances are instance ids; nil unless requested.
}

// RenderRGB renders the camera's rgb8 image (row-major, 3 bytes per pixel)
// at time t.
func (w *World) RenderRGB(cam *Camera, t float64) []uint8 {
	return w.Render(cam, t, RenderOptions{}).RGB
}

// CameraPose returns map←optical frame of cam at time t.
func (w *World) CameraPose(cam *Camera, t float64) Pose {
	return w.EgoPose(t).Mul(cam.Extrinsic)
}

// Render renders cam at time t by ray casting: one ray per pixel through the
// undistorted pixel centre, Lambert shading with ambient light, a shadow ray
// towards the sun, hash-noise texture and a sky gradient with distance haze.
// Rows are shared among runtime.NumCPU() goroutines.
func (w *World) Render(cam *Camera, t float64, opt RenderOptions) Frame {
	m := &cam.Model
	W, H := m.Width, m.Height
	if opt.MaxDistance == 0 {
		opt.MaxDistance = 1000
	}
	f := Frame{Stamp: t, Width: W, Height: H, RGB: make([]uint8, 3*W*H)}
	if opt.Depth {
		f.Depth = make([]uint16, W*H)
	}
	if opt.Labels {
		f.Labels = make([]uint16, W*H)
		f.Instances = make([]uint32, W*H)
	}
	pose := w.CameraPose(cam, t)
	rot := pose.Rotation.mat()
	o := pose.Translation
	sc := w.newScene()
	sc.update(t, o, math.Min(opt.MaxDistance, 400))
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < runtime.NumCPU(); k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v := int(next.Add(1) - 1)
				if v >= H {
					return
				}
				for u := 0; u < W; u++ {
					i := v*W + u
					rc := cam.rays[i]
					d := rot.mul(rc)
					tt, hp := sc.cast(o, d, opt.MaxDistance, 0, 0, false)
					var col [3]float64
					if hp == nil {
						col = skyColour(d)
					} else {
						s := sc.surfaceAt(hp, o, d, tt)
						col = w.shade(sc, &s, d, tt, !opt.NoShadows)
						if f.Depth != nil {
							z := tt * rc.Z * 1000
							if z < 65535 {
								f.Depth[i] = uint16(z + 0.5)
							}
						}
						if f.Labels != nil {
							f.Labels[i], f.Instances[i] = s.label, s.inst
						}
					}
					for c := 0; c < 3; c++ {
						f.RGB[3*i+c] = uint8(255*math.Sqrt(math.Max(0, math.Min(1, col[c]))) + 0.5)
					}
				}
			}
		}()
	}
	wg.Wait()
	return f
}

var (
	skyHorizon = [3]float64{0.62, 0.72, 0.85}
	skyZenith  = [3]float64{0.16, 0.32, 0.68}
)

func skyColour(d r3.Vec) [3]float64 {
	e := math.Max(0, d.Z) // d is unit
	k := math.Sqrt(e)
	return [3]float64{
		skyHorizon[0] + (skyZenith[0]-skyHorizon[0])*k,
		skyHorizon[1] + (skyZenith[1]-skyHorizon[1])*k,
		skyHorizon[2] + (skyZenith[2]-skyHorizon[2])*k,
	}
}

// shade returns the linear RGB of a surface point seen along unit d at range t.
func (w *World) shade(sc *scene, s *surface, d r3.Vec, t float64, shadows bool) [3]float64 {
	mat := &w.mats[s.mat]
	n := s.n
	if r3.Dot(n, d) > 0 {
		n = r3.Scale(-1, n)
	}
	tex := 1.0
	if mat.Texture > 0 {
		nz := 0.65*cellNoise(w.seed, s.p, mat.TexScale) + 0.35*cellNoise(w.seed+1, s.p, mat.TexScale/3)
		tex = 1 + mat.Texture*(nz-0.5)*2
	}
	diff := r3.Dot(n, w.sun)
	light := 0.3 + 0.08*n.Z
	if diff > 0 {
		if shadows {
			o := r3.Add(s.p, r3.Scale(2e-3, n))
			if _, hp := sc.cast(o, w.sun, 300, 0, 0, true); hp != nil {
				diff = 0
			}
		}
		light += 0.75 * diff
	}
	haze := 1 - math.Exp(-t/600)
	var c [3]float64
	for k := 0; k < 3; k++ {
		v := mat.Albedo[k] * tex * light
		c[k] = v + (skyHorizon[k]-v)*haze
	}
	return c
}
