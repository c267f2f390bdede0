package bevfusionnode

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"github.com/gopercept/gopercept/perception/bev/head"
	"github.com/gopercept/gopercept/perception/bev/pillar"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

func init() { node.Register("bevfusion", New) }

// Output topics, under the node's name (/<namespace>/bevfusion/detections
// for the node named bevfusion).
const (
	TopicDetections = "~/detections"
	TopicMarkers    = "~/markers"
	TopicOccupancy  = "~/occupancy"
	TopicBEVImage   = "~/bev_image"
	TopicIPM        = "~/ipm"
)

// Mask reasons, as they appear in the "camera.<name>" facts.
const (
	MaskNoInfo     = "no camera_info"
	MaskBadInfo    = "invalid camera_info"
	MaskMissing    = "missing"
	MaskOutOfSync  = "out of sync"
	MaskSizeDiffer = "size mismatch"
	MaskTF         = "tf"
	MaskDecode     = "decode"
)

// Facts of the frames fused with every camera (counts since start, and
// their ratio): a camera masked for any reason — out of sync, missing,
// calibration — leaves the frame out. Set when cameras are configured.
const (
	FactFramesFused      = "frames_fused"
	FactFramesAllCameras = "frames_all_cameras"
	FactAllCamerasShare  = "all_cameras_share"
)

// cameraQueue is how many unprocessed images (and camera_info messages) of
// each camera the live driver keeps while a cloud is fused, delivered in
// order (node.Topic.Queue): the images near the next cloud's stamp must
// reach the buffer, not be superseded by newer ones. The buffer keeps
// imagesPerCamera; the queue holds twice that, for a burst after a long
// frame.
const cameraQueue = 2 * imagesPerCamera

// staleReset is the number of consecutive stale clouds after which the node
// assumes time went backwards for good and starts afresh.
const staleReset = 3

// Drop reasons of clouds.
const (
	DropTF        = "tf"
	DropStale     = "stale"
	DropCloud     = "invalid cloud"
	DropOutOfSync = "cloud out of sync"
	DropInference = "inference"
	DropNoCamera  = "no usable camera"
)

type route struct {
	kind int // routeImage, routeInfo or routeCloud
	cam  int
}

const (
	routeImage = iota
	routeInfo
	routeCloud
)

// pendingCloud is a copy of the cloud waiting for its images.
type pendingCloud struct {
	stamp  int64
	frame  string
	layout pointcloud.Layout
	data   []byte
}

// Node is the bevfusion node. Handle is not safe for concurrent use; the
// drivers call it from one goroutine.
type Node struct {
	env     node.Env
	cfg     Config
	cams    []*camState
	routes  map[string]route
	dec     cdr.Decoder
	info    sensor_msgs.CameraInfo
	cloud   sensor_msgs.PointCloud2
	pending *pendingCloud // the frame waiting for its images
	// cameraOnly: no cloud_topic; the first camera keys the frames.
	cameraOnly bool
	spare      *pendingCloud
	last       int64 // stamp of the last processed cloud, ns
	fused      int64 // clouds fused and published
	fusedAll   int64 // of them, with every camera
	staleRun   int   // consecutive stale clouds
	lidar      *lidarBranch
	rig        []bev.Camera // per camera: last good calibration or a placeholder
	enc        *encoder
	fus        *fuser
	query      *queryModel // a query-based detector (bev-query) in encoder_model's place
	nms        *head.NMS
	lift       *lifter
	temp       *temporal
	ipm        *ipmView
	prepFn     func(lo, hi int) // preprocessCameras, bound once
	extr       [][16]float64    // base_link←camera of this frame's images
	still      [][16]float64    // the same before ego motion (at the image stamp)
	motion     [][16]float64    // per camera: the lift's ego motion, base_link at the cloud ← at the image
	stillRig   []bev.Camera     // rig at the still extrinsics, lifted once per calibration
	masked     []bool
	reasons    []string
	boxes      []head.Box
	occ        []int8
	out        outputs
	labels     map[string]string // marker label texts seen so far (labelText)
	labelBuf   []byte
}

// New builds the node from env's parameters and opens its models.
func New(env node.Env) (node.Node, error) {
	cfg, err := declare(env.Params, env.Root)
	if err != nil {
		return nil, err
	}
	n := &Node{env: env, cfg: cfg, routes: map[string]route{}}
	for i, name := range cfg.Cameras {
		label := env.Topic(name)
		c := &camState{name: name, label: label, imageTopic: name + "/image", infoTopic: name + "/camera_info", ring: rosconv.ImageRing{Size: imagesPerCamera},
			factState: "camera." + label, factMasked: "camera." + label + ".masked_frames", factMotion: "camera." + label + ".motion"}
		c.infoName = env.Topic(c.infoTopic)
		if cfg.CompressedImages {
			c.imageTopic += "/compressed"
		}
		n.cams = append(n.cams, c)
		n.routes[c.imageTopic] = route{routeImage, i}
		n.routes[c.infoTopic] = route{routeInfo, i}
	}
	// An empty cloud_topic is camera-only (LSS/BEVDet-style): the first
	// camera's images key the frames and the fuser's lidar input stays zero.
	n.cameraOnly = cfg.CloudTopic == ""
	if !n.cameraOnly {
		n.routes[cfg.CloudTopic] = route{kind: routeCloud}
	}
	n.extr = make([][16]float64, len(n.cams))
	n.still = make([][16]float64, len(n.cams))
	n.motion = make([][16]float64, len(n.cams))
	n.masked = make([]bool, len(n.cams))
	n.reasons = make([]string, len(n.cams))
	if n.nms, err = head.NewNMS(cfg.NMS); err != nil {
		return nil, fmt.Errorf("bevfusion: nms: %w", err)
	}
	if cfg.EncoderModel != "" {
		if len(n.cams) == 0 {
			return nil, paramErr("encoder_model", cfg.EncoderModel, "a camera encoder needs at least one camera")
		}
		if isQueryModel(cfg.EncoderModel) {
			// A query-based detector gives the detections itself.
			if cfg.FuserModel != "" {
				return nil, paramErr("fuser_model", cfg.FuserModel, "encoder_model is a bev-query detector, which takes no fuser: set fuser_model to empty")
			}
			if n.query, err = openQuery(cfg.EncoderModel, cfg.runtime(), len(n.cams), cfg.BaseFrame, env.Log); err != nil {
				return nil, err
			}
		} else if n.enc, err = openEncoderRT(cfg.EncoderModel, cfg.runtime(), len(n.cams), env.Log); err != nil {
			return nil, err
		}
	}
	if cfg.FuserModel != "" {
		if n.fus, err = openFuserRT(cfg.FuserModel, cfg.runtime(), cfg.Grid, cfg.ClassNames, cfg.Head, env.Log); err != nil {
			n.Close()
			return nil, err
		}
		if err := n.nms.CheckClasses(n.fus.k); err != nil {
			n.Close()
			return nil, fmt.Errorf("bevfusion: nms_radius (set nms_groups to the class→task map): %w", err)
		}
	}
	if n.cameraOnly && (len(n.cams) == 0 || (n.enc == nil && n.query == nil) || (n.enc != nil && (n.fus == nil || n.fus.cameraIn == ""))) {
		n.Close()
		return nil, paramErr("cloud_topic", "", "camera-only mode (no cloud topic) needs cameras, a camera encoder and a fuser that takes camera_bev, or a bev-query encoder_model")
	}
	if cfg.BuildEngineOnly {
		// The models opened above built and cached their engines.
		n.Close()
		return nil, fmt.Errorf("bevfusion: %w (encoder_model, fuser_model)", infer.ErrEngineBuilt)
	}
	layout := bev.LayoutYX
	if n.fus != nil {
		layout = n.fus.layout
	}
	if n.lidar, err = newLidarBranch(cfg.Grid, layout, cfg.ZMin, cfg.ZMax); err != nil {
		n.Close()
		return nil, fmt.Errorf("bevfusion: grid: %w", err)
	}
	if n.enc != nil {
		for i := range n.cams {
			n.rig = append(n.rig, placeholder(i, n.enc.iw, n.enc.ih))
			n.stillRig = append(n.stillRig, placeholder(i, n.enc.iw, n.enc.ih))
		}
	}
	pooling := "off: no camera encoder or the fuser takes no camera_bev"
	if n.enc != nil && n.fus != nil && n.fus.cameraIn != "" {
		if n.fus.cameraC != n.enc.c {
			n.Close()
			return nil, fmt.Errorf("bevfusion: %w: encoder gives %d feature channels, fuser camera_bev takes %d", ErrModel, n.enc.c, n.fus.cameraC)
		}
		e := n.enc
		if n.lift, err = newLifter(e, cfg.Grid, n.fus.layout, cfg.ZMin, cfg.ZMax, e.depthMin, e.depthMax, e.depthStep, e.c); err != nil {
			n.Close()
			return nil, err
		}
		pooling = "bev/lss interval reduction"
	}
	if cfg.IPM && len(n.cams) > 0 {
		if n.ipm, err = newIPMView(cfg.Grid, cfg.IPMGroundZ, cfg.IPMOrientation, len(n.cams)); err != nil {
			n.Close()
			return nil, err
		}
	}
	if n.fus != nil && n.fus.prevIn != "" {
		if n.temp, err = newTemporal(cfg.Grid, n.fus.layout, n.fus.cameraC, cfg.TemporalMaxGap); err != nil {
			n.Close()
			return nil, fmt.Errorf("bevfusion: grid: %w", err)
		}
	}
	if env.Stats != nil {
		env.Stats.Set("camera_pooling", pooling)
		mode := "fused: frames keyed on " + env.Topic(cfg.CloudTopic)
		if n.cameraOnly {
			mode = "camera-only: frames keyed on " + env.Topic(n.cams[0].imageTopic) + ", no lidar input"
		}
		env.Stats.Set("mode", mode)
	}
	n.checkFuserMode(cfg.FuserModel, env)
	return n, nil
}

// FactFuserModes is the /diagnostics fact saying whether the fuser runs in
// a mode its card says it was trained for.
const FactFuserModes = "fuser_modes"

// fuserMode is the mode the fuser runs in: which of its inputs get data.
func (n *Node) fuserMode() string {
	switch {
	case n.cameraOnly:
		return ModeCameraOnly
	case n.lift == nil:
		return ModeLidarOnly // no encoder or no camera_bev: camera_bev stays zero
	}
	return ModeFused
}

// checkFuserMode warns, once at start and on /diagnostics, when the fuser
// runs in a mode its card does not list: a camera-only fuser fed a lidar
// gives worse results than a pair trained with one, with nothing else to
// say so.
func (n *Node) checkFuserMode(path string, env node.Env) {
	if n.fus == nil || n.fus.modes == nil {
		return
	}
	mode := n.fuserMode()
	trained := strings.Join(n.fus.modes, ", ")
	if slices.Contains(n.fus.modes, mode) {
		if env.Stats != nil {
			env.Stats.Set(FactFuserModes, "running "+mode+"; trained for "+trained)
		}
		return
	}
	msg := "running " + mode + ", but " + filepath.Base(path) + " was trained for " + trained + " only — expect poorer results than a model trained for " + mode
	if env.Stats != nil {
		env.Stats.Set(FactFuserModes, msg)
	}
	if env.Log != nil {
		env.Log.Warn("bevfusion: the fuser runs in a mode it was not trained for: "+msg, "fuser_model", path)
	}
}

// Inputs lists the cloud and every camera's image and camera_info. The
// cloud triggers the work and is taken latest-only; the cameras' messages
// are queued (cameraQueue), as the node matches them to clouds by stamp.
// Camera-only, there is no cloud.
func (n *Node) Inputs() []node.Topic {
	var ts []node.Topic
	if !n.cameraOnly {
		ts = append(ts, node.Topic{Name: n.cfg.CloudTopic, Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData})
	}
	for _, c := range n.cams {
		typ := sensor_msgs.ImageTypeName
		if n.cfg.CompressedImages {
			typ = sensor_msgs.CompressedImageTypeName
		}
		ts = append(ts, node.Topic{Name: c.imageTopic, Type: typ, QoS: node.SensorData, Queue: cameraQueue},
			node.Topic{Name: c.infoTopic, Type: sensor_msgs.CameraInfoTypeName, QoS: node.SensorData, Queue: cameraQueue})
	}
	return ts
}

// Outputs lists the detections, markers, occupancy grid, BEV image and
// IPM image.
func (n *Node) Outputs() []node.Topic {
	return []node.Topic{
		{Name: TopicDetections, Type: vision_msgs.Detection3DArrayTypeName, QoS: node.Reliable},
		{Name: TopicMarkers, Type: visualization_msgs.MarkerArrayTypeName, QoS: node.Reliable},
		{Name: TopicOccupancy, Type: nav_msgs.OccupancyGridTypeName, QoS: node.Reliable},
		{Name: TopicBEVImage, Type: sensor_msgs.ImageTypeName, QoS: node.Reliable},
		{Name: TopicIPM, Type: sensor_msgs.ImageTypeName, QoS: node.Reliable},
	}
}

// Close releases the models.
func (n *Node) Close() error {
	var errs []error
	if n.enc != nil {
		errs = append(errs, n.enc.m.Close())
	}
	if n.fus != nil {
		errs = append(errs, n.fus.m.Close())
	}
	if n.query != nil {
		errs = append(errs, n.query.m.Close())
	}
	if n.lift != nil {
		n.lift.close()
	}
	return errors.Join(errs...)
}

// Handle buffers images and camera_info and fuses each cloud with its
// images, once they are in or max_wait has passed in stamp time.
func (n *Node) Handle(in *node.Msg, pub node.Publisher) error {
	r, ok := n.routes[in.Topic]
	if !ok {
		return node.Dropf("unknown topic", fmt.Errorf("bevfusion: %s", n.env.Topic(in.Topic)))
	}
	switch r.kind {
	case routeInfo:
		if err := n.dec.Decode(in.Data, &n.info); err != nil {
			return node.Dropf("decode", fmt.Errorf("bevfusion: %s: %w", n.env.Topic(in.Topic), err))
		}
		n.cams[r.cam].setInfo(&n.info)
		return nil
	case routeImage:
		c := n.cams[r.cam]
		var hdr *std_msgs.Header // the image's, for its stamp
		if n.cfg.CompressedImages {
			if err := n.dec.Decode(in.Data, &c.cimage); err != nil {
				return node.Dropf("decode", fmt.Errorf("bevfusion: %s: %w", n.env.Topic(in.Topic), err))
			}
			hdr = &c.cimage.Header
		} else {
			if err := n.dec.Decode(in.Data, &c.image); err != nil {
				return node.Dropf("decode", fmt.Errorf("bevfusion: %s: %w", n.env.Topic(in.Topic), err))
			}
			hdr = &c.image.Header
		}
		stamp := node.StampNS(hdr.Stamp)
		var p *pendingCloud
		if n.cameraOnly && r.cam == 0 {
			// The key camera's image starts a frame as a cloud does (before
			// it is buffered: a time reset empties the buffers).
			var err error
			if p, err = n.beginFrame(in.Topic, stamp, pub); err != nil {
				return err
			}
			p.frame, p.data = "", p.data[:0]
		}
		// The ring copies the pixels; the message's data aliases the input
		// buffer, which the driver reuses, so the alias is dropped here.
		if n.cfg.CompressedImages {
			c.ring.PushCompressed(&c.cimage)
			c.cimage.Data = nil
		} else {
			c.ring.PushImage(&c.image)
			c.image.Data = nil
		}
		if p != nil {
			return n.endFrame(p, pub)
		}
		n.flushDeferred(stamp, pub)
		return nil
	}
	if err := n.dec.Decode(in.Data, &n.cloud); err != nil {
		return node.Dropf("decode", fmt.Errorf("bevfusion: %s: %w", n.env.Topic(in.Topic), err))
	}
	m := &n.cloud
	p, err := n.beginFrame(in.Topic, node.StampNS(m.Header.Stamp), pub)
	if err != nil {
		return err
	}
	p.frame = m.Header.FrameID
	p.layout = rosconv.Layout(m, p.layout.Fields)
	p.data = append(p.data[:0], m.Data...)
	return n.endFrame(p, pub)
}

// beginFrame starts the frame of a message at t ns that keys the output
// (a cloud, or camera-only the key camera's image): it drops a stale one,
// ends the wait of the pending frame and returns the slot to fill.
func (n *Node) beginFrame(topic string, t int64, pub node.Publisher) (*pendingCloud, error) {
	if n.last != 0 && t <= n.last {
		n.staleRun++
		if n.staleRun < staleReset {
			return nil, node.Dropf(DropStale, fmt.Errorf("bevfusion: %s at %d ns, last processed %d ns: %w", n.env.Topic(topic), t, n.last, ErrStale))
		}
		// Time went backwards for good (a bag looped, simulated time
		// restarted, or one bogus future stamp): start afresh.
		n.fact("time_reset", fmt.Sprintf("time went back from %d ns to %d ns", n.last, t))
		n.last, n.pending = 0, nil
		for _, c := range n.cams {
			c.ring.Reset()
		}
		if n.temp != nil {
			n.temp.prevNS = 0
		}
	}
	n.staleRun = 0
	// A newer cloud ends the wait of the pending one.
	if n.pending != nil {
		n.flush(pub, true)
	}
	p := n.spare
	if p == nil {
		p = &pendingCloud{}
	}
	n.spare = nil
	p.stamp = t
	return p, nil
}

// endFrame makes p the pending frame and fuses it if its images are in.
func (n *Node) endFrame(p *pendingCloud, pub node.Publisher) error {
	n.pending = p
	if n.ready(p.stamp) {
		return n.flush(pub, false)
	}
	return nil
}

// ready reports whether the pending cloud can be fused now: every camera
// with a usable CameraInfo that is not silent (an image within
// cloud_sync_limit before the cloud) has an image within sync_tolerance, or
// now (a stamp, ns) is max_wait past the cloud.
func (n *Node) ready(now int64) bool {
	p := n.pending
	if p == nil {
		return false
	}
	if now-p.stamp > int64(n.cfg.MaxWait*1e9) {
		return true
	}
	tol := int64(n.cfg.SyncTolerance * 1e9)
	silent := int64(n.cfg.CloudSyncLimit * 1e9)
	for _, c := range n.cams {
		if c.model == nil {
			continue
		}
		// A camera silent for longer than cloud_sync_limit is not waited
		// for: it will be masked as missing or out of sync.
		if last := c.ring.Newest(); last == nil || last.Stamp < p.stamp-silent {
			continue
		}
		if b, d := c.ring.Nearest(p.stamp); b == nil || d > tol {
			return false
		}
	}
	return true
}

// flushDeferred fuses the pending cloud when a later message makes it
// ready; its drop, if any, is counted in Stats since no Handle returns it.
func (n *Node) flushDeferred(now int64, pub node.Publisher) {
	if n.ready(now) {
		n.flush(pub, true)
	}
}

// flush fuses the pending cloud. Deferred drops go to Stats directly.
func (n *Node) flush(pub node.Publisher, deferred bool) error {
	p := n.pending
	n.pending = nil
	err := n.process(p, pub)
	n.spare = p
	if err != nil && deferred {
		if n.env.Stats != nil {
			n.env.Stats.Drop(node.DropReason(err), err)
		}
		if n.env.Log != nil {
			n.env.Log.Warn("bevfusion: cloud dropped", "reason", node.DropReason(err), "err", err)
		}
		return nil
	}
	return err
}

func (n *Node) stage(name string, t0 time.Time) {
	if n.env.Stats != nil {
		n.env.Stats.Stage(name, time.Since(t0))
	}
}

func (n *Node) fact(k, v string) {
	if n.env.Stats != nil {
		n.env.Stats.Set(k, v)
	}
}

// number records a fact of numbers for /diagnostics, formatted only when
// the diagnostics are read (node.Stats.SetNumbers).
func (n *Node) number(k, format string, args ...float64) {
	if n.env.Stats != nil {
		n.env.Stats.SetNumbers(k, format, args...)
	}
}

// process fuses one cloud with the cameras' images and publishes, as a
// straight line of named stages, each timed into the node's stats.
func (n *Node) process(p *pendingCloud, pub node.Publisher) error {
	t0 := time.Now()
	var toBase tf.Transform
	var acc pointcloud.XYZI
	if !n.cameraOnly {
		var err error
		if toBase, acc, err = n.cloudInBase(p); err != nil {
			return err
		}
	}
	nMasked, err := n.syncCameras(p)
	if err != nil {
		return err
	}
	n.stage("sync", t0)
	if n.cameraOnly {
		if nMasked == len(n.cams) {
			return node.Dropf(DropNoCamera, fmt.Errorf("bevfusion: camera-only frame at %d ns: every camera masked (camera.* facts say why)", p.stamp))
		}
	} else if err := n.lidarBranch(p, acc, toBase); err != nil {
		return err
	}
	camBEV, err := n.cameraBranch(nMasked)
	if err != nil {
		return err
	}
	if err := n.fuseAndDecode(p, camBEV); err != nil {
		return err
	}
	if n.query != nil {
		if err := n.queryBranch(p, nMasked); err != nil {
			return err
		}
	}
	n.last = p.stamp
	n.countFused(nMasked)
	t6 := time.Now()
	err = n.publish(p.stamp, pub)
	n.stage("publish", t6)
	n.stage("total", t0)
	return err
}

// cloudInBase looks up the cloud's pose in the base frame at its stamp and
// checks its layout.
func (n *Node) cloudInBase(p *pendingCloud) (tf.Transform, pointcloud.XYZI, error) {
	cfg := &n.cfg
	toBase, err := n.env.TF.Lookup(cfg.BaseFrame, p.frame, p.stamp)
	if err != nil {
		return tf.Transform{}, pointcloud.XYZI{}, node.Dropf(DropTF, fmt.Errorf("bevfusion: cloud frame %q at %d ns: %w", p.frame, p.stamp, err))
	}
	acc, err := p.layout.Lidar(len(p.data), pointcloud.DefaultMaxPoints)
	if err != nil {
		return tf.Transform{}, pointcloud.XYZI{}, node.Dropf(DropCloud, fmt.Errorf("bevfusion: %s: %w", n.env.Topic(cfg.CloudTopic), err))
	}
	return toBase, acc, nil
}

// syncCameras matches each camera's image to the cloud, masks the cameras
// that cannot take part (with the reason, logged when it changes) and
// returns how many are masked. A cloud far from every image is dropped.
func (n *Node) syncCameras(p *pendingCloud) (nMasked int, err error) {
	cfg := &n.cfg
	limit := int64(cfg.CloudSyncLimit * 1e9)
	anyImage, anyNear := false, false
	for i, c := range n.cams {
		b, d := c.ring.Nearest(p.stamp)
		if b != nil {
			anyImage = true
			if d <= limit {
				anyNear = true
			}
		}
		n.reasons[i] = n.matchCamera(i, c, b, d, p)
		n.masked[i] = n.reasons[i] != ""
		if n.ipm != nil {
			n.ipm.images[i] = nil
			if !n.masked[i] {
				n.ipm.images[i] = &c.rgb
			}
		}
	}
	if len(n.cams) > 0 && anyImage && !anyNear {
		return 0, node.Dropf(DropOutOfSync, fmt.Errorf("bevfusion: cloud at %d ns is more than %g s from every camera image: %w", p.stamp, cfg.CloudSyncLimit, ErrOutOfSync))
	}
	for i, c := range n.cams {
		if n.reasons[i] != c.lastReason && n.env.Log != nil {
			if n.masked[i] {
				n.env.Log.Warn("bevfusion: camera masked", "camera", c.label, "reason", n.reasons[i])
			} else {
				n.env.Log.Info("bevfusion: camera back", "camera", c.label)
			}
		}
		if n.masked[i] {
			nMasked++
			c.maskedFrames++
			if n.reasons[i] != c.lastReason || c.maskedFact == "" {
				c.maskedFact = "masked: " + n.reasons[i]
			}
			n.fact(c.factState, c.maskedFact)
			n.number(c.factMasked, "%.0f", float64(c.maskedFrames))
		} else {
			n.fact(c.factState, "ok")
		}
		c.lastReason = n.reasons[i]
	}
	n.number("cameras_masked", "%.0f", float64(nMasked))
	return nMasked, nil
}

// matchCamera places camera i for this cloud with its nearest image b (d ns
// away): the extrinsic at the image stamp moved by the ego motion to the
// cloud's stamp, the pixels decoded when something uses them. It returns
// why the camera is masked, or "" when it takes part.
func (n *Node) matchCamera(i int, c *camState, b *rosconv.BufferedImage, d int64, p *pendingCloud) string {
	cfg := &n.cfg
	switch {
	case c.infoErr != nil:
		return MaskBadInfo + ": " + c.infoErr.Error()
	case c.model == nil:
		return MaskNoInfo
	case b == nil:
		return MaskMissing
	case d > int64(cfg.SyncTolerance*1e9):
		return fmt.Sprintf("%s: %.0f ms from the cloud", MaskOutOfSync, float64(d)/1e6)
	case !b.Compressed && (b.Width != c.infoW || b.Height != c.infoH):
		return fmt.Sprintf("%s: image %d×%d, camera_info %d×%d", MaskSizeDiffer, b.Width, b.Height, c.infoW, c.infoH)
	}
	ext, err := n.env.TF.Lookup(cfg.BaseFrame, b.Frame, b.Stamp)
	if err != nil {
		return MaskTF + ": " + err.Error()
	}
	// The lift and the IPM place the camera by its extrinsic at the image
	// stamp, moved by the ego motion to the cloud's stamp snapped to a fixed
	// lattice (1 cm for the lift, 5 cm for the IPM): a pose a function of
	// this frame's stamps and TF alone, whatever frames came before, that
	// still keeps the geometry from being rebuilt for odometry noise.
	lift, view := ext, ext
	n.motion[i] = [16]float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	if cfg.MotionCompensation && b.Stamp != p.stamp {
		// The camera's pose at its image stamp in base_link at the cloud's
		// stamp, the world assumed still in odom.
		if comp, err := n.env.TF.LookupFull(cfg.BaseFrame, p.stamp, b.Frame, b.Stamp, cfg.OdomFrame); err == nil {
			motion := comp.Compose(ext.Inverse()) // base_link at the cloud ← base_link at the image
			lm := snapMotion(motion, liftSnapT, liftSnapR)
			lift, n.motion[i] = lm.Compose(ext), lm.ToMatrix()
			view = snapMotion(motion, ipmSnapT, ipmSnapR).Compose(ext)
			n.fact(c.factMotion, "compensated")
		} else {
			n.fact(c.factMotion, "uncompensated: "+err.Error())
		}
	}
	n.extr[i], n.still[i] = lift.ToMatrix(), ext.ToMatrix()
	// Pixels are decoded only when something uses them.
	if n.enc != nil || n.ipm != nil || n.query != nil {
		if err := c.decode(b); err != nil {
			return MaskDecode + ": " + err.Error()
		}
		if c.rgb.Width != c.infoW || c.rgb.Height != c.infoH {
			return fmt.Sprintf("%s: image %d×%d, camera_info %d×%d", MaskSizeDiffer, c.rgb.Width, c.rgb.Height, c.infoW, c.infoH)
		}
	}
	if n.ipm != nil {
		// The IPM lookup is rebuilt when its rig changes, which the 5 cm
		// lattice of view keeps from happening every frame.
		n.ipm.rig[i] = c.bevCamera(view.ToMatrix(), [9]float64{})
	}
	return ""
}

// lidarBranch moves the points to the base frame (de-skewed to the stamp
// when they carry times and odom TF allows) and bins them into pillars.
func (n *Node) lidarBranch(p *pendingCloud, acc pointcloud.XYZI, toBase tf.Transform) error {
	t3 := time.Now()
	cfg := &n.cfg
	hasTime := n.lidar.extract(acc, p.data, p.layout.NumPoints(), cfg.PointTimeScale, cfg.PointTimeAbsolute, float64(p.stamp)/1e9)
	switch {
	case !hasTime:
		n.fact("deskew", "off: the cloud has no per-point time")
	case !cfg.Deskew:
		n.fact("deskew", "off: parameter deskew is false")
	default:
		motion := func(t float64) (tf.Transform, error) {
			return n.env.TF.LookupFull(p.frame, p.stamp, p.frame, p.stamp+int64(math.Round(t*1e9)), cfg.OdomFrame)
		}
		if err := n.lidar.deskew.Deskew(n.lidar.x, n.lidar.y, n.lidar.z, n.lidar.t, motion, 0); err != nil {
			n.fact("deskew", "failed, points left as measured: "+err.Error())
		} else {
			n.fact("deskew", "ok")
		}
	}
	n.lidar.transform(toBase.ToMatrix())
	binned, err := n.lidar.run()
	if err != nil {
		return node.Dropf(DropCloud, fmt.Errorf("bevfusion: pillars: %w", err))
	}
	n.stage("pillars", t3)
	n.number("points_binned", "%.0f", float64(binned))
	return nil
}

// preprocessCameras writes cameras [lo, hi)'s images into the encoder's
// input; cameraBranch runs it on both cores.
func (n *Node) preprocessCameras(lo, hi int) {
	img := n.enc.m.Input(n.enc.img)
	plane := 3 * n.enc.ih * n.enc.iw
	for i := lo; i < hi; i++ {
		dst := img[i*plane : (i+1)*plane]
		if n.masked[i] {
			clear(dst)
			continue
		}
		n.cams[i].preprocess(dst, n.enc.iw, n.enc.ih, n.enc.resize, n.enc.mean, n.enc.std, n.enc.scale, n.enc.bgr)
	}
}

// cameraBranch runs the camera encoder on the unmasked cameras and lifts
// its features to BEV; it reports whether the fuser's camera input holds
// this frame's features.
func (n *Node) cameraBranch(nMasked int) (camBEV bool, err error) {
	if n.enc == nil || nMasked == len(n.cams) {
		return false, nil
	}
	t1 := time.Now()
	if n.prepFn == nil {
		n.prepFn = n.preprocessCameras
	}
	n.enc.par.For(len(n.cams), 1, n.prepFn)
	for i, c := range n.cams {
		if n.masked[i] {
			continue
		}
		n.rig[i] = c.bevCamera(n.extr[i], c.aug)
		if e := n.enc; e.mlpIn != "" {
			k, m := len(e.mlpLayout), c.model
			mlpInput(e.m.Input(e.mlpIn)[i*k:(i+1)*k], e.mlpLayout, m.Fx, m.Fy, m.Cx, m.Cy, c.aug, n.extr[i])
		}
		n.stillRig[i] = c.bevCamera(n.still[i], c.aug)
	}
	if n.enc.depthIn != "" {
		n.sparseDepth()
	}
	n.stage("camera_preprocess", t1)
	t2 := time.Now()
	if err := n.enc.m.Run(); err != nil {
		return false, node.Dropf(DropInference, fmt.Errorf("bevfusion: camera encoder: %w", err))
	}
	n.enc.finish(n.masked)
	n.stage("camera_encoder", t2)
	if n.lift != nil {
		camBEV = n.liftToBEV()
	}
	return camBEV, nil
}

// fuseAndDecode runs the fuser on the lidar and camera BEV (and the
// previous frame's, warped by ego motion, for a temporal fuser), decodes
// its heads and suppresses duplicates.
func (n *Node) fuseAndDecode(p *pendingCloud, camBEV bool) error {
	n.boxes = n.boxes[:0]
	if n.fus == nil {
		return nil
	}
	cfg := &n.cfg
	t4 := time.Now()
	if n.fus.lidarIn != "" {
		if n.cameraOnly {
			clear(n.fus.m.Input(n.fus.lidarIn)) // no lidar: the fuser was trained to read zeros
		} else {
			copy(n.fus.m.Input(n.fus.lidarIn), n.lidar.planes)
		}
	}
	if n.fus.cameraIn != "" && !camBEV {
		clear(n.fus.m.Input(n.fus.cameraIn))
	}
	if n.temp != nil {
		tw := time.Now()
		pose, poseErr := n.env.TF.Lookup(cfg.OdomFrame, cfg.BaseFrame, p.stamp)
		cur := n.fus.m.Input(n.fus.cameraIn)
		n.fact("temporal", n.temp.fill(n.fus.m.Input(n.fus.prevIn), cur, pose, poseErr, p.stamp))
		n.temp.keep(cur, pose, poseErr, p.stamp)
		n.stage("temporal_warp", tw)
	}
	if err := n.fus.m.Run(); err != nil {
		return node.Dropf(DropInference, fmt.Errorf("bevfusion: fuser: %w", err))
	}
	n.stage("fuser", t4)
	t5 := time.Now()
	var err error
	if n.boxes, err = n.fus.decode(n.boxes); err != nil {
		return node.Dropf(DropInference, fmt.Errorf("bevfusion: decode: %w", err))
	}
	candidates := len(n.boxes)
	n.boxes = n.nms.Apply(n.boxes)
	n.stage("decode_nms", t5)
	n.number("detections", "%.0f (of %.0f peaks)", float64(len(n.boxes)), float64(candidates))
	return nil
}

// countFused keeps the share of frames fused with every camera.
func (n *Node) countFused(nMasked int) {
	if len(n.cams) == 0 {
		return
	}
	n.fused++
	if nMasked == 0 {
		n.fusedAll++
	}
	n.number(FactFramesFused, "%.0f", float64(n.fused))
	n.number(FactFramesAllCameras, "%.0f", float64(n.fusedAll))
	n.number(FactAllCamerasShare, "%.3f", float64(n.fusedAll)/float64(n.fused))
}

// liftToBEV pools this frame's camera features into the fuser's camera_bev
// input with bev/lss, rebuilding the geometry when the calibration changed.
// It reports whether camera_bev holds this frame's features; on failure the
// reason goes to the facts and the frame goes on without cameras.
func (n *Node) liftToBEV() bool {
	t0 := time.Now()
	rebuilt, err := n.lift.ensure(n.stillRig, n.motion)
	if err != nil {
		n.fact("camera_pooling", "failed: "+err.Error())
		return false
	}
	if rebuilt {
		n.stage("lss_geometry", t0)
		n.fact("lss_geometry_builds", strconv.Itoa(n.lift.rebuilt))
		n.fact("lss_points_kept", strconv.Itoa(n.lift.geom.Kept()))
	}
	t1 := time.Now()
	if err := n.lift.pooler.Pool(n.enc.prob, n.enc.m.Output(n.enc.featOut), n.fus.m.Input(n.fus.cameraIn)); err != nil {
		n.fact("camera_pooling", "failed: "+err.Error())
		return false
	}
	n.stage("lss_pool", t1)
	return true
}

// sparseDepth writes the encoder's depth input: the base_link lidar points
// projected into each camera's network input (bev/pillar.DepthImage), zero
// for masked cameras.
func (n *Node) sparseDepth() {
	t0 := time.Now()
	e := n.enc
	dst := e.m.Input(e.depthIn)
	if err := pillar.DepthImage(n.lidar.x, n.lidar.y, n.lidar.z, n.rig, e.iw, e.ih, dst); err != nil {
		clear(dst)
		n.fact("sparse_depth", "failed: "+err.Error())
		return
	}
	plane := e.iw * e.ih
	for i, m := range n.masked {
		if m {
			clear(dst[i*plane : (i+1)*plane])
		}
	}
	n.stage("sparse_depth", t0)
}

// Lattices of snapMotion: translation in metres, quaternion vector part
// (about half the rotation angle in radians). The lift's 1 cm and 5e-5
// (under 1e-4 rad) leave the lifted points within a fraction of a feature
// cell; the IPM's 5 cm and 2.5e-4 (under 5e-4 rad, 2.5 cm at 50 m) within
// a fraction of a 0.4 m cell.
const (
	liftSnapT, liftSnapR = 0.01, 5e-5
	ipmSnapT, ipmSnapR   = 0.05, 2.5e-4
)

// snapMotion rounds a rigid motion to a fixed lattice: each translation
// component to a multiple of stepT, each component of the quaternion's
// vector part (w ≥ 0) to a multiple of stepR, w restored to a unit
// quaternion. The result depends on m alone, never on earlier frames (a
// hysteresis against the previous pose made outputs depend on which frames
// a node happened to process), and a motion within half a step of none is
// exactly the identity.
func snapMotion(m tf.Transform, stepT, stepR float64) tf.Transform {
	q := m.Rotation
	if q.Real < 0 {
		q = quat.Scale(-1, q)
	}
	snap := func(v, step float64) float64 { return math.Round(v/step) * step }
	x, y, z := snap(q.Imag, stepR), snap(q.Jmag, stepR), snap(q.Kmag, stepR)
	w := math.Sqrt(max(0, 1-x*x-y*y-z*z))
	return tf.Transform{
		Translation: r3.Vec{X: snap(m.Translation.X, stepT), Y: snap(m.Translation.Y, stepT), Z: snap(m.Translation.Z, stepT)},
		Rotation:    quat.Number{Real: w, Imag: x, Jmag: y, Kmag: z},
	}
}
