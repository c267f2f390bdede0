package bevfusionnode

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// lifter owns the camera-to-BEV geometry (bev/lss) of the rig: an
// lss.MovingGeometry lifted once per calibration (rebuilt when the static
// rig's fingerprint changes), moved every frame by each camera's ego
// motion (camera_motion_compensation), which re-places only the intervals
// (about a millisecond, where a full rebuild took 20–40 ms); the pooler is
// Reset to each frame's geometry, keeping its workers and per-point
// offsets. Without motion (identity) the geometry is exactly the static
// rig's; with it, every point lies within lss.MovingGeometry's bound (under
// one cell) of where a full rebuild of the moved cameras puts it.
type lifter struct {
	cfg     lss.Config
	moving  *lss.MovingGeometry
	geom    *lss.Geometry
	pooler  *lss.Pooler
	chans   int
	rebuilt int // number of geometry builds (calibration changes), for the facts
}

// newLifter prepares the lift for ncam cameras of the encoder e, pooling
// into grid g with the depth bins and frustum sampling the encoder's card
// declares.
func newLifter(e *encoder, g bev.Grid, layout bev.Layout, zMin, zMax float64, dmin, dmax, dstep float64, chans int) (*lifter, error) {
	c := lss.Config{Grid: g, Layout: layout, ZMin: zMin, ZMax: zMax, DepthMin: dmin, DepthMax: dmax, DepthStep: dstep,
		InputWidth: e.iw, InputHeight: e.ih, FeatWidth: e.fw, FeatHeight: e.fh, Sampling: e.sampling}
	if got := c.DepthBins(); got != e.d {
		return nil, fmt.Errorf("bevfusion: %w: encoder has %d depth bins, depth_min %g, depth_max %g, depth_step %g give %d",
			ErrModel, e.d, dmin, dmax, dstep, got)
	}
	return &lifter{cfg: c, chans: chans}, nil
}

// placeholder is a camera whose frustum lies far outside any grid, standing
// in for a camera never calibrated; its features are zero anyway.
func placeholder(i, w, h int) bev.Camera {
	return bev.Camera{Name: fmt.Sprintf("uncalibrated-%d", i), Width: w, Height: h, Fx: 1, Fy: 1, Cx: float64(w) / 2, Cy: float64(h) / 2,
		Extrinsic: [16]float64{1, 0, 0, 1e9, 0, 1, 0, 1e9, 0, 0, 1, 1e9, 0, 0, 0, 1}}
}

// ensure lifts the static rig again when its calibration changed, moves it
// by motions (per camera: base_link at the cloud ← base_link at the image,
// identity when not compensated) and resets the pooler to the result; it
// reports whether it rebuilt the static geometry.
func (l *lifter) ensure(rig []bev.Camera, motions [][16]float64) (bool, error) {
	rebuilt := false
	if fp := lss.Fingerprint(l.cfg, rig); l.moving == nil || l.moving.Fingerprint() != fp {
		l.moving, l.geom = nil, nil
		m, err := lss.NewMovingGeometry(l.cfg, rig, 0)
		if err != nil {
			return false, err
		}
		l.moving, rebuilt = m, true
		l.rebuilt++
	}
	g, err := l.moving.Move(motions)
	if err != nil {
		l.geom = nil
		return rebuilt, err
	}
	if l.pooler == nil || l.pooler.Reset(g) != nil {
		p, err := lss.NewPooler(g, l.chans, 0)
		if err != nil {
			l.geom = nil
			return rebuilt, err
		}
		if l.pooler != nil {
			l.pooler.Close()
		}
		l.pooler = p
	}
	l.geom = g
	return rebuilt, nil
}

func (l *lifter) close() {
	if l.pooler != nil {
		l.pooler.Close()
	}
}
