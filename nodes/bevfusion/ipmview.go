package bevfusionnode

import (
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/ipm"
)

// ipmView renders the stitched top-down camera image (bev/ipm), rebuilding
// its lookup when the rig's pose or calibration changes.
type ipmView struct {
	cfg    ipm.Config
	rig    []bev.Camera // original-image cameras (identity augmentation)
	images []*imageconv.RGB
	m      *ipm.Mapper
	fp     uint64
	out    imageconv.RGB
	builds int // lookups built, the first included
}

func newIPMView(g bev.Grid, groundZ float64, orientation string, ncam int) (*ipmView, error) {
	c := ipm.Config{Grid: g, GroundZ: groundZ}
	switch orientation {
	case "forward_up", "":
		c.Orientation = ipm.OrientForwardUp
	case "grid":
		c.Orientation = ipm.OrientGrid
	default:
		return nil, paramErr("ipm.orientation", orientation, "want forward_up or grid")
	}
	v := &ipmView{cfg: c, rig: make([]bev.Camera, ncam), images: make([]*imageconv.RGB, ncam)}
	for i := range v.rig {
		v.rig[i] = placeholder(i, 16, 16)
	}
	return v, nil
}

// render draws the cameras' current images (nil where masked) and returns
// the image, or an error when the lookup cannot be built.
func (v *ipmView) render() (*imageconv.RGB, error) {
	g := v.cfg.Grid
	fp := bev.Fingerprint(v.rig, g.XMin, g.XMax, g.YMin, g.YMax, g.Resolution, v.cfg.GroundZ, float64(v.cfg.Orientation))
	switch {
	case v.m == nil:
		m, err := ipm.NewMapper(v.cfg, v.rig)
		if err != nil {
			return nil, err
		}
		v.m, v.fp = m, fp
		v.builds++
	case fp != v.fp:
		// Ego motion moves the rig most frames: rebuilt in place.
		if err := v.m.Reset(v.rig); err != nil {
			return nil, err
		}
		v.fp, v.builds = fp, v.builds+1
	}
	if err := v.m.Render(v.images, &v.out); err != nil {
		return nil, err
	}
	return &v.out, nil
}
