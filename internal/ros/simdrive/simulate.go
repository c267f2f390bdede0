package simdrive

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/sim"
)

// Epoch is the bag time of simulation time 0 (ns since the Unix epoch): a
// fixed instant, so that equal seeds give equal bags.
const Epoch = int64(1_700_000_000_000_000_000)

// Topic names written by Run.
const (
	TopicTF          = "/tf"
	TopicTFStatic    = "/tf_static"
	TopicOdom        = "/odom"
	TopicPoints      = "/lidar/points"
	TopicPointLabels = "/gt/lidar/labels"
	TopicBoxes       = "/gt/boxes"
	// TopicBoxMarkers carries the velocity arrows of TopicBoxes' boxes
	// (VelocityMarkers), at the same stamp.
	TopicBoxMarkers = "/gt/markers"
	TopicBEV        = "/gt/bev"
)

// CameraTopic returns the topic of a camera's stream: kind is "image",
// "image/compressed", "camera_info" or "depth" (the layout bevfusion reads:
// <camera>/image and <camera>/camera_info).
func CameraTopic(camera, kind string) string { return "/cameras/" + camera + "/" + kind }

// GTSkeletonTopic returns the ground-truth 2D skeleton topic of a camera.
func GTSkeletonTopic(camera string) string { return "/gt/cameras/" + camera + "/skeletons" }

// GTSkeleton3DTopic returns the ground-truth 3D skeleton topic of a camera
// (keypoints in its optical frame).
func GTSkeleton3DTopic(camera string) string { return "/gt/cameras/" + camera + "/skeletons_3d" }

// Config configures Run. Zero fields select defaults.
type Config struct {
	Seed     int64   // world seed; default 1
	Duration float64 // seconds of drive; default 10
	// Lidar: one of LidarNames ("hdl64" default); Columns 2048 (default) or 1024.
	Lidar   string
	Columns int
	// Cameras: "six" (nuScenes-like ring, default), "eight" (the ring and
	// front and back long-range cameras, cam_front_tele and cam_back_tele),
	// "four" (the ring's front, front-left, front-right and back cameras),
	// "front" or "none".
	Cameras       string
	Width, Height int     // camera image size; default 704×256
	CameraHz      float64 // default 12
	LidarHz       float64 // default 10
	Compressed    bool    // JPEG CompressedImage instead of raw rgb8
	JPEGQuality   int     // default 90
	Depth         bool    // aligned 16UC1 depth for the first camera
	Pedestrians   int     // pedestrians in the world; default: sim's
	Cyclists      int     // moving cyclists in the world; default: sim's
	MovingCars    int     // moving cars and trucks in the world; default: sim's
	// Crowd adds people along the ego's route, 4–16 m ahead of where the
	// ego will be (the pose training and evaluation drives).
	Crowd bool
	// CrowdSize, with Crowd, places this many people every half second
	// across the front camera's view instead (5–20 m ahead, within ±30° of
	// the heading; 10 give a 640×480 front camera 30 or more a frame), for
	// benchmarks that scale with the people in view; 0 for the crowd above.
	CrowdSize   int
	Compression bag.Compression
	// Progress receives one line per simulated second; nil for none.
	Progress io.Writer
}

func (c *Config) defaults() error {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Duration == 0 {
		c.Duration = 10
	}
	if c.Duration < 0 || c.Duration > 3600 {
		return fmt.Errorf("simulate: Duration %g s not in (0, 3600]", c.Duration)
	}
	if c.Lidar == "" {
		c.Lidar = "hdl64"
	}
	if c.Cameras == "" {
		c.Cameras = "six"
	}
	if c.CameraHz == 0 {
		c.CameraHz = 12
	}
	if c.LidarHz == 0 {
		c.LidarHz = 10
	}
	if c.JPEGQuality == 0 {
		c.JPEGQuality = 90
	}
	if c.CrowdSize < 0 || c.CrowdSize > 1000 {
		return fmt.Errorf("simulate: CrowdSize %d not in [0, 1000]", c.CrowdSize)
	}
	switch c.Cameras {
	case "eight", "six", "four", "front", "none":
	default:
		return fmt.Errorf("simulate: Cameras %q is not eight, six, four, front or none", c.Cameras)
	}
	return nil
}

// Summary counts what Run wrote.
type Summary struct {
	Messages map[string]int `json:"messages"`
	Sweeps   int            `json:"sweeps"`
	Images   int            `json:"images"`
	Persons  int            `json:"person_instances_seen"`
	Seconds  float64        `json:"seconds"`
}

// Writer is where Run writes: a bag.MCAPWriter or bag.BagWriter.
type Writer interface {
	AddTopic(t bag.Topic) (uint16, error)
	Write(channelID uint16, logTime, publishTime int64, data []byte) error
}

type event struct {
	t    float64 // simulation time, s
	prio int     // order at equal times: TF first, then sensors, then GT
	kind int
	idx  int // camera index
}

const (
	evTF = iota
	evLidar
	evCamera
)

// Rig returns the sensor rig Run uses for cfg.
func Rig(cfg Config) (*sim.Rig, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.Cameras == "none" {
		return sim.DefaultRig(sim.RigConfig{Width: cfg.Width, Height: cfg.Height})
	}
	rc := sim.RigConfig{SixCameras: cfg.Cameras == "six" || cfg.Cameras == "four", EightCameras: cfg.Cameras == "eight",
		Width: cfg.Width, Height: cfg.Height}
	if cfg.Cameras == "four" {
		rc.Count = 4
	}
	return sim.DefaultRig(rc)
}

// LidarNames are the simulator's lidars: HDL-64E-, OS1-128-, HDL-32E-,
// OS1-64- and VLP-16-like.
var LidarNames = []string{"hdl64", "os1-128", "hdl32", "os1-64", "vlp16"}

// LidarRings returns the beams of the simulator's lidar name, one of
// LidarNames.
func LidarRings(name string) (int, error) {
	lc, err := lidarConfig(Config{Lidar: name})
	if err != nil {
		return 0, err
	}
	l, err := sim.NewLidar(lc)
	if err != nil {
		return 0, err
	}
	return l.Rings(), nil
}

func lidarConfig(cfg Config) (sim.LidarConfig, error) {
	lc := sim.LidarConfig{Columns: cfg.Columns, RateHz: cfg.LidarHz, Frame: sim.FrameLidarTop}
	switch cfg.Lidar {
	case "hdl64":
		lc.Preset = sim.PresetHDL64E
	case "os1-128":
		lc.Preset = sim.PresetOS1128
	case "hdl32":
		lc.Preset = sim.PresetHDL32E
	case "os1-64":
		lc.Preset = sim.PresetOS164
	case "vlp16":
		lc.Preset = sim.PresetVLP16
	default:
		return lc, fmt.Errorf("simulate: Lidar %q is not one of %s", cfg.Lidar, strings.Join(LidarNames, ", "))
	}
	return lc, nil
}

// setup builds the world, the sensor rig and the lidar that cfg describes
// (cfg's defaults already applied).
func setup(cfg Config) (*sim.World, *sim.Rig, *sim.Lidar, error) {
	var world *sim.World
	var err error
	if cfg.Crowd {
		world, err = crowdedWorld(cfg)
	} else {
		world, err = sim.NewWorld(sim.WorldConfig{Seed: cfg.Seed, NumPedestrians: cfg.Pedestrians,
			NumCyclists: cfg.Cyclists, NumMovingCars: cfg.MovingCars})
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simulate: %w", err)
	}
	rig, err := Rig(cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simulate: %w", err)
	}
	if cfg.Cameras == "none" {
		rig.Cameras = nil
	}
	lc, err := lidarConfig(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	lidar, err := sim.NewLidar(lc)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simulate: %w", err)
	}
	return world, rig, lidar, nil
}

// CameraName returns the topic name of a sim camera ("CAM_FRONT" → "cam_front").
func CameraName(c *sim.Camera) string { return strings.ToLower(c.Name) }

// Run simulates cfg.Duration seconds and writes every topic to w.
func Run(ctx context.Context, cfg Config, w Writer) (*Summary, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	world, rig, lidar, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, w: w, world: world, rig: rig, lidar: lidar, ids: map[string]uint16{},
		sum: &Summary{Messages: map[string]int{}}, persons: map[uint32]bool{}}
	if err := s.writeStatic(); err != nil {
		return nil, err
	}
	var evs []event
	for k := 0; float64(k)*0.02 <= cfg.Duration+1e-9; k++ {
		evs = append(evs, event{t: float64(k) * 0.02, prio: 0, kind: evTF})
	}
	// A sweep is published when it ends, as drivers do.
	period := 1 / cfg.LidarHz
	for k := 0; float64(k+1)*period <= cfg.Duration+1e-9; k++ {
		evs = append(evs, event{t: float64(k+1) * period, prio: 1, kind: evLidar, idx: k})
	}
	for ci := range rig.Cameras {
		for k := 0; float64(k)/cfg.CameraHz <= cfg.Duration+1e-9; k++ {
			evs = append(evs, event{t: float64(k) / cfg.CameraHz, prio: 2 + ci, kind: evCamera, idx: ci})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].t != evs[j].t {
			return evs[i].t < evs[j].t
		}
		return evs[i].prio < evs[j].prio
	})
	nextReport := 1.0
	for _, ev := range evs {
		if err := ctx.Err(); err != nil {
			return s.sum, err
		}
		switch ev.kind {
		case evTF:
			err = s.writeTF(ev.t)
		case evLidar:
			err = s.writeSweep(float64(ev.idx)*period, ev.t)
		case evCamera:
			err = s.writeCamera(rig.Cameras[ev.idx], ev.t)
		}
		if err != nil {
			return s.sum, err
		}
		if cfg.Progress != nil && ev.t >= nextReport {
			fmt.Fprintf(cfg.Progress, "simulate: %.0f/%.0f s, %d sweeps, %d images\n", ev.t, cfg.Duration, s.sum.Sweeps, s.sum.Images)
			nextReport++
		}
	}
	s.sum.Persons = len(s.persons)
	s.sum.Seconds = cfg.Duration
	return s.sum, nil
}

type session struct {
	cfg     Config
	w       Writer
	world   *sim.World
	rig     *sim.Rig
	lidar   *sim.Lidar
	ids     map[string]uint16
	sum     *Summary
	buf     []byte
	persons map[uint32]bool
}

func ns(t float64) int64 { return Epoch + int64(math.Round(t*1e9)) }

func stamp(t float64) std_msgs.Header {
	return std_msgs.Header{Stamp: node.TimeFromNS(ns(t))}
}

func (s *session) write(topic string, logT float64, m cdr.Message) error {
	id, ok := s.ids[topic]
	if !ok {
		var err error
		id, err = s.w.AddTopic(bag.Topic{Name: topic, Type: m.TypeName(), SchemaText: m.Schema(), QoS: bag.DefaultQoS(topic)})
		if err != nil {
			return fmt.Errorf("simulate: add %s: %w", topic, err)
		}
		s.ids[topic] = id
	}
	s.buf = cdr.MarshalAppend(s.buf, m)
	s.sum.Messages[topic]++
	return s.w.Write(id, ns(logT), ns(logT), s.buf)
}

func transform(p sim.Pose) geometry_msgs.Transform {
	return geometry_msgs.Transform{
		Translation: geometry_msgs.Vector3{X: p.Translation.X, Y: p.Translation.Y, Z: p.Translation.Z},
		Rotation:    geometry_msgs.Quaternion{X: p.Rotation.X, Y: p.Rotation.Y, Z: p.Rotation.Z, W: p.Rotation.W},
	}
}

func tfStamped(parent, child string, t float64, p sim.Pose) geometry_msgs.TransformStamped {
	h := stamp(t)
	h.FrameID = parent
	return geometry_msgs.TransformStamped{Header: h, ChildFrameID: child, Transform: transform(p)}
}

func (s *session) writeStatic() error {
	msg := &tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{
		tfStamped(sim.FrameBaseLink, sim.FrameLidarTop, 0, s.rig.LidarMount),
	}}
	for _, c := range s.rig.Cameras {
		msg.Transforms = append(msg.Transforms, tfStamped(sim.FrameBaseLink, c.Frame, 0, c.Extrinsic))
	}
	return s.write(TopicTFStatic, 0, msg)
}

func (s *session) writeTF(t float64) error {
	odo := s.world.EgoOdometry(t)
	msg := &tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{
		tfStamped(sim.FrameMap, sim.FrameOdom, t, s.world.MapToOdom()),
		tfStamped(sim.FrameOdom, sim.FrameBaseLink, t, odo.Pose),
	}}
	if err := s.write(TopicTF, t, msg); err != nil {
		return err
	}
	h := stamp(t)
	h.FrameID = sim.FrameOdom
	od := &nav_msgs.Odometry{Header: h, ChildFrameID: sim.FrameBaseLink}
	tr := transform(odo.Pose)
	od.Pose.Pose.Position = geometry_msgs.Point{X: tr.Translation.X, Y: tr.Translation.Y, Z: tr.Translation.Z}
	od.Pose.Pose.Orientation = tr.Rotation
	od.Twist.Twist.Linear = geometry_msgs.Vector3{X: odo.Linear.X, Y: odo.Linear.Y, Z: odo.Linear.Z}
	od.Twist.Twist.Angular = geometry_msgs.Vector3{X: odo.Angular.X, Y: odo.Angular.Y, Z: odo.Angular.Z}
	for i := 0; i < 6; i++ { // small, honest covariances: 1 cm, 0.1°
		od.Pose.Covariance[7*i] = 1e-4
		od.Twist.Covariance[7*i] = 1e-4
	}
	return s.write(TopicOdom, t, od)
}

// Point layouts of the lidar cloud and its ground truth.
var (
	lidarFields = []sensor_msgs.PointField{
		{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "intensity", Offset: 12, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "ring", Offset: 16, Datatype: sensor_msgs.PointField_UINT16, Count: 1},
		{Name: "time", Offset: 20, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
	}
	labelFields = []sensor_msgs.PointField{
		{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "label", Offset: 12, Datatype: sensor_msgs.PointField_UINT16, Count: 1},
		{Name: "instance", Offset: 16, Datatype: sensor_msgs.PointField_UINT32, Count: 1},
	}
)

// SweepCloud packs a sweep as a driver's PointCloud2 and its per-point
// ground truth as a second cloud with the same points in the same order.
// The simulator numbers rings from the top beam; with ringsBottomUp > 0 the
// ring field is renumbered from the bottom (ring' = ringsBottomUp−1−ring),
// as Velodyne's driver does; Ouster's numbers from the top, as sim does.
func SweepCloud(sw *sim.Sweep, header std_msgs.Header, ringsBottomUp int) (cloud, labels *sensor_msgs.PointCloud2) {
	n := len(sw.Points)
	const step, lstep = 24, 20
	data := make([]byte, n*step)
	ldata := make([]byte, n*lstep)
	le := binary.LittleEndian
	for i, p := range sw.Points {
		d := data[i*step:]
		le.PutUint32(d[0:], math.Float32bits(p.X))
		le.PutUint32(d[4:], math.Float32bits(p.Y))
		le.PutUint32(d[8:], math.Float32bits(p.Z))
		le.PutUint32(d[12:], math.Float32bits(p.Intensity))
		ring := p.Ring
		if ringsBottomUp > 0 {
			ring = uint16(ringsBottomUp-1) - ring
		}
		le.PutUint16(d[16:], ring)
		le.PutUint32(d[20:], math.Float32bits(p.Time))
		l := ldata[i*lstep:]
		copy(l[:12], d[:12])
		le.PutUint16(l[12:], sw.Labels[i])
		le.PutUint32(l[16:], sw.Instances[i])
	}
	h, w := uint32(sw.Height), uint32(sw.Width)
	if !sw.Organized {
		h, w = 1, uint32(n)
	}
	cloud = &sensor_msgs.PointCloud2{Header: header, Height: h, Width: w, Fields: lidarFields,
		PointStep: step, RowStep: step * w, Data: data, IsDense: !sw.Organized}
	labels = &sensor_msgs.PointCloud2{Header: header, Height: h, Width: w, Fields: labelFields,
		PointStep: lstep, RowStep: lstep * w, Data: ldata, IsDense: !sw.Organized}
	return cloud, labels
}

func (s *session) writeSweep(start, end float64) error {
	sw := s.world.LidarSweep(s.lidar, s.rig.LidarMount, start)
	h := stamp(start)
	h.FrameID = sw.Frame
	bottomUp := 0
	if !strings.HasPrefix(s.cfg.Lidar, "os1-") { // Velodyne-like presets number rings from the bottom beam
		bottomUp = s.lidar.Rings()
	}
	cloud, labels := SweepCloud(&sw, h, bottomUp)
	if err := s.write(TopicPoints, end, cloud); err != nil {
		return err
	}
	if err := s.write(TopicPointLabels, end, labels); err != nil {
		return err
	}
	s.sum.Sweeps++
	// Ground truth in base_link at the sweep's start, as the boxes' stamp says.
	hb := stamp(start)
	hb.FrameID = sim.FrameBaseLink
	boxes := s.world.Boxes3D(start, 0)
	if err := s.write(TopicBoxes, end, Detections(boxes, hb)); err != nil {
		return err
	}
	if err := s.write(TopicBoxMarkers, end, VelocityMarkers(boxes, hb)); err != nil {
		return err
	}
	grid, err := s.world.BEV(start, sim.BEVConfig{})
	if err != nil {
		return err
	}
	return s.write(TopicBEV, end, OccupancyGrid(&grid, hb))
}

// ClassName returns the SemanticKITTI name of a raw class id.
func ClassName(c uint16) string {
	switch c {
	case sim.ClassCar:
		return "car"
	case sim.ClassBicycle:
		return "bicycle"
	case sim.ClassTruck:
		return "truck"
	case sim.ClassPerson:
		return "person"
	case sim.ClassBicyclist:
		return "bicyclist"
	}
	return strconv.Itoa(int(c))
}

// Detections converts 3D ground-truth boxes (base_link) to a Detection3DArray.
func Detections(boxes []sim.Box3D, h std_msgs.Header) *vision_msgs.Detection3DArray {
	out := &vision_msgs.Detection3DArray{Header: h}
	for _, b := range boxes {
		q := sim.QuatFromYaw(b.Yaw)
		pose := geometry_msgs.Pose{Position: geometry_msgs.Point{X: b.Center.X, Y: b.Center.Y, Z: b.Center.Z},
			Orientation: geometry_msgs.Quaternion{X: q.X, Y: q.Y, Z: q.Z, W: q.W}}
		d := vision_msgs.Detection3D{Header: h, ID: strconv.FormatUint(uint64(b.Instance), 10)}
		d.Bbox.Center = pose
		d.Bbox.Size = geometry_msgs.Vector3{X: b.Length, Y: b.Width, Z: b.Height}
		hyp := vision_msgs.ObjectHypothesisWithPose{}
		hyp.Hypothesis.ClassID = ClassName(b.Class)
		hyp.Hypothesis.Score = 1
		hyp.Pose.Pose = pose
		d.Results = []vision_msgs.ObjectHypothesisWithPose{hyp}
		out.Detections = append(out.Detections, d)
	}
	return out
}

// OccupancyGrid converts a BEV ground-truth grid to nav_msgs/OccupancyGrid:
// 100 occupied, 0 free; columns run along base_link x, rows along y, and the
// origin is the corner of cell (0, 0).
func OccupancyGrid(g *sim.BEVGrid, h std_msgs.Header) *nav_msgs.OccupancyGrid {
	out := &nav_msgs.OccupancyGrid{Header: h, Data: make([]int8, len(g.Occupied))}
	out.Info.MapLoadTime = h.Stamp
	out.Info.Resolution = float32(g.Resolution)
	out.Info.Width, out.Info.Height = uint32(g.Size), uint32(g.Size)
	out.Info.Origin.Position = geometry_msgs.Point{X: -g.Range, Y: -g.Range}
	out.Info.Origin.Orientation.W = 1
	for i, o := range g.Occupied {
		if o != 0 {
			out.Data[i] = 100
		}
	}
	return out
}

// CameraInfo describes a sim camera as sensor_msgs/CameraInfo.
func CameraInfo(c *sim.Camera, h std_msgs.Header) *sensor_msgs.CameraInfo {
	m := c.Model
	ci := &sensor_msgs.CameraInfo{Header: h, Width: uint32(m.Width), Height: uint32(m.Height),
		DistortionModel: "plumb_bob", D: append([]float64(nil), m.D[:]...)}
	ci.K = [9]float64{m.Fx, 0, m.Cx, 0, m.Fy, m.Cy, 0, 0, 1}
	ci.R = [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	ci.P = [12]float64{m.Fx, 0, m.Cx, 0, 0, m.Fy, m.Cy, 0, 0, 0, 1, 0}
	return ci
}

func (s *session) writeCamera(c *sim.Camera, t float64) error {
	name := CameraName(c)
	depth := s.cfg.Depth && c == s.rig.Cameras[0]
	fr := s.world.Render(c, t, sim.RenderOptions{Depth: depth})
	h := stamp(t)
	h.FrameID = c.Frame
	m := c.Model
	if err := s.write(CameraTopic(name, "camera_info"), t, CameraInfo(c, h)); err != nil {
		return err
	}
	if s.cfg.Compressed {
		var b bytes.Buffer
		img := &imageconv.RGB{Width: m.Width, Height: m.Height, Pix: fr.RGB}
		if err := jpeg.Encode(&b, img.ToImage(), &jpeg.Options{Quality: s.cfg.JPEGQuality}); err != nil {
			return fmt.Errorf("simulate: jpeg: %w", err)
		}
		if err := s.write(CameraTopic(name, "image/compressed"), t, &sensor_msgs.CompressedImage{Header: h, Format: "rgb8; jpeg compressed rgb8", Data: b.Bytes()}); err != nil {
			return err
		}
	} else {
		img := &sensor_msgs.Image{Header: h, Width: uint32(m.Width), Height: uint32(m.Height), Encoding: "rgb8", Step: uint32(3 * m.Width), Data: fr.RGB}
		if err := s.write(CameraTopic(name, "image"), t, img); err != nil {
			return err
		}
	}
	if depth {
		d := make([]byte, 2*len(fr.Depth))
		for i, v := range fr.Depth {
			binary.LittleEndian.PutUint16(d[2*i:], v)
		}
		img := &sensor_msgs.Image{Header: h, Width: uint32(m.Width), Height: uint32(m.Height), Encoding: "16UC1", Step: uint32(2 * m.Width), Data: d}
		if err := s.write(CameraTopic(name, "depth"), t, img); err != nil {
			return err
		}
	}
	s.sum.Images++
	persons := s.world.PersonsGT(c, t, 0)
	sk2, sk3 := Skeletons(persons, h)
	for _, p := range persons {
		if p.NumVisible > 0 {
			s.persons[p.Instance] = true
		}
	}
	if err := s.write(GTSkeletonTopic(name), t, sk2); err != nil {
		return err
	}
	return s.write(GTSkeleton3DTopic(name), t, sk3)
}

// Skeletons converts per-camera person ground truth to skeleton messages:
// 2D in pixels with COCO visibility, 3D in the camera's optical frame.
// Persons with no keypoint in the image are left out.
func Skeletons(persons []sim.PersonGT, h std_msgs.Header) (*gopercept_msgs.Skeleton2DArray, *gopercept_msgs.Skeleton3DArray) {
	a2 := &gopercept_msgs.Skeleton2DArray{Header: h}
	a3 := &gopercept_msgs.Skeleton3DArray{Header: h}
	for _, p := range persons {
		labelled := false
		s2 := gopercept_msgs.Skeleton2D{TrackID: uint64(p.Instance), Score: 1, Convention: "coco17",
			Box: [4]float32{float32(p.Box[0]), float32(p.Box[1]), float32(p.Box[2]), float32(p.Box[3])}}
		s3 := gopercept_msgs.Skeleton3D{TrackID: uint64(p.Instance), Score: 1, Convention: "coco17"}
		for k, kp := range p.Keypoints {
			k2 := gopercept_msgs.Keypoint2D{X: float32(kp.U), Y: float32(kp.V), Visibility: kp.Visibility}
			if kp.Visibility != sim.VisNotLabelled {
				k2.Score = 1
				labelled = true
			}
			s2.Keypoints = append(s2.Keypoints, k2)
			pc := p.KeypointsCam[k]
			s3.Keypoints = append(s3.Keypoints, gopercept_msgs.Keypoint3D{Position: geometry_msgs.Point{X: pc.X, Y: pc.Y, Z: pc.Z}, Score: 1, Visibility: kp.Visibility})
		}
		if !labelled {
			continue
		}
		a2.Skeletons = append(a2.Skeletons, s2)
		a3.Skeletons = append(a3.Skeletons, s3)
	}
	return a2, a3
}
