package pose2dnode

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/decode"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
)

// Model families as the node runs them.
const (
	familyTopDown  = "top-down"
	familyOneStage = "one-stage"
	familyBottomUp = "bottom-up"
)

// familyOf maps a canonical decoder name to how the node runs the model.
func familyOf(decoder string) string {
	switch decoder {
	case "yolo-pose", "yolo-pose-e2e", "movenet-multipose", "movenet":
		return familyOneStage
	case "openpose":
		return familyBottomUp
	}
	return familyTopDown
}

// estimator runs the models of one family on an image and returns people
// in image pixels.
type estimator struct {
	lastDetected int // people_detected last reported, -1 before the first frame
	family       string
	decName      string
	pose         *infer.Model
	det          *infer.Model // top-down only
	dec          decode.Decoder
	lb           *preprocess.Letterbox // detector (top-down) or pose model input
	crop         *preprocess.Cropper   // top-down only
	poseIn       string
	detIn        string
	outs         []decode.Tensor
	dets         []detection
	passDets     []detection   // one detector pass's output
	tile         imageconv.RGB // a tile's pixels for slicing-aided detection
	boxes        [][4]float32
	xf           []pose.Affine
	people       []pose.Person
	batch        []pose.Person
	cfg          *Config
	stats        *node.Stats
	maxBatch     int
	inW, inH     int // pose model input size
	frameW       int // size of the frame being tiled
	frameH       int
}

// normFor converts a card's normalisation (value = (raw·Scale − Mean)/Std on
// 0..255 pixels) into a preprocess.Norm; def applies when the card gives
// none.
func normFor(c *infer.Card, def preprocess.Norm) (preprocess.Norm, error) {
	n := c.Normalisation
	if len(n.Mean) == 0 && len(n.Std) == 0 && n.Scale == 0 {
		def.BGR = n.ColourOrder == "bgr"
		return def, nil
	}
	s := n.Scale
	if s == 0 {
		s = 1
	}
	out := preprocess.Norm{Std: [3]float32{1 / float32(s), 1 / float32(s), 1 / float32(s)}, BGR: n.ColourOrder == "bgr"}
	if len(n.Mean) != 0 && len(n.Mean) != 3 || len(n.Std) != 0 && len(n.Std) != 3 {
		return out, fmt.Errorf("%w: %s normalisation has %d means and %d stds, want 3", ErrModel, c.Name, len(n.Mean), len(n.Std))
	}
	for i := range 3 {
		if len(n.Mean) == 3 {
			out.Mean[i] = float32(n.Mean[i] / s)
		}
		if len(n.Std) == 3 {
			out.Std[i] = float32(n.Std[i] / s)
		}
	}
	return out, nil
}

// imageInput returns the name, height and width of a model's [N,3,H,W]
// image input.
func imageInput(m *infer.Model) (string, int, int, error) {
	names := m.InputNames()
	if len(names) != 1 {
		return "", 0, 0, fmt.Errorf("%w: %s has %d inputs, want one image", ErrModel, m.Card().Name, len(names))
	}
	s := m.InputShape(names[0])
	if len(s) != 4 || s[1] != 3 || s[2] < 1 || s[3] < 1 {
		return "", 0, 0, fmt.Errorf("%w: %s input %s has shape %v, want [N,3,H,W]", ErrModel, m.Card().Name, names[0], s)
	}
	return names[0], int(s[2]), int(s[3]), nil
}

func newEstimator(cfg *Config, stats *node.Stats, logf func(string)) (*estimator, error) {
	e := &estimator{cfg: cfg, stats: stats, lastDetected: -1}
	open := func(path string, batch int) (*infer.Model, error) {
		return infer.Open(infer.Config{ModelPath: path, Providers: cfg.Providers, IntraOpThreads: cfg.Threads, Batch: batch, MaxBatch: max(cfg.MaxPeople, 1), Logf: logf,
			DeviceID: cfg.DeviceID, FP16: cfg.FP16, BuildEngineOnly: cfg.BuildEngineOnly})
	}
	var err error
	if e.pose, err = open(cfg.ModelPath, 1); err != nil {
		return nil, err
	}
	card := e.pose.Card()
	name := cfg.ModelDecoder
	if name == "" {
		name = card.Decoder
	}
	if name == "" {
		name = card.Family
	}
	canon, ok := decode.Canonical(name)
	if !ok {
		e.close()
		return nil, fmt.Errorf("%w: model %s: decoder %q is not one of %v", ErrModel, card.Name, name, decode.Names)
	}
	e.decName = canon
	e.family = familyOf(canon)
	in, h, w, err := imageInput(e.pose)
	if err != nil {
		e.close()
		return nil, err
	}
	e.poseIn, e.inW, e.inH = in, w, h
	if e.dec, err = e.newDecoder(cfg); err != nil {
		e.close()
		return nil, err
	}
	switch e.family {
	case familyTopDown:
		if cfg.DetectorPath == "" {
			e.close()
			return nil, paramErr("detector.path", nil, "empty but model %s (%s) is top-down", card.Name, canon)
		}
		if e.det, err = open(cfg.DetectorPath, 1); err != nil {
			e.close()
			return nil, err
		}
		if !e.pose.DynamicBatch() {
			e.maxBatch = 1
		} else {
			e.maxBatch = cfg.MaxPeople
		}
		norm, err := normFor(card, preprocess.ImageNet)
		if err != nil {
			e.close()
			return nil, err
		}
		if e.crop, err = preprocess.NewCropper(preprocess.CropConfig{Width: w, Height: h, Norm: norm}); err != nil {
			e.close()
			return nil, err
		}
		din, dh, dw, err := imageInput(e.det)
		if err != nil {
			e.close()
			return nil, err
		}
		if dh != dw {
			e.close()
			return nil, fmt.Errorf("%w: detector input %d×%d is not square", ErrModel, dw, dh)
		}
		e.detIn = din
		dnorm, err := normFor(e.det.Card(), preprocess.UnitScale)
		if err != nil {
			e.close()
			return nil, err
		}
		if e.lb, err = preprocess.NewLetterbox(preprocess.LetterboxConfig{Size: dh, Norm: dnorm}); err != nil {
			e.close()
			return nil, err
		}
	default:
		if h != w {
			e.close()
			return nil, fmt.Errorf("%w: %s input %d×%d is not square", ErrModel, card.Name, w, h)
		}
		norm, err := normFor(card, preprocess.UnitScale)
		if err != nil {
			e.close()
			return nil, err
		}
		// The card's letterbox_pad is the padding pixel value (MoveNet's
		// reference pads black); without it, YOLO's grey 114.
		pad := 0
		if v, ok := card.Param("letterbox_pad"); ok {
			if v < 0 || v > 255 {
				e.close()
				return nil, fmt.Errorf("%w: model %s: letterbox_pad %g, want 0..255", ErrModel, card.Name, v)
			}
			if pad = int(v); pad == 0 {
				pad = -1 // Letterbox's black
			}
		}
		if e.lb, err = preprocess.NewLetterbox(preprocess.LetterboxConfig{Size: h, Pad: pad, Norm: norm}); err != nil {
			e.close()
			return nil, err
		}
	}
	return e, nil
}

// newDecoder builds the pose model's decoder for cfg's thresholds from what
// newEstimator fixed (the card, the input size, the decoder name), so that
// Reconfigure can build one aside while the node runs.
func (e *estimator) newDecoder(cfg *Config) (decode.Decoder, error) {
	card := e.pose.Card()
	dc := decode.Config{InputWidth: e.inW, InputHeight: e.inH, KeypointThreshold: float32(cfg.KeypointThreshold), ScoreThreshold: float32(cfg.PersonScore), IoUThreshold: float32(cfg.DetIoU), MaxPeople: cfg.MaxPeople}
	if r, ok := card.Param("split_ratio"); ok {
		dc.SplitRatio = r
	}
	if k, ok := card.Param("blur_kernel"); ok {
		dc.BlurKernel = int(k)
	}
	if t, ok := card.Parameters["topology"].(string); ok {
		switch t {
		case decode.TRTPose.Name:
			dc.PAF.Topology = decode.TRTPose
		case decode.OpenPoseCOCO.Name:
			dc.PAF.Topology = decode.OpenPoseCOCO
		default:
			return nil, fmt.Errorf("%w: model %s: topology %q, want %s or %s", ErrModel, card.Name, t, decode.TRTPose.Name, decode.OpenPoseCOCO.Name)
		}
	}
	dec, err := decode.New(e.decName, dc)
	if err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrModel, card.Name, err)
	}
	return dec, nil
}

func (e *estimator) close() error {
	var first error
	for _, m := range []*infer.Model{e.pose, e.det} {
		if m != nil {
			if err := m.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	e.pose, e.det = nil, nil
	return first
}

// outputs collects m's outputs as decoder tensors with their current shapes.
func (e *estimator) outputs(m *infer.Model) []decode.Tensor {
	e.outs = e.outs[:0]
	for _, name := range m.OutputNames() {
		s := m.OutputShape(name)
		shape := make([]int, len(s))
		for i, d := range s {
			shape[i] = int(d)
		}
		e.outs = append(e.outs, decode.Tensor{Name: name, Shape: shape, Data: m.Output(name)})
	}
	return e.outs
}

func (e *estimator) stage(name string, t0 time.Time) time.Time {
	now := time.Now()
	if e.stats != nil {
		e.stats.Stage(name, now.Sub(t0))
	}
	return now
}

// run estimates the people in img, in image pixels.
func (e *estimator) run(img *imageconv.RGB) ([]pose.Person, error) {
	if e.family == familyTopDown {
		return e.runTopDown(img)
	}
	t := time.Now()
	xf, err := e.lb.Run(img, e.pose.Input(e.poseIn))
	if err != nil {
		return nil, err
	}
	t = e.stage("preprocess", t)
	if err := e.pose.Run(); err != nil {
		return nil, err
	}
	t = e.stage("inference", t)
	people, err := e.dec.Decode(e.outputs(e.pose), e.people)
	e.people = people
	if err != nil {
		return nil, err
	}
	inv, err := xf.Inverse()
	if err != nil {
		return nil, err
	}
	n := 0
	for i := range people {
		if people[i].Score < float32(e.cfg.PersonScore) {
			continue
		}
		inv.MapPerson(&people[i])
		people[n], people[i] = people[i], people[n]
		n++
	}
	e.people = people
	e.stage("decode", t)
	return people[:min(n, e.cfg.MaxPeople)], nil
}

func (e *estimator) runTopDown(img *imageconv.RGB) ([]pose.Person, error) {
	var spent [3]time.Duration // preprocess, inference, decode over every pass
	e.dets = e.dets[:0]
	if err := e.detect(img, 0, 0, 0, &spent); err != nil {
		return nil, err
	}
	if n := e.cfg.DetTiles; n > 1 {
		// Tiles overlap by a quarter of their side, so a person cut by one
		// tile's edge is whole in its neighbour's or in the whole image.
		tw := min(img.Width, (img.Width*5+4*n-1)/(4*n))
		th := min(img.Height, (img.Height*5+4*n-1)/(4*n))
		for ty := range n {
			for tx := range n {
				x0, y0 := tx*(img.Width-tw)/(n-1), ty*(img.Height-th)/(n-1)
				e.cutTile(img, x0, y0, tw, th)
				if err := e.detect(&e.tile, x0, y0, 1+ty*n+tx, &spent); err != nil {
					return nil, err
				}
			}
		}
		e.dets = nms(e.dets, float32(e.cfg.DetIoU), e.cfg.MaxPeople)
	}
	if e.stats != nil {
		e.stats.Stage("detector_preprocess", spent[0])
		e.stats.Stage("detector_inference", spent[1])
		e.stats.Stage("detector_decode", spent[2])
	}
	t := time.Now()
	e.boxes = e.boxes[:0]
	for _, d := range e.dets {
		e.boxes = append(e.boxes, d.box)
	}
	if len(e.boxes) != e.lastDetected { // a fact changes rarely; don't format it every frame
		e.lastDetected = len(e.boxes)
		e.stats.Set("people_detected", strconv.Itoa(len(e.boxes)))
	}
	e.people = e.people[:0]
	// Crops in batches of at most maxBatch.
	for lo := 0; lo < len(e.boxes); lo += e.maxBatch {
		hi := min(lo+e.maxBatch, len(e.boxes))
		n := hi - lo
		if err := e.pose.SetBatch(n); err != nil {
			return nil, err
		}
		if cap(e.xf) < n {
			e.xf = make([]pose.Affine, n)
		}
		xfs := e.xf[:n]
		if err := e.crop.Run(img, e.boxes[lo:hi], e.pose.Input(e.poseIn), xfs); err != nil {
			return nil, err
		}
		t = e.stage("crop", t)
		if err := e.pose.Run(); err != nil {
			return nil, err
		}
		t = e.stage("inference", t)
		got, err := e.dec.Decode(e.outputs(e.pose), e.batch)
		e.batch = got
		if err != nil {
			return nil, err
		}
		if len(got) != n {
			return nil, fmt.Errorf("%w: decoder %s gave %d people for %d crops", ErrModel, e.decName, len(got), n)
		}
		base := len(e.people)
		for i := range got {
			var p *pose.Person
			e.people, p = pose.Grow(e.people, len(got[i].Keypoints))
			p.CopyFrom(&got[i])
		}
		for i := range n {
			p := &e.people[base+i]
			ci, err := xfs[i].Inverse()
			if err != nil {
				return nil, err
			}
			ci.MapPerson(p)
			d := e.dets[lo+i]
			p.Box = e.boxes[lo+i]
			p.Score = d.score * meanScore(p.Keypoints, float32(e.cfg.KeypointThreshold))
		}
		t = e.stage("decode", t)
	}
	n := 0
	for i := range e.people {
		if e.people[i].Score >= float32(e.cfg.PersonScore) {
			e.people[n], e.people[i] = e.people[i], e.people[n]
			n++
		}
	}
	return e.people[:n], nil
}

// detect runs the detector on img, the part of the frame whose top-left
// corner is (x0, y0), and appends its detections to e.dets in frame pixels,
// tagged with pass. A tile's detection touching an inner edge of the tile
// is left out: that person is cut, and whole in another pass.
func (e *estimator) detect(img *imageconv.RGB, x0, y0, pass int, spent *[3]time.Duration) error {
	t := time.Now()
	xf, err := e.lb.Run(img, e.det.Input(e.detIn))
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := e.det.Run(); err != nil {
		return err
	}
	t2 := time.Now()
	names := e.det.OutputNames()
	e.passDets, err = decodeYOLODet(e.det.Output(names[0]), e.det.OutputShape(names[0]), e.cfg.PersonClass, float32(e.cfg.DetScore), float32(e.cfg.DetIoU), e.cfg.MaxPeople, e.passDets)
	if err != nil {
		return err
	}
	inv, err := xf.Inverse()
	if err != nil {
		return err
	}
	w, h := float32(img.Width), float32(img.Height)
	const edge = 2 // px
	for _, d := range e.passDets {
		b := mapBox(inv, d.box)
		b[0], b[1] = max(b[0], 0), max(b[1], 0)
		b[2], b[3] = min(b[2], w), min(b[3], h)
		if b[2] <= b[0] || b[3] <= b[1] {
			continue
		}
		if pass > 0 && (x0 > 0 && b[0] < edge || y0 > 0 && b[1] < edge ||
			x0+img.Width < e.frameW && b[2] > w-edge || y0+img.Height < e.frameH && b[3] > h-edge) {
			continue
		}
		d.box = [4]float32{b[0] + float32(x0), b[1] + float32(y0), b[2] + float32(x0), b[3] + float32(y0)}
		d.pass = pass
		e.dets = append(e.dets, d)
	}
	spent[0] += t1.Sub(t)
	spent[1] += t2.Sub(t1)
	spent[2] += time.Since(t2)
	return nil
}

// cutTile copies the w×h part of img at (x0, y0) into e.tile.
func (e *estimator) cutTile(img *imageconv.RGB, x0, y0, w, h int) {
	e.frameW, e.frameH = img.Width, img.Height
	e.tile.Width, e.tile.Height = w, h
	if cap(e.tile.Pix) < 3*w*h {
		e.tile.Pix = make([]uint8, 3*w*h)
	}
	e.tile.Pix = e.tile.Pix[:3*w*h]
	for y := range h {
		src := img.Pix[3*((y0+y)*img.Width+x0):]
		copy(e.tile.Pix[3*y*w:3*(y+1)*w], src[:3*w])
	}
}

// meanScore is the mean score of the keypoints at or above thr (mmpose's
// top-down person rescoring), 0 when none is.
func meanScore(kps []pose.Keypoint, thr float32) float32 {
	var s float32
	n := 0
	for _, k := range kps {
		if k.Score >= thr {
			s += k.Score
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float32(n)
}
