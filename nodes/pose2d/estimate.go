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
	dims         []int   // the output shapes of outs, end to end
	shape        []int64 // reused output shapes, end to end
	ranks        []int   // per output, its number of dimensions in shape
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
	// scales are the one-stage passes at the other input sizes of
	// model.input_sizes, whose people fusion merges into the first size's.
	scales []scalePass
	fusion decode.ScaleFusion
}

// scalePass is one more input size of a one-stage model with free H and W:
// its own session, letterbox and decoder.
type scalePass struct {
	model  *infer.Model
	lb     *preprocess.Letterbox
	dec    decode.Decoder
	size   int
	people []pose.Person
	stages [3]string // its preprocess, inference and decode stage names
}

// inputSizes returns the square input sizes to run the pose model at: the
// model's own where its card fixes H and W; otherwise cfg's
// model.input_sizes, or the card's input_sizes, or its input_size. It
// returns nil sizes and the symbolic H and W names when they are free.
func inputSizes(cfg *Config) (sizes []int, hName, wName string, err error) {
	card, err := infer.LoadCard(infer.CardPathFor(cfg.ModelPath))
	if err != nil || len(card.Inputs) != 1 || len(card.Inputs[0].Shape) != 4 {
		// infer.Open (a missing model or card) or imageInput says what is
		// wrong, naming the model.
		return nil, "", "", nil
	}
	h, w := card.Inputs[0].Shape[2], card.Inputs[0].Shape[3]
	if !h.Dynamic() && !w.Dynamic() {
		if len(cfg.InputSizes) > 0 && (len(cfg.InputSizes) > 1 || int64(cfg.InputSizes[0]) != h.Size || h.Size != w.Size) {
			return nil, "", "", paramErr("model.input_sizes", cfg.InputSizes, "set, but model %s has a fixed %d×%d input", card.Name, w.Size, h.Size)
		}
		return nil, "", "", nil
	}
	if !h.Dynamic() || !w.Dynamic() || h.Name == "" || w.Name == "" {
		return nil, "", "", fmt.Errorf("%w: model %s input %v: want H and W both named and free, or both fixed", ErrModel, card.Name, card.Inputs[0].Shape)
	}
	sizes = cfg.InputSizes
	if len(sizes) == 0 {
		if list, ok := card.Parameters["input_sizes"].([]any); ok {
			for _, v := range list {
				n, ok := v.(int)
				if !ok || n < 32 {
					return nil, "", "", fmt.Errorf("%w: model %s: parameters.input_sizes %v, want whole numbers of pixels ≥ 32", ErrModel, card.Name, list)
				}
				sizes = append(sizes, n)
			}
		} else if v, ok := card.Param("input_size"); ok && v >= 32 {
			sizes = []int{int(v)}
		}
	}
	if len(sizes) == 0 {
		return nil, "", "", fmt.Errorf("%w: model %s leaves its input size free and neither model.input_sizes nor the card's input_sizes or input_size gives one", ErrModel, card.Name)
	}
	if m, ok := card.Param("input_multiple"); ok && m >= 1 {
		for _, size := range sizes {
			if size%int(m) != 0 {
				return nil, "", "", paramErr("model.input_sizes", sizes, "model %s takes sizes that are multiples of %d", card.Name, int(m))
			}
		}
	}
	return sizes, h.Name, w.Name, nil
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
	open := func(path string, batch int, dims map[string]int64) (*infer.Model, error) {
		return infer.Open(infer.Config{ModelPath: path, Providers: cfg.Providers, IntraOpThreads: cfg.Threads, Batch: batch, MaxBatch: max(cfg.MaxPeople, 1), Logf: logf,
			DeviceID: cfg.DeviceID, FP16: cfg.FP16, BuildEngineOnly: cfg.BuildEngineOnly, Dims: dims})
	}
	sizes, hName, wName, err := inputSizes(cfg)
	if err != nil {
		return nil, err
	}
	var dims map[string]int64
	if sizes != nil {
		dims = map[string]int64{hName: int64(sizes[0]), wName: int64(sizes[0])}
	}
	if e.pose, err = open(cfg.ModelPath, 1, dims); err != nil {
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
		if e.det, err = open(cfg.DetectorPath, 1, nil); err != nil {
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
		for _, size := range sizes[min(1, len(sizes)):] {
			m, err := open(cfg.ModelPath, 1, map[string]int64{hName: int64(size), wName: int64(size)})
			if err != nil {
				e.close()
				return nil, fmt.Errorf("pose2d: model.input_sizes %d: %w", size, err)
			}
			e.scales = append(e.scales, scalePass{model: m, size: size, stages: [3]string{
				fmt.Sprintf("preprocess@%d", size), fmt.Sprintf("inference@%d", size), fmt.Sprintf("decode@%d", size)}})
			sp := &e.scales[len(e.scales)-1]
			if sp.lb, err = preprocess.NewLetterbox(preprocess.LetterboxConfig{Size: size, Pad: pad, Norm: norm}); err != nil {
				e.close()
				return nil, err
			}
			if sp.dec, err = e.newDecoderAt(cfg, size, size); err != nil {
				e.close()
				return nil, err
			}
		}
	}
	if len(sizes) > 1 && e.family != familyOneStage {
		e.close()
		return nil, paramErr("model.input_sizes", sizes, "lists %d sizes, but model %s runs %s; several sizes are for one-stage models", len(sizes), card.Name, e.family)
	}
	return e, nil
}

// newDecoder builds the pose model's decoder for cfg's thresholds from what
// newEstimator fixed (the card, the input size, the decoder name), so that
// Reconfigure can build one aside while the node runs.
func (e *estimator) newDecoder(cfg *Config) (decode.Decoder, error) {
	return e.newDecoderAt(cfg, e.inW, e.inH)
}

// decoders builds the decoders of every input size for cfg's thresholds:
// the first size's, then one per scale pass.
func (e *estimator) decoders(cfg *Config) ([]decode.Decoder, error) {
	out := make([]decode.Decoder, 0, 1+len(e.scales))
	d, err := e.newDecoder(cfg)
	if err != nil {
		return nil, err
	}
	out = append(out, d)
	for _, sp := range e.scales {
		if d, err = e.newDecoderAt(cfg, sp.size, sp.size); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// setDecoders installs what decoders built.
func (e *estimator) setDecoders(decs []decode.Decoder) {
	e.dec = decs[0]
	for i := range e.scales {
		e.scales[i].dec = decs[1+i]
	}
}

// newDecoderAt is newDecoder for a w×h model input.
func (e *estimator) newDecoderAt(cfg *Config, w, h int) (decode.Decoder, error) {
	card := e.pose.Card()
	dc := decode.Config{InputWidth: w, InputHeight: h, KeypointThreshold: float32(cfg.KeypointThreshold), ScoreThreshold: float32(cfg.PersonScore), IoUThreshold: float32(cfg.DetIoU), MaxPeople: cfg.MaxPeople}
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
	models := []*infer.Model{e.pose, e.det}
	for _, sp := range e.scales {
		models = append(models, sp.model)
	}
	e.scales = nil
	for _, m := range models {
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
	e.dims = e.dims[:0]
	e.shape = e.shape[:0]
	e.ranks = e.ranks[:0]
	for i := range m.NumOutputs() {
		n := len(e.shape)
		e.shape = m.AppendOutputShape(e.shape, m.OutputName(i))
		e.ranks = append(e.ranks, len(e.shape)-n)
	}
	for _, d := range e.shape {
		e.dims = append(e.dims, int(d))
	}
	// The shapes share one reused buffer: the decoder reads them before
	// the next call.
	at := 0
	for i, n := range e.ranks {
		name := m.OutputName(i)
		e.outs = append(e.outs, decode.Tensor{Name: name, Shape: e.dims[at : at+n : at+n], Data: m.Output(name)})
		at += n
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
	people, err := e.runPass(img, e.pose, e.poseIn, e.lb, e.dec, e.people, &firstPassStages)
	e.people = people
	if err != nil {
		return nil, err
	}
	for i := range e.scales {
		sp := &e.scales[i]
		other, err := e.runPass(img, sp.model, e.poseIn, sp.lb, sp.dec, sp.people, &sp.stages)
		sp.people = other
		if err != nil {
			return nil, fmt.Errorf("input size %d: %w", sp.size, err)
		}
		people = e.fusion.Fuse(people, other)
		e.people = people
	}
	return people[:min(len(people), e.cfg.MaxPeople)], nil
}

// firstPassStages name the stages of the first (or only) input size.
var firstPassStages = [3]string{"preprocess", "inference", "decode"}

// runPass runs a one-stage model on img through its letterbox and decoder
// and returns, in buf's storage, the people above the person score in
// image pixels; stages names its preprocess, inference and decode times.
func (e *estimator) runPass(img *imageconv.RGB, m *infer.Model, in string, lb *preprocess.Letterbox, dec decode.Decoder, buf []pose.Person, stages *[3]string) ([]pose.Person, error) {
	t := time.Now()
	xf, err := lb.Run(img, m.Input(in))
	if err != nil {
		return buf, err
	}
	t = e.stage(stages[0], t)
	if err := m.Run(); err != nil {
		return buf, err
	}
	t = e.stage(stages[1], t)
	people, err := dec.Decode(e.outputs(m), buf)
	if err != nil {
		return people, err
	}
	inv, err := xf.Inverse()
	if err != nil {
		return people, err
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
	e.stage(stages[2], t)
	return people[:n], nil
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
	out := e.det.OutputName(0)
	e.shape = e.det.AppendOutputShape(e.shape[:0], out)
	e.passDets, err = decodeYOLODet(e.det.Output(out), e.shape, e.cfg.PersonClass, float32(e.cfg.DetScore), float32(e.cfg.DetIoU), e.cfg.MaxPeople, e.passDets)
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
