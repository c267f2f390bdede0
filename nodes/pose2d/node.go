package pose2dnode

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/lift"
	"github.com/gopercept/gopercept/perception/pose/plausible"
	"github.com/gopercept/gopercept/perception/pose/track"
	"gonum.org/v1/gonum/spatial/r3"
)

func init() { node.Register("pose2d", New) }

// depthFrame is one received depth image.
type depthFrame struct {
	stamp int64
	frame string
	img   imageconv.Depth
}

// depthRing is how many recent depth images are kept for pairing.
const depthRing = 4

// depthWaitWindow bounds waiting for a colour frame's depth image: when the
// newest depth is older than the frame by more than this, the depth stream
// is stale and the frame's 3D is skipped at once instead of held.
const depthWaitWindow = int64(1e9)

// pending3D is a colour frame's people waiting for their depth image: a
// camera driver may publish depth after colour, so the frame is lifted
// when the matching depth arrives instead of being paired with an older one.
type pending3D struct {
	active bool
	header std_msgs.Header
	stamp  int64
	width  int
	height int
	people []pose.Person
	ids    []uint64
}

// set copies people (keypoints included) and ids into the reused buffers.
func (p *pending3D) set(header std_msgs.Header, stamp int64, width, height int, people []pose.Person, ids []uint64) {
	p.active, p.header, p.stamp, p.width, p.height = true, header, stamp, width, height
	p.people = p.people[:0]
	for i := range people {
		var q *pose.Person
		p.people, q = pose.Grow(p.people, len(people[i].Keypoints))
		q.CopyFrom(&people[i])
	}
	p.ids = append(p.ids[:0], ids...)
}

// Node is the pose2d node.
type Node struct {
	cfg   Config
	stats *node.Stats
	log   *slog.Logger
	tf    *tf.Buffer
	est   *estimator
	topic func(string) string // a topic's name after remapping (Env.Topic), for errors and facts

	tracker *track.Tracker
	checker *plausible.Checker
	lifter  *lift.Lifter
	mono    *monoLifter
	rs      runState

	imageTopic, imageType string

	dec      cdr.Decoder
	imgMsg   sensor_msgs.Image
	compMsg  sensor_msgs.CompressedImage
	infoMsg  sensor_msgs.CameraInfo
	depthMsg sensor_msgs.Image
	rgb      imageconv.RGB
	overlay  imageconv.RGB

	cam      *camera.Model
	camFrame string
	depths   [depthRing]depthFrame
	nDepth   int
	pending  pending3D

	ids     []uint64
	results []plausible.Result
	joints  []lift.Joint
	pts     []r3.Vec
	valid   []bool

	out2D   gopercept_msgs.Skeleton2DArray
	out3D   gopercept_msgs.Skeleton3DArray
	markers visualization_msgs.MarkerArray
	outImg  sensor_msgs.Image
}

// New builds the node from env; it is registered as "pose2d".
func New(env node.Env) (node.Node, error) {
	cfg, err := declare(env.Params, env.Root)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, stats: env.Stats, log: env.Log, tf: env.TF, topic: env.Topic, rs: runState{overlayOut: cfg.Overlay}}
	if n.stats == nil {
		n.stats = node.NewStats()
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	n.imageTopic, n.imageType = cfg.ImageTopic, sensor_msgs.ImageTypeName
	if cfg.ImageTransport == "compressed" {
		n.imageTopic, n.imageType = cfg.ImageTopic+"/compressed", sensor_msgs.CompressedImageTypeName
	}
	if n.imageTopic == cfg.CameraInfoTopic || (cfg.DepthTopic != "" && (cfg.DepthTopic == n.imageTopic || cfg.DepthTopic == cfg.CameraInfoTopic)) {
		return nil, paramErr("depth.topic", cfg.DepthTopic, "image.topic %s, camera_info.topic %s and depth.topic must differ", n.imageTopic, cfg.CameraInfoTopic)
	}
	if cfg.Tracking {
		if n.tracker, err = track.New(trackConfig(&cfg)); err != nil {
			return nil, fmt.Errorf("pose2d: tracking: %w", err)
		}
	}
	if cfg.PlausibilityMode != "off" {
		if n.checker, err = plausible.New(plausibleConfig(&cfg)); err != nil {
			return nil, fmt.Errorf("pose2d: plausibility: %w", err)
		}
	}
	if cfg.DepthTopic != "" {
		if n.lifter, err = lift.New(liftConfig(&cfg)); err != nil {
			return nil, fmt.Errorf("pose2d: lift: %w", err)
		}
	}
	if env.Describe {
		return n, nil // topics and parameters only: no model is loaded
	}
	logf := func(s string) { n.log.Info(s) }
	if n.est, err = newEstimator(&n.cfg, n.stats, logf); err != nil {
		return nil, err
	}
	n.stats.Set("model", n.est.pose.Card().Name)
	n.stats.Set("decoder", n.est.decName)
	n.stats.Set("family", n.est.family)
	n.stats.Set("execution_provider", n.est.pose.Provider())
	if cfg.LiftModel != "" {
		if n.mono, err = newMonoLifter(&n.cfg, logf); err != nil {
			n.est.close()
			return nil, err
		}
		n.stats.Set("lift_model", n.mono.model.Card().Name)
	}
	if cfg.BuildEngineOnly {
		dir := n.est.pose.EngineCacheDir()
		n.Close()
		return nil, fmt.Errorf("pose2d: %w: %s and beside it", infer.ErrEngineBuilt, dir)
	}
	return n, nil
}

// Inputs lists the image, CameraInfo and (when configured) depth topics.
func (n *Node) Inputs() []node.Topic {
	// The image triggers a frame (latest only when inference is slow);
	// camera_info and depth are matched to it by stamp, so the live driver
	// queues them (node.Topic.Queue) rather than let a newer one replace
	// the one the frame needs.
	ts := []node.Topic{
		{Name: n.imageTopic, Type: n.imageType, QoS: node.SensorData},
		{Name: n.cfg.CameraInfoTopic, Type: sensor_msgs.CameraInfoTypeName, QoS: node.SensorData, Queue: matchedQueue},
	}
	if n.cfg.DepthTopic != "" {
		ts = append(ts, node.Topic{Name: n.cfg.DepthTopic, Type: sensor_msgs.ImageTypeName, QoS: node.SensorData, Queue: matchedQueue})
	}
	return ts
}

// matchedQueue is how many unprocessed camera_info and depth messages the
// live driver keeps while a frame is processed.
const matchedQueue = 4

// Outputs lists the skeleton, 3D, marker and overlay topics.
func (n *Node) Outputs() []node.Topic {
	ts := []node.Topic{{Name: n.cfg.SkeletonsTopic, Type: gopercept_msgs.Skeleton2DArrayTypeName, QoS: node.Reliable}}
	if n.cfg.DepthTopic != "" || n.cfg.LiftModel != "" {
		ts = append(ts,
			node.Topic{Name: n.cfg.Skeletons3DTopic, Type: gopercept_msgs.Skeleton3DArrayTypeName, QoS: node.Reliable},
			node.Topic{Name: n.cfg.MarkersTopic, Type: visualization_msgs.MarkerArrayTypeName, QoS: node.Reliable})
	}
	if n.cfg.Overlay {
		ts = append(ts, node.Topic{Name: n.cfg.OverlayTopic, Type: sensor_msgs.ImageTypeName, QoS: node.SensorData})
	}
	return ts
}

// Close releases the models.
func (n *Node) Close() error {
	var err error
	if n.mono != nil {
		err = n.mono.close()
	}
	if n.est == nil {
		return err
	}
	return errors.Join(n.est.close(), err)
}

// Handle processes one input message.
func (n *Node) Handle(in *node.Msg, pub node.Publisher) error {
	switch in.Topic {
	case n.cfg.DepthTopic:
		return n.handleDepth(in, pub)
	case n.cfg.CameraInfoTopic:
		return n.handleInfo(in)
	case n.imageTopic:
		return n.handleImage(in, pub)
	}
	return node.Dropf("unknown topic", fmt.Errorf("pose2d: no input %q", n.topic(in.Topic)))
}

func (n *Node) handleInfo(in *node.Msg) error {
	if err := n.dec.Decode(in.Data, &n.infoMsg); err != nil {
		return node.Dropf("invalid camera_info", fmt.Errorf("decode CameraInfo: %w", err))
	}
	m := &n.infoMsg
	if n.cam != nil && n.camFrame == m.Header.FrameID && rosconv.SameCalibration(n.cam, m) {
		return nil
	}
	cam, err := rosconv.CameraModel(m)
	if err != nil {
		return node.Dropf("invalid camera_info", fmt.Errorf("CameraInfo of %q: %w", m.Header.FrameID, err))
	}
	n.cam, n.camFrame = cam, m.Header.FrameID
	n.stats.Set("camera", fmt.Sprintf("%s %d×%d %s", m.Header.FrameID, m.Width, m.Height, cam.Distortion))
	return nil
}

func (n *Node) handleDepth(in *node.Msg, pub node.Publisher) error {
	if err := n.dec.Decode(in.Data, &n.depthMsg); err != nil {
		return node.Dropf("invalid depth", fmt.Errorf("decode depth Image: %w", err))
	}
	m := &n.depthMsg
	slot := &n.depths[n.nDepth%depthRing]
	raw := rosconv.Raw(m)
	if err := imageconv.DecodeDepth(&raw, &slot.img); err != nil {
		slot.stamp = math.MinInt64
		return node.Dropf("invalid depth", fmt.Errorf("depth of %q: %w", m.Header.FrameID, err))
	}
	slot.stamp, slot.frame = node.StampNS(m.Header.Stamp), m.Header.FrameID
	n.nDepth++
	if p := &n.pending; p.active && n.lifter != nil {
		diff := slot.stamp - p.stamp
		switch {
		case math.Abs(float64(diff))*1e-9 <= n.cfg.DepthMaxStampDiff:
			p.active = false
			n.report3D(n.do3D(p.header, p.stamp, p.width, p.height, p.people, p.ids, slot, pub))
		case diff > 0:
			// A newer depth image passed the frame's stamp: its own will not come.
			p.active = false
			n.report3D(fmt.Errorf("%w: no depth image within %.3f s of the colour image at %d ns (next depth %.3f s later)", ErrDepth, n.cfg.DepthMaxStampDiff, p.stamp, float64(diff)*1e-9))
		}
	}
	return nil
}

// report3D records in the node's facts whether the last 3D lift ran.
func (n *Node) report3D(err error) {
	if err != nil {
		n.stats.Set("3d", "skipped: "+err.Error())
		n.log.Debug("3d skipped", "err", err)
		return
	}
	n.stats.Set("3d", "ok")
}

// pickDepth returns the depth image closest in stamp to the colour image,
// within depth.max_stamp_diff, or the reason there is none; wait (with no
// image and no error) when none matches yet but no depth image at or after
// the stamp has arrived, so the one that matches may still come.
func (n *Node) pickDepth(stamp int64) (best *depthFrame, wait bool, err error) {
	bestD := int64(math.MaxInt64)
	wait = true
	newest := int64(math.MinInt64)
	for i := range n.depths {
		d := &n.depths[i]
		if d.img.Width == 0 || d.stamp == math.MinInt64 {
			continue
		}
		if d.stamp >= stamp {
			wait = false
		}
		newest = max(newest, d.stamp)
		diff := d.stamp - stamp
		if diff < 0 {
			diff = -diff
		}
		if diff < bestD {
			best, bestD = d, diff
		}
	}
	if best != nil && stamp-newest > depthWaitWindow {
		wait = false
	}
	if wait && (best == nil || float64(bestD)*1e-9 > n.cfg.DepthMaxStampDiff) {
		// The usual case when depth follows colour (and the only one
		// without any depth yet): no error to format.
		return nil, true, nil
	}
	if float64(bestD)*1e-9 > n.cfg.DepthMaxStampDiff {
		return nil, false, fmt.Errorf("%w: nearest depth image is %.3f s from the colour image (depth.max_stamp_diff %.3f s)", ErrDepth, float64(bestD)*1e-9, n.cfg.DepthMaxStampDiff)
	}
	return best, false, nil
}

func (n *Node) handleImage(in *node.Msg, pub node.Publisher) error {
	t0 := time.Now()
	var header std_msgs.Header
	if n.imageType == sensor_msgs.CompressedImageTypeName {
		if err := n.dec.Decode(in.Data, &n.compMsg); err != nil {
			return node.Dropf("invalid image", fmt.Errorf("decode CompressedImage: %w", err))
		}
		header = n.compMsg.Header
		if err := imageconv.DecodeCompressed(n.compMsg.Format, n.compMsg.Data, &n.rgb); err != nil {
			return node.Dropf("invalid image", fmt.Errorf("%s image %q at %d ns: %w", n.compMsg.Format, header.FrameID, node.StampNS(header.Stamp), err))
		}
	} else {
		if err := n.dec.Decode(in.Data, &n.imgMsg); err != nil {
			return node.Dropf("invalid image", fmt.Errorf("decode Image: %w", err))
		}
		m := &n.imgMsg
		header = m.Header
		raw := rosconv.Raw(m)
		if err := imageconv.DecodeRGB(&raw, &n.rgb); err != nil {
			return node.Dropf("invalid image", fmt.Errorf("image %q at %d ns: %w", header.FrameID, node.StampNS(header.Stamp), err))
		}
	}
	stamp := node.StampNS(header.Stamp)
	stage(n.stats, "image_decode", t0)

	people, err := n.est.run(&n.rgb)
	if err != nil {
		return node.Dropf("inference", err)
	}
	t := time.Now()

	// Tracking.
	n.ids = resizeU(n.ids, len(people))
	clear(n.ids)
	if n.tracker != nil {
		copy(n.ids, n.tracker.Update(stamp, people))
	}
	t = stage(n.stats, "track", t)

	// Plausibility in the image.
	n.results = n.results[:0]
	if n.checker != nil {
		bad := 0
		for i := range people {
			r := n.checker.Check2D(people[i].Keypoints)
			n.results = append(n.results, r)
			if r.Score < n.cfg.MinPlausibility {
				bad++
			}
		}
		n.stats.Set("implausible_2d", fmt.Sprint(bad))
		if n.cfg.PlausibilityMode == "filter" {
			people = n.filter(people)
		}
		t = stage(n.stats, "plausibility", t)
	}

	n.build2D(header, people)
	if err := pub.Publish(n.cfg.SkeletonsTopic, &n.out2D); err != nil {
		return err
	}
	if n.cfg.Overlay && node.Wanted(pub, n.cfg.OverlayTopic) { // live: only while a viewer subscribes
		n.buildOverlay(header, people)
		if err := pub.Publish(n.cfg.OverlayTopic, &n.outImg); err != nil {
			return err
		}
	}
	t = stage(n.stats, "publish_2d", t)

	if n.lifter != nil {
		if n.pending.active && n.nDepth == 0 {
			n.pending.active = false
			n.report3D(fmt.Errorf("%w: no depth image received on %s", ErrDepth, n.topic(n.cfg.DepthTopic)))
		} else if n.pending.active {
			n.pending.active = false
			n.report3D(fmt.Errorf("%w: no depth image within %.3f s of the colour image at %d ns arrived before the next colour image", ErrDepth, n.cfg.DepthMaxStampDiff, n.pending.stamp))
		}
		d, wait, err := n.pickDepth(stamp)
		switch {
		case wait:
			n.pending.set(header, stamp, n.rgb.Width, n.rgb.Height, people, n.ids)
		case err != nil:
			n.report3D(err)
		default:
			n.report3D(n.do3D(header, stamp, n.rgb.Width, n.rgb.Height, people, n.ids, d, pub))
		}
		stage(n.stats, "lift", t)
	}
	if n.mono != nil {
		n.report3D(n.doMono(header, stamp, n.rgb.Width, n.rgb.Height, people, n.ids, pub))
		stage(n.stats, "lift", t)
	}
	n.stats.Set("people", fmt.Sprint(len(people)))
	stage(n.stats, "total", t0)
	return nil
}

// filter removes implausible people, keeping ids and results aligned.
func (n *Node) filter(people []pose.Person) []pose.Person {
	k := 0
	for i := range people {
		if n.results[i].Score >= n.cfg.MinPlausibility {
			people[k], people[i] = people[i], people[k]
			n.ids[k], n.results[k] = n.ids[i], n.results[i]
			k++
		}
	}
	n.ids, n.results = n.ids[:k], n.results[:k]
	return people[:k]
}

// do3D lifts people (with their track ids) of a width×height colour frame
// with the paired depth image d and publishes the 3D skeletons and markers;
// an error says why 3D was skipped.
func (n *Node) do3D(header std_msgs.Header, stamp int64, width, height int, people []pose.Person, ids []uint64, d *depthFrame, pub node.Publisher) error {
	var err error
	if n.cam == nil {
		return ErrNoCameraInfo
	}
	if n.cam.Width != width || n.cam.Height != height {
		return fmt.Errorf("%w: CameraInfo is %d×%d but the image is %d×%d", ErrDepth, n.cam.Width, n.cam.Height, width, height)
	}
	if d.img.Width != width || d.img.Height != height {
		return fmt.Errorf("%w: depth image is %d×%d but the colour image is %d×%d (not aligned)", ErrDepth, d.img.Width, d.img.Height, width, height)
	}
	if d.frame != header.FrameID {
		return fmt.Errorf("%w: depth frame %q differs from the colour frame %q (not aligned)", ErrDepth, d.frame, header.FrameID)
	}
	frame := header.FrameID
	if n.cfg.TargetFrame != "" {
		frame = n.cfg.TargetFrame
	}
	n.out3D.Header = std_msgs.Header{Stamp: header.Stamp, FrameID: frame}
	n.out3D.Skeletons = n.out3D.Skeletons[:0]
	bad := 0
	for i := range people {
		p := &people[i]
		if n.joints, err = n.lifter.Lift(n.cam, &d.img, p.Keypoints, n.joints); err != nil {
			return err
		}
		if err := lift.ToFrame(n.tf, n.cfg.TargetFrame, header.FrameID, stamp, n.joints); err != nil {
			return err
		}
		if n.appendSkeleton3D(ids[i], p.Score, len(n.joints) == pose.NumKeypoints) {
			bad++
		}
	}
	if n.checker != nil {
		n.stats.Set("implausible_3d", fmt.Sprint(bad))
	}
	if err := pub.Publish(n.cfg.Skeletons3DTopic, &n.out3D); err != nil {
		return err
	}
	n.buildMarkers()
	return pub.Publish(n.cfg.MarkersTopic, &n.markers)
}

// appendSkeleton3D appends n.joints to the 3D output as one skeleton (the
// depth and the monocular paths alike) and, when check, reports whether
// the plausibility checker finds it implausible.
func (n *Node) appendSkeleton3D(id uint64, score float32, check bool) (implausible bool) {
	if n.checker != nil && check {
		n.pts, n.valid = n.pts[:0], n.valid[:0]
		for _, j := range n.joints {
			n.pts = append(n.pts, j.P)
			n.valid = append(n.valid, j.Valid)
		}
		implausible = n.checker.Check3D(n.pts, n.valid).Score < n.cfg.MinPlausibility
	}
	var s *gopercept_msgs.Skeleton3D
	n.out3D.Skeletons, s = extend(n.out3D.Skeletons)
	s.TrackID, s.Score, s.Convention = id, score, pose.Convention
	s.Keypoints = s.Keypoints[:0]
	for _, j := range n.joints {
		k := gopercept_msgs.Keypoint3D{Score: j.Score} // a zero covariance: unknown
		if j.Valid {
			k.Position.X, k.Position.Y, k.Position.Z = j.P.X, j.P.Y, j.P.Z
			k.PositionCovariance = j.Cov
			k.Visibility = j.Visibility
		}
		s.Keypoints = append(s.Keypoints, k)
	}
	return implausible
}

func stage(s *node.Stats, name string, t0 time.Time) time.Time {
	now := time.Now()
	s.Stage(name, now.Sub(t0))
	return now
}

func resizeU(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}
