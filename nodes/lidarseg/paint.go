package lidarsegnode

import (
	"fmt"
	"strconv"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// Camera painting: for a model card with paint, the node subscribes to
// each camera's image and camera_info, keeps the last few images, and
// paints every cloud with the image of each camera nearest its stamp.

// imagesPerCamera is how many recent images of each painting camera are
// kept for matching; paintQueue is the live driver's queue of unprocessed
// images and camera_info per camera (node.Topic.Queue): the images near
// the next cloud's stamp must reach the buffer, not be superseded.
const (
	imagesPerCamera = 4
	paintQueue      = 2 * imagesPerCamera
)

// silentAfter is how far (ns) behind a cloud a camera's newest image may
// be before the cloud stops waiting for that camera.
const silentAfter = int64(500e6)

// Facts of the painting on /diagnostics (counts since start).
const (
	FactPaintFrames    = "paint.frames"         // clouds painted with every camera
	FactPaintPartial   = "paint.frames_partial" // with some cameras
	FactPaintUnpainted = "paint.frames_none"    // with none: valid 0 everywhere
	FactPaintShare     = "paint.painted_share"  // painted pixels / pixels with a point, last cloud
)

// PaintConfig is the node's painting parameters.
type PaintConfig struct {
	// Cameras are the cameras' namespaces (<name>/image, <name>/camera_info);
	// empty takes cameras/<name> for each camera of the card.
	Cameras []string
	// SyncTolerance is how far (s) an image's stamp may be from the
	// cloud's to paint it.
	SyncTolerance float64
	// MaxWait is how long (s, stamp time) a cloud waits for images newer
	// than its stamp before it is painted with what has arrived.
	MaxWait float64
	// FixedFrame is the frame assumed still between the image's and the
	// cloud's stamps (TF's time travel).
	FixedFrame string
}

func declarePaint(ps *param.Set, bad func(name string, value any, format string, args ...any)) PaintConfig {
	var c PaintConfig
	c.Cameras = ps.Strings("paint.cameras", nil, "For a model card with paint: the cameras' namespaces, each read as <name>/image and <name>/camera_info (relative: in the node's namespace); empty takes cameras/<name> for each camera the card names.")
	c.SyncTolerance = ps.Float("paint.sync_tolerance", 0.05, "Largest distance in seconds between a cloud's stamp and the image that paints it; a camera without one leaves its points unpainted (valid 0).")
	c.MaxWait = ps.Float("paint.max_wait", 0.2, "How long in seconds (of message stamps) a cloud waits for images newer than its own stamp before it is painted with those that arrived.")
	c.FixedFrame = ps.String("paint.fixed_frame", "odom", "Frame taken as still between the image's and the cloud's stamps, for the camera←lidar lookup through TF.")
	if !(c.SyncTolerance >= 0) || c.SyncTolerance > 10 {
		bad("paint.sync_tolerance", c.SyncTolerance, "want 0 to 10 s")
	}
	if !(c.MaxWait >= 0) || c.MaxWait > 10 {
		bad("paint.max_wait", c.MaxWait, "want 0 to 10 s")
	}
	for i, n := range c.Cameras {
		if n == "" {
			bad(fmt.Sprintf("paint.cameras[%d]", i), n, "empty")
		}
	}
	return c
}

// paintCam is everything the node keeps about one painting camera.
type paintCam struct {
	label      string // namespace resolved as a topic, for facts
	imageTopic string
	infoTopic  string
	model      *camera.Model // from the latest valid CameraInfo
	infoErr    error
	infoW      int
	infoH      int
	ring       rosconv.ImageRing // the newest imagesPerCamera images
	rgb        imageconv.RGB
	missing    int64  // clouds the camera did not paint
	lastReason string // why it did not paint the last cloud ("" painted)
}

func (c *paintCam) setInfo(ci *sensor_msgs.CameraInfo) {
	if rosconv.SameCalibration(c.model, ci) {
		return
	}
	c.infoW, c.infoH = int(ci.Width), int(ci.Height)
	m, err := rosconv.CameraModel(ci)
	if err != nil {
		c.model, c.infoErr = nil, err
		return
	}
	c.model, c.infoErr = m, nil
}

// painting is the node's camera painting state.
type painting struct {
	cfg     PaintConfig
	cams    []*paintCam
	routes  map[string]int // image topic → camera; info topics → −1 − camera
	painter *lidarseg.Painter
	pcs     []lidarseg.PaintCamera
	image   sensor_msgs.Image
	info    sensor_msgs.CameraInfo
	// A cloud waiting for images newer than its stamp.
	pending      []byte
	pendingTopic string
	pendingStamp int64
	hasPending   bool
	// Counts behind the facts.
	all, partial, none int64
}

// newPainting sets up the cameras of cfg, or of the card when cfg names
// none.
func newPainting(cfg PaintConfig, card []string, channels []string, mean, std []float32, env node.Env) (*painting, error) {
	names := cfg.Cameras
	if len(names) == 0 {
		for _, c := range card {
			names = append(names, "cameras/"+c)
		}
	}
	pcfg := lidarseg.PaintConfig{Channels: channels}
	if len(mean) > 0 {
		pcfg.Means, pcfg.Stds = mean, std
	}
	p := &painting{cfg: cfg, routes: map[string]int{}}
	var err error
	if p.painter, err = lidarseg.NewPainter(pcfg); err != nil {
		return nil, fmt.Errorf("lidarseg node: paint: %w", err)
	}
	for i, name := range names {
		// lastReason differs from every reason and from "" (painted), so
		// the first cloud sets the camera's fact.
		c := &paintCam{label: env.Topic(name), imageTopic: name + "/image", infoTopic: name + "/camera_info", lastReason: "waiting for images", ring: rosconv.ImageRing{Size: imagesPerCamera}}
		if _, dup := p.routes[c.imageTopic]; dup {
			return nil, paramErr("paint.cameras", name, "repeated")
		}
		p.cams = append(p.cams, c)
		p.routes[c.imageTopic] = i
		p.routes[c.infoTopic] = -1 - i
	}
	p.pcs = make([]lidarseg.PaintCamera, len(p.cams))
	return p, nil
}

// topics lists the cameras' inputs, queued (they are matched by stamp).
func (p *painting) topics() []node.Topic {
	var ts []node.Topic
	for _, c := range p.cams {
		ts = append(ts, node.Topic{Name: c.imageTopic, Type: sensor_msgs.ImageTypeName, QoS: node.SensorData, Queue: paintQueue},
			node.Topic{Name: c.infoTopic, Type: sensor_msgs.CameraInfoTypeName, QoS: node.SensorData, Queue: paintQueue})
	}
	return ts
}

// ready reports whether a cloud at stamp t can be painted when a message
// stamped now arrives: every calibrated camera that is not silent has an
// image at or after t (so no later image can be nearer), or max_wait has
// passed.
func (p *painting) ready(t, now int64) bool {
	if now-t > int64(p.cfg.MaxWait*1e9) {
		return true
	}
	for _, c := range p.cams {
		newest := c.ring.Newest()
		if c.model == nil || newest == nil {
			continue
		}
		if last := newest.Stamp; last < t && last >= t-silentAfter {
			return false
		}
	}
	return true
}

// handle buffers an image or camera_info; it reports false for other
// topics.
func (n *Node) handlePaintInput(in *node.Msg, pub node.Publisher) (bool, error) {
	p := n.paint
	r, ok := p.routes[in.Topic]
	if !ok {
		return false, nil
	}
	if r < 0 {
		if err := n.dec.Decode(in.Data, &p.info); err != nil {
			return true, node.Dropf("decode", fmt.Errorf("%s: %w", n.topic(in.Topic), err))
		}
		p.cams[-1-r].setInfo(&p.info)
		return true, nil
	}
	if err := n.dec.Decode(in.Data, &p.image); err != nil {
		return true, node.Dropf("decode", fmt.Errorf("%s: %w", n.topic(in.Topic), err))
	}
	b := p.cams[r].ring.PushImage(&p.image)
	if p.hasPending && p.ready(p.pendingStamp, b.Stamp) {
		n.flushPending(pub)
	}
	return true, nil
}

// flushPending labels the waiting cloud; its drop, if any, is counted in
// Stats since no Handle returns it.
func (n *Node) flushPending(pub node.Publisher) {
	p := n.paint
	p.hasPending = false
	if err := n.label(p.pending, p.pendingTopic, pub); err != nil {
		n.stats.Drop(node.DropReason(err), err)
	}
}

// paintFrame fills the paint channels of the model input for the cloud
// just projected: each camera's image nearest the cloud's stamp within
// sync_tolerance, camera←cloud from TF at the two stamps through
// fixed_frame. A camera without one paints nothing this frame, and says
// why on /diagnostics.
func (n *Node) paintFrame(proj *lidarseg.Projection, cloud lidarseg.Cloud) error {
	p := n.paint
	t := node.StampNS(n.msg.Header.Stamp)
	tol := int64(p.cfg.SyncTolerance * 1e9)
	used := 0
	for i, c := range p.cams {
		p.pcs[i] = lidarseg.PaintCamera{}
		reason := ""
		b, d := c.ring.Nearest(t)
		switch {
		case c.infoErr != nil:
			reason = "invalid camera_info: " + c.infoErr.Error()
		case c.model == nil:
			reason = "no camera_info"
		case b == nil:
			reason = "no image"
		case d > tol:
			reason = fmt.Sprintf("nearest image %.0f ms from the cloud", float64(d)/1e6)
		default:
			tr, err := n.tf.LookupFull(b.Frame, b.Stamp, n.msg.Header.FrameID, t, p.cfg.FixedFrame)
			if err != nil {
				reason = "tf: " + err.Error()
				break
			}
			if err := b.Decode(&c.rgb); err != nil {
				reason = "decode: " + err.Error()
				break
			}
			if c.rgb.Width != c.infoW || c.rgb.Height != c.infoH {
				reason = fmt.Sprintf("image %d×%d, camera_info %d×%d", c.rgb.Width, c.rgb.Height, c.infoW, c.infoH)
				break
			}
			p.pcs[i] = lidarseg.PaintCamera{Model: c.model, FromSensor: tr.ToMatrix(), RGB: c.rgb.Pix}
			used++
		}
		if reason != "" {
			c.missing++
			n.stats.Set("paint."+c.label+".missing_frames", strconv.FormatInt(c.missing, 10))
		}
		if reason != c.lastReason {
			if reason == "" {
				n.stats.Set("paint."+c.label, "ok")
			} else {
				n.stats.Set("paint."+c.label, "not painting: "+reason)
			}
			c.lastReason = reason
		}
	}
	plane := proj.Height * proj.Width
	in := n.model.input()
	painted, err := p.painter.Paint(in[lidarseg.Channels*plane:], proj, cloud, p.pcs)
	if err != nil {
		return err
	}
	switch used {
	case len(p.cams):
		p.all++
		n.stats.Set(FactPaintFrames, strconv.FormatInt(p.all, 10))
	case 0:
		p.none++
		n.stats.Set(FactPaintUnpainted, strconv.FormatInt(p.none, 10))
	default:
		p.partial++
		n.stats.Set(FactPaintPartial, strconv.FormatInt(p.partial, 10))
	}
	shown := 0
	for _, m := range proj.Mask {
		shown += int(m)
	}
	n.stats.Set(FactPaintShare, strconv.FormatFloat(float64(painted)/float64(max(shown, 1)), 'f', 3, 64))
	return nil
}
