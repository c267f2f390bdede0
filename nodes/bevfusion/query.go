package bevfusionnode

import (
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/head"
)

// lidar2img returns PETR's and DETR3D's projection as a row-major 4×4:
// [A·K | 0; 0 0 0 1]·E⁻¹, taking a point (x, y, z, 1) of the model's frame
// to (u·d, v·d, d, 1), with (u, v) the network-input pixel (the image
// augmentation A, resize then crop, applied to the original pixel) and d
// the depth along the optical axis. K is the pinhole of the original image
// (CameraInfo K); E is frame ← camera optical, a rigid transform.
func lidar2img(fx, fy, cx, cy float64, aug [9]float64, extr [16]float64) [16]float64 {
	k := [9]float64{fx, 0, cx, 0, fy, cy, 0, 0, 1}
	var ak [9]float64
	for r := range 3 {
		for c := range 3 {
			for j := range 3 {
				ak[3*r+c] += aug[3*r+j] * k[3*j+c]
			}
		}
	}
	// E⁻¹ = [Rᵀ | −Rᵀt].
	var inv [16]float64
	for r := range 3 {
		for c := range 3 {
			inv[4*r+c] = extr[4*c+r]
		}
		inv[4*r+3] = -(extr[r]*extr[3] + extr[4+r]*extr[7] + extr[8+r]*extr[11])
	}
	inv[15] = 1
	var out [16]float64
	for r := range 3 {
		for c := range 4 {
			for j := range 3 {
				out[4*r+c] += ak[3*r+j] * inv[4*j+c]
			}
		}
	}
	out[15] = 1
	return out
}

// mlpInput writes BEVDepth's camera-aware depth-net input for one camera
// in the order of layout (infer.MLPNames): the original image's fx, fy, cx,
// cy; the augmentation as BEVDepth's 4×4 ida (ida<r>3 is A's translation,
// A[r][2]); the BEV augmentation bda, the identity at inference; the
// extrinsic frame ← optical, e<r><c>.
func mlpInput(dst []float32, layout []string, fx, fy, cx, cy float64, aug [9]float64, extr [16]float64) {
	for i, name := range layout {
		var v float64
		switch {
		case name == "fx":
			v = fx
		case name == "fy":
			v = fy
		case name == "cx":
			v = cx
		case name == "cy":
			v = cy
		case len(name) == 5 && name[:3] == "ida":
			r, c := int(name[3]-'0'), int(name[4]-'0')
			if c == 3 {
				c = 2 // ida's translation column is A's third
			}
			v = aug[3*r+c]
		case len(name) == 5 && name[:3] == "bda":
			if name[3] == name[4] {
				v = 1
			}
		case len(name) == 3 && name[0] == 'e':
			v = extr[4*int(name[1]-'0')+int(name[2]-'0')]
		}
		dst[i] = float32(v)
	}
}

// queryModel is a query-based detector (card family bev-query): images and
// lidar2img per camera in, a DETR box set out.
type queryModel struct {
	m                  *infer.Model
	img, l2i           string
	boxesOut, logitOut string
	n, ih, iw          int
	q, cols, k         int
	mean, std          [3]float32
	scale              float32
	bgr                bool
	resize             float64
	frame              string // the model's frame; "" for the node's base frame
	dec                *head.BoxSetDecoder
	classes            []string
	colours            [][3]uint8
	last               [][16]float64 // per camera: the lidar2img last fed (a placeholder's until calibrated)
}

// isQueryModel reports whether the card beside a model says family
// bev-query; a missing or broken card is left to the encoder's open to
// report.
func isQueryModel(path string) bool {
	c, err := infer.LoadCard(infer.CardPathFor(path))
	return err == nil && c.Family == infer.FamilyBEVQuery
}

func openQuery(path string, rt infer.Config, cams int, baseFrame string, log *slog.Logger) (*queryModel, error) {
	rt.ModelPath, rt.Logger, rt.Batch = path, log, cams
	m, err := infer.Open(rt)
	if err != nil {
		return nil, fmt.Errorf("bevfusion: query model: %w", err)
	}
	fail := func(format string, args ...any) (*queryModel, error) {
		m.Close()
		return nil, modelError(path, format, args...)
	}
	card := m.Card()
	g, bs := card.CameraGeometry, card.BoxSet // the card's validation made both present
	if g.Lidar2Img == "" {
		return fail("camera_geometry names no lidar2img: the node feeds query models lidar2img (intrinsics/extrinsics-only query models are not supported)")
	}
	for _, extra := range m.InputNames() {
		if extra != g.Images && extra != g.Lidar2Img {
			return fail("input %q is not one the node feeds (images %q and lidar2img %q; BEVFormer's prev_bev and can_bus are not supported)", extra, g.Images, g.Lidar2Img)
		}
	}
	qm := &queryModel{m: m, img: g.Images, l2i: g.Lidar2Img, boxesOut: bs.Boxes, logitOut: bs.Logits, resize: g.ImageAug.Resize}
	sh := m.InputShape(qm.img)
	if len(sh) == 5 {
		sh = sh[1:]
	}
	if len(sh) != 4 || int(sh[0]) != cams || sh[2] <= 0 || sh[3] <= 0 {
		return fail("input %s shape %v, want [%d,3,H,W] for %d cameras with a fixed image size", qm.img, m.InputShape(qm.img), cams, cams)
	}
	qm.n, qm.ih, qm.iw = int(sh[0]), int(sh[2]), int(sh[3])
	if ls := m.InputShape(qm.l2i); !slices.Equal(ls, []int64{int64(cams), 4, 4}) && !slices.Equal(ls, []int64{1, int64(cams), 4, 4}) {
		return fail("input %s shape %v, want [%d,4,4]", qm.l2i, ls, cams)
	}
	bsh, lsh := m.OutputShape(qm.boxesOut), m.OutputShape(qm.logitOut)
	qm.cols, qm.k = int(bsh[len(bsh)-1]), int(lsh[len(lsh)-1])
	qm.q = int(bsh[len(bsh)-2])
	if len(bsh) == 2 {
		qm.q = int(bsh[0])
	}
	if qm.q <= 0 {
		return fail("output %s shape %v: the query count must be fixed", qm.boxesOut, bsh)
	}
	qm.dec, err = head.NewBoxSetDecoder(head.BoxSetConfig{Columns: bs.Layout, NumClasses: qm.k, LogSize: bs.Size != "linear",
		Scores: bs.Scores, YawSign: bs.YawSign, YawOffset: bs.YawOffset})
	if err != nil {
		return fail("box_set: %v", err)
	}
	if g.Frame != "" && g.Frame != "base_frame" && g.Frame != baseFrame {
		qm.frame = g.Frame
	}
	qm.mean, qm.std, qm.scale, qm.bgr = imageNormalisation(card)
	k := qm.dec.Classes()
	qm.classes, qm.colours = make([]string, k), make([][3]uint8, k)
	for i := range k {
		qm.classes[i], qm.colours[i] = "class_"+strconv.Itoa(i), palette(i)
	}
	for _, c := range card.Classes {
		if c.ID >= 0 && c.ID < k {
			qm.classes[c.ID] = c.Name
			if len(c.Colour) == 3 {
				qm.colours[c.ID] = [3]uint8{c.Colour[0], c.Colour[1], c.Colour[2]}
			}
		}
	}
	for i := range cams {
		p := placeholder(i, qm.iw, qm.ih)
		qm.last = append(qm.last, lidar2img(p.Fx, p.Fy, p.Cx, p.Cy, [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, p.Extrinsic))
	}
	return qm, nil
}

// queryBranch runs the query model on this frame's images and decodes its
// box set into n.boxes: every unmasked camera's image resized and cropped as
// the card says, its lidar2img built from CameraInfo K, that augmentation
// and the camera's pose at its image stamp (n.extr, moved to the cloud's
// stamp like the lift's); a masked camera gets a zero image and the last
// lidar2img it had. Scores are thresholded (score_threshold) and the best
// top_k kept, with no NMS.
func (n *Node) queryBranch(p *pendingCloud, nMasked int) error {
	qm := n.query
	n.boxes = n.boxes[:0]
	if nMasked == len(n.cams) {
		n.fact("detections", "0 (every camera masked)")
		return nil
	}
	t0 := time.Now()
	var toBase tf.Transform
	var fromBase [16]float64
	if qm.frame != "" {
		// The model's frame at the cloud's stamp: cameras into it, boxes
		// out of it.
		var err error
		if toBase, err = n.env.TF.Lookup(n.cfg.BaseFrame, qm.frame, p.stamp); err != nil {
			return node.Dropf(DropTF, fmt.Errorf("bevfusion: query model frame %q at %d ns: %w", qm.frame, p.stamp, err))
		}
		fromBase = toBase.Inverse().ToMatrix()
	}
	img, l2i := qm.m.Input(qm.img), qm.m.Input(qm.l2i)
	plane := 3 * qm.ih * qm.iw
	for i, c := range n.cams {
		dst := img[i*plane : (i+1)*plane]
		if n.masked[i] {
			clear(dst)
		} else {
			c.preprocess(dst, qm.iw, qm.ih, qm.resize, qm.mean, qm.std, qm.scale, qm.bgr)
			e := n.extr[i]
			if qm.frame != "" {
				e = bev.Mul4(fromBase, e)
			}
			m := c.model
			qm.last[i] = lidar2img(m.Fx, m.Fy, m.Cx, m.Cy, c.aug, e)
		}
		for j, v := range qm.last[i] {
			l2i[16*i+j] = float32(v)
		}
	}
	n.stage("query_preprocess", t0)
	t1 := time.Now()
	if err := qm.m.Run(); err != nil {
		return node.Dropf(DropInference, fmt.Errorf("bevfusion: query model: %w", err))
	}
	n.stage("query_model", t1)
	t2 := time.Now()
	boxes, logits := qm.m.Output(qm.boxesOut), qm.m.Output(qm.logitOut)
	// [L,1,Q,C] holds every decoder layer's set: the last one is the answer.
	boxes, logits = boxes[len(boxes)-qm.q*qm.cols:], logits[len(logits)-qm.q*qm.k:]
	var err error
	if n.boxes, err = qm.dec.Decode(boxes, logits, qm.q, n.cfg.Head.ScoreThreshold, n.cfg.Head.TopK, n.boxes); err != nil {
		return node.Dropf(DropInference, fmt.Errorf("bevfusion: query model box set: %w", err))
	}
	if qm.frame != "" {
		m := toBase.ToMatrix()
		turn := math.Atan2(m[4], m[0])
		for i := range n.boxes {
			b := &n.boxes[i]
			b.X, b.Y, b.Z = m[0]*b.X+m[1]*b.Y+m[2]*b.Z+m[3], m[4]*b.X+m[5]*b.Y+m[6]*b.Z+m[7], m[8]*b.X+m[9]*b.Y+m[10]*b.Z+m[11]
			b.VX, b.VY = m[0]*b.VX+m[1]*b.VY, m[4]*b.VX+m[5]*b.VY
			b.Yaw += turn
		}
	}
	n.stage("decode_box_set", t2)
	n.number("detections", "%.0f (of %.0f queries, no NMS)", float64(len(n.boxes)), float64(qm.q))
	return nil
}

// detClasses returns the class names and colours of the model that gives
// the detections, and whether its boxes carry a velocity.
func (n *Node) detClasses() (names []string, colours [][3]uint8, vel bool) {
	switch {
	case n.query != nil:
		return n.query.classes, n.query.colours, n.query.dec.HasVelocity()
	case n.fus != nil:
		return n.fus.classes, n.fus.colours, n.fus.velOut != ""
	}
	return nil, nil, false
}
