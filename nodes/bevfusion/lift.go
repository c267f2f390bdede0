package bevfusionnode

import (
	"fmt"

	"github.com/gopercept/gopercept/bev"
	"github.com/gopercept/gopercept/bev/lss"
)

// lifter owns the camera-to-BEV geometry (bev/lss) of the rig and rebuilds
// it when the calibration's fingerprint changes, which with ego-motion
// compensation is every frame: an lss.Builder rebuilds it into the same
// buffers, keeping every camera's rays until its intrinsics change, and the
// pooler is Reset to it, keeping its workers. The geometry is identical to
// a fresh lss.NewGeometry (lss.TestBuilderEqualsNewGeometry).
type lifter struct {
	cfg     lss.Config
	build   lss.Builder
	geom    *lss.Geometry
	pooler  *lss.Pooler
	chans   int
	rebuilt int // number of geometry builds, for the facts
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

// ensure rebuilds the geometry and pooler when rig changed; it reports
// whether it rebuilt.
func (l *lifter) ensure(rig []bev.Camera) (bool, error) {
	fp := lss.Fingerprint(l.cfg, rig)
	if l.geom != nil && l.geom.Fingerprint == fp {
		return false, nil
	}
	g, err := l.build.Build(l.cfg, rig)
	if err != nil {
		l.geom = nil // the builder's buffers may be half rewritten
		return false, err
	}
	if l.pooler == nil || l.pooler.Reset(g) != nil {
		p, err := lss.NewPooler(g, l.chans, 0)
		if err != nil {
			l.geom = nil
			return false, err
		}
		if l.pooler != nil {
			l.pooler.Close()
		}
		l.pooler = p
	}
	l.geom = g
	l.rebuilt++
	return true, nil
}

func (l *lifter) close() {
	if l.pooler != nil {
		l.pooler.Close()
	}
}
