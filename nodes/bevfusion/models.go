package bevfusionnode

import (
	"fmt"
	"log/slog"
	"math"
	"slices"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/parallel"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/head"
	"github.com/gopercept/gopercept/perception/bev/lss"
)

// encoder wraps the camera encoder: img [N,3,H,W] or [1,N,3,H,W] (and an
// optional sparse "depth" input of the same layout with one channel) to
// depth logits [N,D,fH,fW] and features [N,C,fH,fW].
type encoder struct {
	m                 *infer.Model
	img, depthIn      string
	depthOut, featOut string
	n, ih, iw         int
	d, c, fh, fw      int
	depthLogits       bool
	mean, std         [3]float32
	scale             float32
	bgr               bool
	prob              []float32    // softmax over depth, [N,D,fH,fW]
	depthMin          float64      // m, card parameter depth_min (default 1)
	depthMax          float64      // m, card parameter depth_max (default 60)
	depthStep         float64      // m, card parameter depth_step (default 0.5)
	resize            float64      // card parameter image_resize; 0 fits the width
	sampling          lss.Sampling // card parameter frustum: linspace (default) or pixel_centers
	mlpIn             string       // BEVDepth's camera-aware input [N,K] (card camera_geometry.mlp_input), if any
	mlpLayout         []string     // its K values (infer.MLPNames)

	par      parallel.Loop // finish's cameras on both cores
	masked   []bool        // finish's, for finishFn
	finishFn func(lo, hi int)
}

// firstOf returns the first of names that is in have.
func firstOf(have []string, names ...string) string {
	for _, n := range names {
		if slices.Contains(have, n) {
			return n
		}
	}
	return ""
}

func modelError(path, format string, args ...any) error {
	return fmt.Errorf("bevfusion: %s: %w: %s", path, ErrModel, fmt.Sprintf(format, args...))
}

func openEncoder(path string, providers []string, cams int, log *slog.Logger) (*encoder, error) {
	return openEncoderRT(path, infer.Config{Providers: providers}, cams, log)
}

// openEncoderRT is openEncoder with rt's providers and GPU settings.
func openEncoderRT(path string, rt infer.Config, cams int, log *slog.Logger) (*encoder, error) {
	// Batch: an encoder whose camera count is dynamic runs the rig's
	// cameras in one batch; a fixed count must equal the rig's.
	rt.ModelPath, rt.Logger, rt.Batch = path, log, cams
	m, err := infer.Open(rt)
	if err != nil {
		return nil, fmt.Errorf("bevfusion: encoder: %w", err)
	}
	e := &encoder{m: m}
	ins, outs := m.InputNames(), m.OutputNames()
	e.img = firstOf(ins, "img", "image", "images")
	e.depthIn = firstOf(ins, "depth")
	e.depthOut = firstOf(outs, "camera_depth_weights", "depth_logits", "depth")
	e.featOut = firstOf(outs, "camera_feature", "feature", "features")
	if e.img == "" || e.depthOut == "" || e.featOut == "" {
		m.Close()
		return nil, modelError(path, "want input img and outputs depth and feature, have %v → %v", ins, outs)
	}
	sh := m.InputShape(e.img)
	if len(sh) == 5 {
		sh = sh[1:]
	}
	if len(sh) != 4 || sh[1] != 3 || int(sh[0]) != cams {
		m.Close()
		return nil, modelError(path, "input %s shape %v, want [%d,3,H,W] for %d cameras", e.img, m.InputShape(e.img), cams, cams)
	}
	if sh[2] <= 0 || sh[3] <= 0 {
		m.Close()
		return nil, modelError(path, "input %s shape %v: the image size must be fixed in the model", e.img, m.InputShape(e.img))
	}
	e.n, e.ih, e.iw = int(sh[0]), int(sh[2]), int(sh[3])
	ds, fs := m.OutputShape(e.depthOut), m.OutputShape(e.featOut)
	if len(ds) == 5 {
		ds = ds[1:]
	}
	if len(fs) == 5 {
		fs = fs[1:]
	}
	if len(ds) != 4 || len(fs) != 4 || int(ds[0]) != cams || int(fs[0]) != cams || ds[2] != fs[2] || ds[3] != fs[3] {
		m.Close()
		return nil, modelError(path, "outputs %s %v and %s %v, want [N,D,fH,fW] and [N,C,fH,fW]", e.depthOut, ds, e.featOut, fs)
	}
	e.d, e.c, e.fh, e.fw = int(ds[1]), int(fs[1]), int(ds[2]), int(ds[3])
	card := m.Card()
	e.depthLogits = true
	if v, ok := card.Param("depth_logits"); ok {
		e.depthLogits = v != 0
	}
	e.mean, e.std, e.scale, e.bgr = imageNormalisation(card)
	// Where feature cells sit in the input image: BEVFusion's and
	// CUDA-BEVFusion's create_frustum (linspace) unless the card says
	// otherwise, so their exports need no card change.
	e.sampling = lss.SampleLinspace
	if v, ok := card.Parameters["frustum"]; ok {
		str, _ := v.(string)
		if e.sampling, err = lss.ParseSampling(str); err != nil {
			m.Close()
			return nil, modelError(path, "card parameter frustum %v, want linspace (BEVFusion's create_frustum) or pixel_centers", v)
		}
	}
	if g := card.CameraGeometry; g != nil {
		// A depth-aware encoder (BEVDepth): the camera's intrinsics,
		// augmentation and extrinsic feed its depth net.
		if g.Lidar2Img != "" || g.Intrinsics != "" {
			m.Close()
			return nil, modelError(path, "camera_geometry: a bev-camera encoder is fed mlp_input only (lidar2img, intrinsics and extrinsics are for bev-query models)")
		}
		if g.MLPInput != "" {
			e.mlpIn, e.mlpLayout = g.MLPInput, g.MLPLayoutOrDefault()
			if got := len(m.Input(e.mlpIn)); got != cams*len(e.mlpLayout) {
				m.Close()
				return nil, modelError(path, "input %s shape %v, want %d cameras × %d values", e.mlpIn, m.InputShape(e.mlpIn), cams, len(e.mlpLayout))
			}
		}
		if g.ImageAug.Resize > 0 {
			e.resize = g.ImageAug.Resize
		}
	}
	e.prob = make([]float32, e.n*e.d*e.fh*e.fw)
	e.depthMin, e.depthMax, e.depthStep = 1, 60, 0.5
	for _, p := range []struct {
		key string
		dst *float64
	}{{"depth_min", &e.depthMin}, {"depth_max", &e.depthMax}, {"depth_step", &e.depthStep}, {"image_resize", &e.resize}} {
		if v, ok := card.Param(p.key); ok {
			*p.dst = v
		}
	}
	return e, nil
}

// softmax turns the depth output into per-pixel depth distributions in
// e.prob (or copies it when the model already outputs probabilities) and
// zeroes the features and depth of masked cameras.
func (e *encoder) finish(masked []bool) {
	if e.finishFn == nil {
		e.finishFn = e.finishCameras
	}
	e.masked = masked
	e.par.For(e.n, 1, e.finishFn)
	e.masked = nil
}

// finishCameras is finish for cameras [lo, hi).
func (e *encoder) finishCameras(lo, hi int) {
	masked := e.masked
	dl := e.m.Output(e.depthOut)
	feat := e.m.Output(e.featOut)
	hw := e.fh * e.fw
	for n := lo; n < hi; n++ {
		base := n * e.d * hw
		if masked[n] {
			clear(e.prob[base : base+e.d*hw])
			clear(feat[n*e.c*hw : (n+1)*e.c*hw])
			continue
		}
		copy(e.prob[base:base+e.d*hw], dl[base:base+e.d*hw])
		if e.depthLogits {
			// One camera's block [1, D, hw]: the lengths always match.
			_ = lss.SoftmaxDepth(e.prob[base:base+e.d*hw], 1, e.d, hw)
		}
	}
}

// fuser wraps the fuser and heads: lidar_bev [1,3,H,W] (and camera_bev
// [1,C,H,W] when present) to CenterPoint head tensors.
type fuser struct {
	m                 *infer.Model
	lidarIn, cameraIn string
	cameraC           int
	prevIn            string     // previous camera BEV input (BEVDet4D), if any
	layout            bev.Layout // memory order of the BEV planes (card parameter bev_layout)
	heat              string
	k, hh, hw         int
	velOut            string
	regOut            string  // "reg" (dense offset, or proposal centre) or "center"
	nprop             int     // proposals of a query-based head; 0 for a dense head
	cell              float64 // m per head cell of a query-based head (card head_cell_size)
	segOut            string  // BEV map segmentation output [1,S,rows,cols], if any
	segC              int
	segRows, segCols  int
	segLogits         bool   // seg holds logits (sigmoid per class) rather than probabilities
	occOut            string // learned occupancy output [1,1,rows,cols] over the grid, if any
	occLogits         bool   // occupancy holds logits rather than probabilities
	classes           []string
	colours           [][3]uint8
	modes             []string // card parameter modes: the modes it was trained for; nil when the card names none
	dec               *head.Decoder
	hc                head.Config // dec's configuration as opened; Reconfigure derives new decoders from it (never written after)
}

// Fuser modes: which inputs carry data. A card's modes parameter lists the
// ones the fuser was trained for (a fuser that only ever saw camera_bev
// learns nothing useful about lidar_bev).
const (
	ModeFused      = "fused"
	ModeLidarOnly  = "lidar_only"
	ModeCameraOnly = "camera_only"
)

// fuserModesOf reads a fuser card's modes parameter: a list of ModeFused,
// ModeLidarOnly and ModeCameraOnly; nil when absent.
func fuserModesOf(card *infer.Card) ([]string, error) {
	v, ok := card.Parameters["modes"]
	if !ok {
		return nil, nil
	}
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil, fmt.Errorf("card parameter modes %v, want a list of %s, %s, %s", v, ModeFused, ModeLidarOnly, ModeCameraOnly)
	}
	var out []string
	for _, e := range list {
		m, _ := e.(string)
		if m != ModeFused && m != ModeLidarOnly && m != ModeCameraOnly {
			return nil, fmt.Errorf("card parameter modes has %v, want %s, %s or %s", e, ModeFused, ModeLidarOnly, ModeCameraOnly)
		}
		out = append(out, m)
	}
	return out, nil
}

// openFuserRT opens the fuser with rt's providers and GPU settings.
func openFuserRT(path string, rt infer.Config, g bev.Grid, classNames []string, hc head.Config, log *slog.Logger) (*fuser, error) {
	rt.ModelPath, rt.Logger = path, log
	m, err := infer.Open(rt)
	if err != nil {
		return nil, fmt.Errorf("bevfusion: fuser: %w", err)
	}
	f := &fuser{m: m}
	fail := func(format string, args ...any) (*fuser, error) {
		m.Close()
		return nil, modelError(path, format, args...)
	}
	ins, outs := m.InputNames(), m.OutputNames()
	f.lidarIn = firstOf(ins, "lidar_bev", "lidar")
	f.cameraIn = firstOf(ins, "camera_bev", "camera")
	f.prevIn = firstOf(ins, "prev_camera_bev", "camera_bev_prev", "prev_bev")
	if f.lidarIn == "" && f.cameraIn == "" {
		return fail("inputs %v, want lidar_bev and/or camera_bev", ins)
	}
	card := m.Card()
	switch v, _ := card.Parameters["bev_layout"].(string); v {
	case "", "yx":
		f.layout = bev.LayoutYX
	case "xy":
		f.layout = bev.LayoutXY
	default:
		return fail("card parameter bev_layout %q, want yx or xy", v)
	}
	if f.modes, err = fuserModesOf(card); err != nil {
		return fail("%v", err)
	}
	gw, gh := g.Width(), g.Height()
	// rows, cols of a BEV plane as the model stores it.
	rows, cols := gh, gw
	if f.layout == bev.LayoutXY {
		rows, cols = gw, gh
	}
	if f.lidarIn != "" {
		if sh := m.InputShape(f.lidarIn); !slices.Equal(sh, []int64{1, lidarChannels, int64(rows), int64(cols)}) {
			return fail("input %s shape %v, want [1,%d,%d,%d] for the grid (%s)", f.lidarIn, sh, lidarChannels, rows, cols, f.layout)
		}
	}
	if f.cameraIn != "" {
		sh := m.InputShape(f.cameraIn)
		if len(sh) != 4 || sh[0] != 1 || sh[2] != int64(rows) || sh[3] != int64(cols) {
			return fail("input %s shape %v, want [1,C,%d,%d] for the grid (%s)", f.cameraIn, sh, rows, cols, f.layout)
		}
		f.cameraC = int(sh[1])
	}
	if f.prevIn != "" {
		if f.cameraIn == "" || !slices.Equal(m.InputShape(f.prevIn), m.InputShape(f.cameraIn)) {
			return fail("input %s shape %v, want camera_bev's %v", f.prevIn, m.InputShape(f.prevIn), m.InputShape(f.cameraIn))
		}
	}
	f.heat = firstOf(outs, "heatmap", "score", "hm")
	f.regOut = firstOf(outs, "reg", "center")
	if f.regOut == "" {
		return fail("outputs %v lack reg (or center)", outs)
	}
	for _, n := range []string{"height", "dim", "rot"} {
		if !slices.Contains(outs, n) {
			return fail("outputs %v lack %s", outs, n)
		}
	}
	if f.heat == "" {
		return fail("outputs %v lack heatmap (or score)", outs)
	}
	f.velOut = firstOf(outs, "vel")
	if f.segOut = firstOf(outs, "seg", "bev_seg", "map_seg"); f.segOut != "" {
		ss := m.OutputShape(f.segOut)
		if len(ss) != 4 || ss[0] != 1 || ss[1] < 1 || ss[2] < 1 || ss[3] < 1 {
			return fail("output %s shape %v, want [1,S,rows,cols] over the grid", f.segOut, ss)
		}
		f.segC, f.segRows, f.segCols = int(ss[1]), int(ss[2]), int(ss[3])
		f.segLogits = true
		if v, ok := card.Param("seg_logits"); ok {
			f.segLogits = v != 0
		}
	}
	if f.occOut = firstOf(outs, "occupancy", "occ"); f.occOut != "" {
		if sh := m.OutputShape(f.occOut); !slices.Equal(sh, []int64{1, 1, int64(rows), int64(cols)}) {
			return fail("output %s shape %v, want [1,1,%d,%d] over the grid (%s)", f.occOut, sh, rows, cols, f.layout)
		}
		f.occLogits = true
		if v, ok := card.Param("occupancy_logits"); ok {
			f.occLogits = v != 0
		}
	}
	hs := m.OutputShape(f.heat)
	switch {
	case len(hs) == 3 && hs[0] == 1 && hs[1] > 0 && hs[2] > 0:
		// Query-based head: [1,K,N] proposals.
		f.k, f.nprop = int(hs[1]), int(hs[2])
		for _, c := range []struct {
			name string
			ch   int64
		}{{f.regOut, 2}, {"height", 1}, {"dim", 3}, {"rot", 2}, {f.velOut, 2}} {
			if c.name == "" {
				continue
			}
			if sh := m.OutputShape(c.name); !slices.Equal(sh, []int64{1, c.ch, int64(f.nprop)}) {
				return fail("output %s shape %v, want [1,%d,%d] like the proposals", c.name, sh, c.ch, f.nprop)
			}
		}
		cell, ok := card.Param("head_cell_size")
		if !(ok && cell > 0) {
			return fail("a proposal head needs the card parameter head_cell_size (m per head cell, e.g. 0.6 = 8 × 0.075)")
		}
		f.cell = cell
	case len(hs) == 4 && hs[0] == 1:
		f.k, f.hh, f.hw = int(hs[1]), int(hs[2]), int(hs[3])
		if rows%f.hh != 0 || cols%f.hw != 0 || rows/f.hh != cols/f.hw {
			return fail("head grid %d×%d does not divide the BEV planes %d×%d by one stride", f.hh, f.hw, rows, cols)
		}
	default:
		return fail("output %s shape %v, want [1,K,H,W] (dense) or [1,K,N] (proposals)", f.heat, hs)
	}
	names := classNames
	if len(card.Classes) > 0 {
		names = make([]string, f.k)
		for _, c := range card.Classes {
			if c.ID >= 0 && c.ID < f.k {
				names[c.ID] = c.Name
			}
		}
	}
	f.classes = make([]string, f.k)
	f.colours = make([][3]uint8, f.k)
	for i := range f.k {
		f.classes[i] = fmt.Sprintf("class_%d", i)
		if i < len(names) && names[i] != "" {
			f.classes[i] = names[i]
		}
		f.colours[i] = palette(i)
	}
	for _, c := range card.Classes {
		if c.ID >= 0 && c.ID < f.k && len(c.Colour) == 3 {
			f.colours[c.ID] = [3]uint8{c.Colour[0], c.Colour[1], c.Colour[2]}
		}
	}
	hc.NumClasses = f.k
	if f.nprop > 0 {
		hc.Stride, hc.Resolution = 1, f.cell
	} else {
		hc.Stride, hc.Resolution = cols/f.hw, g.Resolution
		hc.XAlongRows = f.layout == bev.LayoutXY
	}
	hc.MinX, hc.MinY = g.XMin, g.YMin
	hc.HeatmapLogits = true
	if v, ok := card.Param("heatmap_logits"); ok {
		hc.HeatmapLogits = v != 0
	}
	if f.dec, err = head.New(hc); err != nil {
		return fail("head: %v", err)
	}
	f.hc = hc
	return f, nil
}

// decode appends the boxes of the last run to dst.
func (f *fuser) decode(dst []head.Box) ([]head.Box, error) {
	var vel []float32
	if f.velOut != "" {
		vel = f.m.Output(f.velOut)
	}
	if f.nprop > 0 {
		return f.dec.DecodeProposals(&head.Proposals{N: f.nprop, Score: f.m.Output(f.heat), Center: f.m.Output(f.regOut),
			Height: f.m.Output("height"), Dim: f.m.Output("dim"), Rot: f.m.Output("rot"), Vel: vel}, dst)
	}
	return f.dec.Decode(&head.Tensors{H: f.hh, W: f.hw, Heatmap: f.m.Output(f.heat), Reg: f.m.Output(f.regOut),
		Height: f.m.Output("height"), Dim: f.m.Output("dim"), Rot: f.m.Output("rot"), Vel: vel}, dst)
}

// occupancy writes the learned occupancy of the last run into dst (row j =
// y index, column i = x index, as nav_msgs/OccupancyGrid wants) as a
// probability in percent, 0–100.
func (f *fuser) occupancy(dst []int8, g bev.Grid) []int8 {
	w, h := g.Width(), g.Height()
	out := f.m.Output(f.occOut)
	dst = resize(dst, w*h)
	for j := range h {
		for i := range w {
			v := float64(out[g.Offset(f.layout, i, j)])
			if f.occLogits {
				v = 1 / (1 + math.Exp(-v))
			}
			if !(v >= 0) { // NaN
				v = 0
			}
			dst[j*w+i] = int8(math.Round(100 * min(v, 1)))
		}
	}
	return dst
}

// palette returns a distinct colour for class i.
func palette(i int) [3]uint8 {
	p := [...][3]uint8{{255, 158, 0}, {255, 99, 71}, {233, 150, 70}, {255, 69, 0}, {255, 140, 0},
		{112, 128, 144}, {255, 61, 99}, {220, 20, 60}, {0, 0, 230}, {47, 79, 79}}
	return p[i%len(p)]
}

// imageNormalisation is how a camera model's card says its input is
// normalised: ImageNet's mean and std on 0–255 RGB unless the card gives
// its own.
func imageNormalisation(card *infer.Card) (mean, std [3]float32, scale float32, bgr bool) {
	mean, std, scale = [3]float32{123.675, 116.28, 103.53}, [3]float32{58.395, 57.12, 57.375}, 1
	if nm := card.Normalisation; len(nm.Mean) == 3 && len(nm.Std) == 3 {
		for i := range 3 {
			mean[i], std[i] = float32(nm.Mean[i]), float32(nm.Std[i])
		}
		if nm.Scale != 0 {
			scale = float32(nm.Scale)
		}
		bgr = nm.ColourOrder == "bgr"
	}
	return mean, std, scale, bgr
}
