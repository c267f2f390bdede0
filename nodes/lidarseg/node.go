package lidarsegnode

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func init() {
	node.Register("lidarseg", func(env node.Env) (node.Node, error) { return New(env) })
}

// Config is the node's parameters, as declared in New.
type Config struct {
	InputTopic, LabelledTopic, RangeImageTopic, ClassCloudTopic string
	ClassCloudLabels                                            []int
	Projection                                                  lidarseg.ProjectionConfig
	ModelPath, CardPath, LabelsPath                             string
	Providers                                                   []string
	Threads                                                     int
	DeviceID                                                    int
	FP16, BuildEngineOnly                                       bool
	PostProcessing                                              string // "knn", "crf", "crf+knn" or "none"
	KNN                                                         lidarseg.KNNConfig
	CRF                                                         lidarseg.CRFConfig
	GroundEnabled, ClusterEnabled                               bool
	Ground                                                      lidarseg.GroundConfig
	Cluster                                                     lidarseg.ClusterConfig
	GroundLabel, ObjectLabel                                    int
	MaxPoints                                                   int
	Paint                                                       PaintConfig
}

// declare reads every parameter from ps.
func declare(ps *param.Set) (Config, error) {
	var c Config
	c.InputTopic = ps.String("input_topic", "lidar/points", "PointCloud2 topic to segment (relative: in the node's namespace).")
	c.LabelledTopic = ps.String("labelled_topic", "~/labelled", "Topic of the labelled cloud (input fields plus label, rgb, instance); ~/ is the node's name.")
	c.RangeImageTopic = ps.String("range_image_topic", "~/range_image", "Topic of the coloured range image (rgb8; live, made only while something subscribes to it); empty disables it.")
	c.ClassCloudTopic = ps.String("class_cloud.topic", "", "Topic of a cloud holding only the points of class_cloud.labels (e.g. ~/obstacles); empty disables it.")
	keep := ps.Floats("class_cloud.labels", []float64{10, 11, 15, 18, 20, 30, 31, 32}, "SemanticKITTI raw label ids kept in the class cloud (default: vehicles and people).")
	preset := ps.String("projection.preset", "hdl64e", "Sensor preset: "+strings.Join(lidarseg.PresetNames(), ", ")+". A model of any lidar (card native) is sized from each sweep instead.")
	h := ps.Int("projection.height", 0, "Range image rows; 0 takes the preset's. With a model its input shape decides (a value given here that it replaces is warned about at start).")
	w := ps.Int("projection.width", 0, "Range image columns; 0 takes the preset's. With a model its input shape decides (warned at start when it replaces a value given here).")
	up := ps.Float("projection.fov_up_deg", 0, "Upper vertical field of view in degrees; 0 with fov_down_deg 0 takes the preset's; a model card's fov_up_deg wins (with a warning).")
	down := ps.Float("projection.fov_down_deg", 0, "Lower vertical field of view in degrees (negative); 0 with fov_up_deg 0 takes the preset's; a model card's fov_down_deg wins (with a warning).")
	hfov := ps.Float("projection.horizontal_fov_deg", -1, "Horizontal field of view in degrees: 0 or 360 for the full sweep, 90 for a SqueezeSeg front sector; -1 takes the preset's; a model card's horizontal_fov_deg wins (with a warning).")
	useRing := ps.Bool("projection.use_ring", true, "Use the cloud's ring field for the row when it has one (with a model, only if its card says use_ring: true).")
	ringOrder := ps.String("projection.ring_order", "preset", "Which beam ring 0 is: bottom_up (Velodyne), top_down (Ouster) or preset.")
	order := ps.String("projection.channel_order", "", "Tensor channel order, letters of r, x, y, z, i: rxyzi (RangeNet++), xyzir (SqueezeSeg); empty takes the preset's (a model card's channel_order wins).")
	scale := ps.Float("projection.intensity_scale", 1, "Factor turning the cloud's intensity into remission in 0..1 (1/255 for 8-bit intensity); a model card's intensity_scale wins.")
	c.ModelPath = ps.String("model.path", "", "ONNX model in the RangeNet++ contract; empty runs geometry only (ground and clusters). A card with members picks the model for each lidar the node measures (params/lidarseg.yaml: models/lidarseg-any-small.onnx).")
	c.CardPath = ps.String("model.card", "", "Model card; empty takes <model stem>.card.yaml beside the model.")
	c.Providers = ps.Strings("model.providers", []string{"cpu"}, "Execution providers to try in order: tensorrt, cuda, cpu.")
	c.Threads = ps.Int("model.threads", 0, "ONNX Runtime intra-op threads; 0 for its default.")
	c.DeviceID = ps.Int("model.device_id", 0, "CUDA device ordinal for the tensorrt and cuda providers.")
	c.FP16 = ps.Bool("model.fp16", false, "Let TensorRT build fp16 engines (trt_fp16_enable); the cuda and cpu providers run the model's own precision.")
	c.BuildEngineOnly = ps.Bool("model.build_engine_only", false, "Build and cache the model's TensorRT engine (TensorRT alone, no fallback) and exit without running; see scripts/gpu/setup.sh.")
	c.LabelsPath = ps.String("labels.path", "", "SemanticKITTI-style label map YAML; empty uses the built-in copy of params/semantic-kitti.yaml.")
	c.PostProcessing = ps.String("post_processing", "knn", "Labels back to points: knn (RangeNet++ kNN), crf (SqueezeSeg's CRF on the range image, then each point its pixel's label), crf+knn (both) or none (each point takes its pixel's label).")
	dk := lidarseg.DefaultKNNConfig()
	c.KNN.K = ps.Int("knn.k", dk.K, "Nearest neighbours that vote.")
	c.KNN.Search = ps.Int("knn.search", dk.Search, "Side of the square search window in pixels (odd).")
	c.KNN.Sigma = ps.Float("knn.sigma", dk.Sigma, "Sigma in pixels of the inverse-Gaussian range weighting.")
	c.KNN.Cutoff = ps.Float("knn.cutoff", dk.Cutoff, "Weighted range difference in metres beyond which a neighbour does not vote; negative disables it.")
	dcrf := lidarseg.DefaultCRFConfig()
	c.CRF.Iterations = ps.Int("crf.iterations", dcrf.Iterations, "CRF mean-field iterations.")
	c.CRF.WindowRows = ps.Int("crf.window_rows", dcrf.WindowRows, "CRF message window height in pixels (odd).")
	c.CRF.WindowCols = ps.Int("crf.window_cols", dcrf.WindowCols, "CRF message window width in pixels (odd).")
	c.CRF.ThetaAngular = ps.Float("crf.theta_angular", dcrf.ThetaAngular, "CRF kernels' Gaussian on pixel offset, standard deviation in pixels.")
	c.CRF.ThetaRange = ps.Float("crf.theta_range", dcrf.ThetaRange, "CRF bilateral kernel's Gaussian on 3D distance, standard deviation in metres.")
	c.CRF.AngularWeight = ps.Float("crf.angular_weight", dcrf.AngularWeight, "Weight of the CRF's angular (smoothness) kernel.")
	c.CRF.BilateralWeight = ps.Float("crf.bilateral_weight", dcrf.BilateralWeight, "Weight of the CRF's bilateral (appearance: 3D distance) kernel.")
	dg := lidarseg.DefaultGroundConfig()
	c.GroundEnabled = ps.Bool("ground.enabled", true, "Run sector-wise ground-plane fitting.")
	c.Ground.Sectors = ps.Int("ground.sectors", dg.Sectors, "Azimuth sectors of the ground regions.")
	c.Ground.ZoneEdges = ps.Floats("ground.zone_edges", dg.ZoneEdges, "Horizontal ranges in metres where the ground range zones start, ascending.")
	c.Ground.SensorHeight = ps.Float("ground.sensor_height", dg.SensorHeight, "Sensor height above the ground in metres.")
	c.Ground.SeedThreshold = ps.Float("ground.seed_threshold", dg.SeedThreshold, "Height in metres above a region's lowest points within which points seed its plane.")
	c.Ground.DistThreshold = ps.Float("ground.dist_threshold", dg.DistThreshold, "Height in metres above the fitted plane within which points are ground.")
	c.Ground.MaxStep = ps.Float("ground.max_step", dg.MaxStep, "Height in metres a far zone's plane may stand above the nearer zone's plane where they meet; a higher one (fitted to cars' sides where a sparse lidar's rings no longer reach the ground) takes the nearer plane. Negative disables the check; 0 takes the default.")
	c.Ground.StepFrom = ps.Float("ground.step_from", dg.StepFrom, "Range in metres from which zones are checked against ground.max_step (zones starting there or beyond).")
	c.Ground.Iterations = ps.Int("ground.iterations", dg.Iterations, "Plane fit iterations per region.")
	c.Ground.MaxSlopeDeg = ps.Float("ground.max_slope_deg", dg.MaxSlopeDeg, "Steepest plane in degrees taken as ground.")
	dc := lidarseg.DefaultClusterConfig()
	c.ClusterEnabled = ps.Bool("cluster.enabled", true, "Cluster non-ground points into instances.")
	c.Cluster.Distance = ps.Float("cluster.distance", dc.Distance, "Distance in metres within which neighbouring points join an instance.")
	c.Cluster.RangeFactor = ps.Float("cluster.range_factor", dc.RangeFactor, "Extra distance per metre of range, in metres per metre.")
	c.Cluster.NeighbourRows = ps.Int("cluster.neighbour_rows", dc.NeighbourRows, "Rows (rings) a pixel reaches.")
	c.Cluster.NeighbourCols = ps.Int("cluster.neighbour_cols", dc.NeighbourCols, "Columns a pixel reaches.")
	c.Cluster.MinPoints = ps.Int("cluster.min_points", dc.MinPoints, "Smallest instance in points.")
	c.GroundLabel = ps.Int("geometry.ground_label", 40, "Raw label id given to ground points when no model runs (40 road).")
	c.ObjectLabel = ps.Int("geometry.object_label", 99, "Raw label id given to other points when no model runs (99 other-object).")
	c.MaxPoints = ps.Int("max_points", 2<<20, "Largest cloud accepted, in points.")
	markDynamic(ps)

	var errs []error
	bad := func(name string, value any, format string, args ...any) {
		errs = append(errs, paramErr(name, value, format, args...))
	}
	// lib records a library's own configuration error for the parameters
	// under name, keeping its field.
	lib := func(name string, err error) {
		errs = append(errs, fmt.Errorf("lidarseg node: %s: %w", name, err))
	}
	c.Paint = declarePaint(ps, bad)
	pc, err := lidarseg.PresetConfig(preset)
	if err != nil {
		lib("projection.preset", err)
	}
	if h > 0 {
		pc.Height = h
	}
	if w > 0 {
		pc.Width = w
	}
	if up != 0 || down != 0 {
		pc.FovUpDeg, pc.FovDownDeg = up, down
	}
	if hfov >= 0 {
		pc.HorizontalFovDeg = hfov
	}
	pc.UseRing = useRing
	if order != "" {
		pc.ChannelOrder = order
	}
	switch ringOrder {
	case "preset":
	case "bottom_up":
		pc.RingTopFirst = false
	case "top_down":
		pc.RingTopFirst = true
	default:
		bad("projection.ring_order", ringOrder, "want bottom_up, top_down or preset")
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		bad("projection.intensity_scale", scale, "want finite > 0")
	}
	pc.IntensityScale = float32(scale)
	pc.MaxPoints = c.MaxPoints
	c.Projection = pc
	switch c.PostProcessing {
	case "knn", "none", "crf", "crf+knn":
	default:
		bad("post_processing", c.PostProcessing, "want knn, crf, crf+knn or none")
	}
	if _, err := lidarseg.NewCRF(c.CRF, 2, 1, 1); err != nil {
		lib("crf", err)
	}
	for _, v := range keep {
		if v < 0 || v > math.MaxUint16 || v != math.Trunc(v) {
			bad("class_cloud.labels", v, "not a raw label id (0..65535)")
			continue
		}
		c.ClassCloudLabels = append(c.ClassCloudLabels, int(v))
	}
	for name, v := range map[string]int{"geometry.ground_label": c.GroundLabel, "geometry.object_label": c.ObjectLabel} {
		if v < 0 || v > math.MaxUint16 {
			bad(name, v, "not a raw label id (0..65535)")
		}
	}
	if _, err := lidarseg.NewKNN(c.KNN, 2, 1, 1); err != nil {
		lib("knn", err)
	}
	if c.MaxPoints < 1 {
		bad("max_points", c.MaxPoints, "want ≥ 1")
	}
	// Values that once fell back to a default or passed unchecked: each is
	// an error naming the parameter.
	if h < 0 || h > 256 {
		bad("projection.height", h, "want 0 (the preset's) to 256 rows")
	}
	if w < 0 || w > 8192 {
		bad("projection.width", w, "want 0 (the preset's) to 8192 columns")
	}
	if (up != 0 || down != 0) && up <= down {
		bad("projection.fov_up_deg", up, "not above fov_down_deg %g°", down)
	}
	if c.KNN.K < 1 {
		bad("knn.k", c.KNN.K, "want ≥ 1")
	}
	if c.KNN.Search < 1 || c.KNN.Search%2 == 0 {
		bad("knn.search", c.KNN.Search, "want an odd window ≥ 1")
	}
	if c.GroundEnabled && (c.Ground.Sectors < 1 || c.Ground.Sectors > 3600) {
		bad("ground.sectors", c.Ground.Sectors, "want 1 to 3600")
	}
	if c.GroundEnabled && c.Ground.Iterations < 1 {
		bad("ground.iterations", c.Ground.Iterations, "want ≥ 1")
	}
	if c.ClusterEnabled && c.Cluster.MinPoints < 1 {
		bad("cluster.min_points", c.Cluster.MinPoints, "want ≥ 1")
	}
	if c.InputTopic == "" || c.LabelledTopic == "" {
		bad("input_topic", nil, "input and labelled topics must be set")
	}
	return c, errors.Join(errs...)
}

// Node is the lidarseg node. Handle is not safe for concurrent use.
type Node struct {
	cfg   Config
	stats *node.Stats
	topic func(string) string // a topic's name after remapping, for errors
	dec   cdr.Decoder
	msg   sensor_msgs.PointCloud2
	cd    decoder
	enc   encoder

	labels   *lidarseg.LabelMap
	model    *rangenet // nil: geometry only
	proj     *lidarseg.Projector
	argmax   *lidarseg.Argmax
	knn      *lidarseg.KNN
	crf      *lidarseg.CRF
	crfCloud lidarseg.Cloud // the cloud the CRF reads, held while it runs (Apply keeps a pointer)
	ground   *lidarseg.Ground
	clusters *lidarseg.Clusterer

	rawColour []uint32 // raw id → 0xRRGGBB
	keep      []bool   // raw id → in the class cloud
	pixClass  []uint16
	class     []uint16
	raw       []uint16
	rgb       []uint32
	inst      []uint32
	isGround  []bool

	lastInstances int

	tf    *tf.Buffer
	paint *painting // nil unless the model card asks for painted channels

	log          *slog.Logger
	rt           infer.Config   // the model's, to resize a native model
	family       []familyMember // the model.path card's members; rt is their root
	modelPath    string         // the model open now: rt's, or a member's
	rootNative   *nativeInput   // rt's sizing
	env          node.Env
	clouds       int64                   // clouds labelled, for the sensor check's period
	sensor       lidarseg.SensorGeometry // the geometry last reported
	sensorWarned bool
}

// sensorCheckEvery is how often (in clouds) the node measures the sweep's
// sensor against the model card's sensors: the first cloud and then every
// this many, a fraction of a millisecond each.
const sensorCheckEvery = 100

// FactSensor is the fact that says whether the clouds come from a sensor
// the model was trained on.
const FactSensor = "sensor"

// checkSensor measures the cloud's lidar and reports, when the geometry
// changed, whether the model card's sensors cover it: a fact, and a warning
// the first time it does not.
func (n *Node) checkSensor(c lidarseg.Cloud) error {
	n.clouds++
	if n.model == nil || (n.clouds-1)%sensorCheckEvery != 0 {
		return nil
	}
	g := lidarseg.MeasureSensor(c, int(n.msg.Height), int(n.msg.Width))
	if g == n.sensor && n.clouds > 1 {
		return nil
	}
	if n.rootNative != nil {
		if err := n.fitLidar(g); err != nil {
			return err // measured again at the next check
		}
	}
	n.sensor = g
	if len(n.model.sensors) == 0 {
		n.stats.Set(FactSensor, "not judged: the model card lists no sensors; this one has "+g.String())
		return nil
	}
	var names []string
	for _, s := range n.model.sensors {
		if s.pc.Covers(g, sensorTolDeg) {
			n.stats.Set(FactSensor, "covered by "+s.name+": "+g.String())
			return nil
		}
		names = append(names, fmt.Sprintf("%s (%d beams, %d columns, %+g° to %+g°)", s.name, s.pc.Height, s.pc.Width, s.pc.FovUpDeg, s.pc.FovDownDeg))
	}
	msg := "outside the model's sensors: " + g.String() + "; the model was trained on " + strings.Join(names, ", ") + " — expect poor labels"
	n.stats.Set(FactSensor, msg)
	if !n.sensorWarned && n.log != nil {
		n.sensorWarned = true
		n.log.Warn("lidarseg: the cloud comes from a lidar the model was not trained on: " + msg)
	}
	return nil
}

// sensorTolDeg is how far (degrees) a sweep's returns may reach past a
// sensor's vertical field of view and still count as that sensor: mounting
// pitch and noise.
const sensorTolDeg = 2

// New builds the node from env's parameters.
func New(env node.Env) (*Node, error) {
	cfg, err := declare(env.Params)
	if err != nil {
		return nil, err
	}
	stats := env.Stats
	if stats == nil {
		stats = node.NewStats()
	}
	n := &Node{cfg: cfg, stats: stats, topic: env.Topic, argmax: lidarseg.NewArgmax(), lastInstances: -1, log: env.Log}
	n.cd.maxPoints = cfg.MaxPoints
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) || env.Root == "" {
			return p
		}
		return filepath.Join(env.Root, p)
	}
	n.labels = lidarseg.SemanticKITTI()
	if cfg.LabelsPath != "" {
		if n.labels, err = lidarseg.LoadLabelMap(resolve(cfg.LabelsPath)); err != nil {
			return nil, fmt.Errorf("lidarseg node: labels.path: %w", err)
		}
	}
	pc := cfg.Projection
	if cfg.ModelPath != "" && !env.Describe { // Describe: topics and parameters only
		rt := infer.Config{ModelPath: resolve(cfg.ModelPath), CardPath: resolve(cfg.CardPath), Providers: cfg.Providers, IntraOpThreads: cfg.Threads,
			DeviceID: cfg.DeviceID, FP16: cfg.FP16, BuildEngineOnly: cfg.BuildEngineOnly}
		if rt.CardPath == "" {
			rt.CardPath = infer.CardPathFor(rt.ModelPath)
		}
		if card, err := infer.LoadCard(rt.CardPath); err == nil {
			// A model of any lidar opens at the preset's size and is
			// resized to the first sweep's lidar (checkSensor).
			ni, err := nativeOf(card)
			if err != nil {
				return nil, fmt.Errorf("lidarseg node: model: %w", err)
			}
			if ni != nil {
				pc = lidarseg.NativeProjection(pc, lidarseg.SensorGeometry{}, ni.rowMult, ni.colMult)
				rt.Dims = ni.dims(pc)
			}
		} // else infer.Open reports the card
		n.rt, n.env = rt, env
		m, err := openRangeNet(rt, n.labels, &pc, env)
		if err != nil {
			return nil, err
		}
		if cfg.BuildEngineOnly {
			dir := m.m.EngineCacheDir()
			m.close()
			return nil, fmt.Errorf("lidarseg node: %w: %s", infer.ErrEngineBuilt, dir)
		}
		n.model, n.family, n.modelPath, n.rootNative = m, m.members, rt.ModelPath, m.native
		stats.Set("model", m.describe())
		if m.paint != nil {
			if env.TF == nil {
				n.Close()
				return nil, fmt.Errorf("lidarseg node: model %s paints its input from cameras, which needs TF", cfg.ModelPath)
			}
			n.tf = env.TF
			if n.paint, err = newPainting(cfg.Paint, m.paint.Cameras, m.paint.Channels, m.paintMean, m.paintStd, env); err != nil {
				n.Close()
				return nil, err
			}
			for _, c := range n.paint.cams {
				stats.Set("paint."+c.label, "waiting for images")
			}
		}
		if w := cardOverrides(env.Params, cfg.Projection, pc); w != "" && env.Log != nil {
			env.Log.Warn("lidarseg: the model card fixes the projection it was trained with, and wins over the parameters: "+w, "model", cfg.ModelPath)
		}
	} else {
		stats.Set("model", "none (geometry only)")
	}
	if err := n.setProjection(pc); err != nil {
		n.Close()
		return nil, err
	}
	pc = n.proj.Config()
	if cfg.GroundEnabled {
		if n.ground, err = lidarseg.NewGround(cfg.Ground); err != nil {
			n.Close()
			return nil, fmt.Errorf("lidarseg node: ground: %w", err)
		}
	}
	if cfg.ClusterEnabled {
		cc := cfg.Cluster
		cc.Wrap = pc.HorizontalFovDeg == 0 || pc.HorizontalFovDeg == 360
		if n.clusters, err = lidarseg.NewClusterer(cc); err != nil {
			n.Close()
			return nil, fmt.Errorf("lidarseg node: cluster: %w", err)
		}
	}
	n.rawColour = make([]uint32, 1<<16)
	for id, c := range n.labels.Colours {
		if id >= 0 && id < 1<<16 {
			n.rawColour[id] = uint32(c[0])<<16 | uint32(c[1])<<8 | uint32(c[2])
		}
	}
	n.keep = make([]bool, 1<<16)
	for _, id := range cfg.ClassCloudLabels {
		n.keep[id] = true
	}
	stats.Set("post_processing", cfg.PostProcessing)
	return n, nil
}

// setProjection builds the projector and what is sized by the range image
// (CRF, kNN, per-pixel classes) for pc.
func (n *Node) setProjection(pc lidarseg.ProjectionConfig) error {
	proj, err := lidarseg.NewProjector(pc)
	if err != nil {
		return fmt.Errorf("lidarseg node: projection: %w", err)
	}
	pc = proj.Config()
	var crf *lidarseg.CRF
	var knn *lidarseg.KNN
	if n.model != nil && strings.HasPrefix(n.cfg.PostProcessing, "crf") {
		if crf, err = lidarseg.NewCRF(n.cfg.CRF, n.model.classes, pc.Height, pc.Width); err != nil {
			return fmt.Errorf("lidarseg node: crf: %w", err)
		}
	}
	if n.model != nil && strings.HasSuffix(n.cfg.PostProcessing, "knn") {
		if knn, err = lidarseg.NewKNN(n.cfg.KNN, n.model.classes, pc.Height, pc.Width); err != nil {
			return fmt.Errorf("lidarseg node: knn: %w", err)
		}
	}
	n.proj, n.crf, n.knn = proj, crf, knn
	n.pixClass = make([]uint16, pc.Height*pc.Width)
	rows := "pitch"
	if pc.UseRing {
		rows = "rings, ring 0 the lowest beam"
		if pc.RingTopFirst {
			rows = "rings, ring 0 the top beam"
		}
	}
	n.stats.Set("projection", fmt.Sprintf("%d×%d, fov %+g/%+g°, horizontal %g°, rows from %s",
		pc.Height, pc.Width, pc.FovUpDeg, pc.FovDownDeg, pc.HorizontalFovDeg, rows))
	return nil
}

// fitLidar resizes a native model and the range image to the lidar of
// geometry g when they differ (the first sweep, or a lidar that changed),
// and swaps to the first member of the card's family that covers g: the
// new model opens before the old one closes, so a failure keeps the node as
// it was.
func (n *Node) fitLidar(g lidarseg.SensorGeometry) error {
	rt := n.rt
	ni := n.rootNative
	for _, m := range n.family {
		if m.covers(g) {
			rt.ModelPath, rt.CardPath, ni = m.path, infer.CardPathFor(m.path), m.native
			break
		}
	}
	// Each model projects as when it is model.path: from the parameters'
	// projection, which its card overrides, whatever ran before it.
	cur := n.proj.Config()
	pc := n.cfg.Projection
	if ni != nil {
		pc = lidarseg.NativeProjection(pc, g, ni.rowMult, ni.colMult)
	}
	if rt.ModelPath == n.modelPath {
		if ni == nil {
			return nil
		}
		same := pc.Height == cur.Height && pc.Width == cur.Width && pc.RingTopFirst == cur.RingTopFirst
		if same && (pc.UseRing || math.Abs(pc.FovUpDeg-cur.FovUpDeg)+math.Abs(pc.FovDownDeg-cur.FovDownDeg) < 0.5) {
			return nil
		}
	}
	if ni != nil {
		rt.Dims = ni.dims(pc)
	} else {
		rt.Dims = nil
	}
	m, err := openRangeNet(rt, n.labels, &pc, n.env)
	if err != nil {
		return fmt.Errorf("open %s at %d×%d for %s: %w", filepath.Base(rt.ModelPath), pc.Height, pc.Width, g, err)
	}
	old := n.model
	n.model = m
	if err := n.setProjection(pc); err != nil {
		n.model = old
		m.close()
		return err
	}
	old.close()
	n.modelPath = rt.ModelPath
	n.stats.Set("model", m.describe())
	if n.log != nil {
		n.log.Info(fmt.Sprintf("lidarseg: model input sized %d×%d for the lidar: %s (%s)", pc.Height, pc.Width, g, filepath.Base(rt.ModelPath)))
	}
	return nil
}

// Inputs lists the cloud topic and, for a painted model, each camera's
// image and camera_info (queued: they are matched to clouds by stamp).
func (n *Node) Inputs() []node.Topic {
	ts := []node.Topic{{Name: n.cfg.InputTopic, Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
	if n.paint != nil {
		ts = append(ts, n.paint.topics()...)
	}
	return ts
}

// Outputs lists the labelled cloud, the range image and the class cloud
// (the last two when enabled).
func (n *Node) Outputs() []node.Topic {
	out := []node.Topic{{Name: n.cfg.LabelledTopic, Type: sensor_msgs.PointCloud2TypeName, QoS: node.Reliable}}
	if n.cfg.RangeImageTopic != "" {
		out = append(out, node.Topic{Name: n.cfg.RangeImageTopic, Type: sensor_msgs.ImageTypeName, QoS: node.Reliable})
	}
	if n.cfg.ClassCloudTopic != "" {
		out = append(out, node.Topic{Name: n.cfg.ClassCloudTopic, Type: sensor_msgs.PointCloud2TypeName, QoS: node.Reliable})
	}
	return out
}

// Close releases the model.
func (n *Node) Close() error {
	if n.model != nil {
		err := n.model.close()
		n.model = nil
		return err
	}
	return nil
}

func (n *Node) stage(name string, t0 time.Time) time.Time {
	t := time.Now()
	n.stats.Stage(name, t.Sub(t0))
	return t
}

// Handle labels one cloud. With a painted model it also buffers camera
// images and camera_info, and a cloud whose images may still come waits
// (paint.max_wait) and is labelled when they do.
func (n *Node) Handle(in *node.Msg, pub node.Publisher) error {
	if n.paint == nil {
		return n.label(in.Data, in.Topic, pub)
	}
	if handled, err := n.handlePaintInput(in, pub); handled {
		return err
	}
	p := n.paint
	if p.hasPending { // a newer cloud ends the wait
		n.flushPending(pub)
	}
	if err := n.dec.Decode(in.Data, &n.msg); err != nil {
		return node.Dropf("decode", err)
	}
	if t := node.StampNS(n.msg.Header.Stamp); !p.ready(t, t) {
		p.pending = append(p.pending[:0], in.Data...)
		p.pendingTopic, p.pendingStamp, p.hasPending = in.Topic, t, true
		return nil
	}
	return n.label(in.Data, in.Topic, pub)
}

// label labels the cloud whose CDR payload is data.
func (n *Node) label(data []byte, topic string, pub node.Publisher) error {
	t0 := time.Now()
	t := t0
	if err := n.dec.Decode(data, &n.msg); err != nil {
		return node.Dropf("decode", err)
	}
	cloud, err := n.cd.decode(&n.msg)
	if err != nil {
		return node.Dropf("invalid cloud", fmt.Errorf("%s: %w", n.topic(topic), err))
	}
	if err := n.enc.prepare(&n.cd.layout); err != nil {
		return node.Dropf("invalid cloud", fmt.Errorf("%s: cannot append label, rgb, instance: %w", n.topic(topic), err))
	}
	t = n.stage("decode", t)
	if err := n.checkSensor(cloud); err != nil {
		return fmt.Errorf("lidarseg node: %w", err)
	}

	var tensor []float32
	if n.model != nil {
		tensor = n.model.input()
	}
	if n.paint != nil {
		tensor = tensor[:n.proj.TensorLen()] // the geometric channels; paintFrame fills the rest
	}
	proj, err := n.proj.Project(cloud, tensor)
	if err != nil {
		return node.Dropf("invalid cloud", fmt.Errorf("%s: %w", n.topic(topic), err))
	}
	t = n.stage("projection", t)
	if n.paint != nil {
		if err := n.paintFrame(proj, cloud); err != nil {
			return fmt.Errorf("lidarseg node: paint: %w", err)
		}
		t = n.stage("paint", t)
	}

	np := cloud.Len()
	n.class = grow(n.class, np)
	n.raw = grow(n.raw, np)
	n.rgb = grow(n.rgb, np)
	n.inst = grow(n.inst, np)
	if n.model != nil {
		if err := n.model.run(); err != nil {
			return fmt.Errorf("lidarseg node: inference: %w", err)
		}
		if err := n.argmax.RunOffset(n.pixClass, n.model.output(), n.model.classes, n.model.offset); err != nil {
			return fmt.Errorf("lidarseg node: %w", err)
		}
		t = n.stage("inference", t)
		if n.crf != nil {
			n.model.offsetScores()
			// The CRF keeps a pointer to the cloud while it runs: a field,
			// not the local, so that the cloud does not move to the heap.
			n.crfCloud = cloud
			if err := n.crf.Apply(n.pixClass, n.model.output(), proj, &n.crfCloud); err != nil {
				return fmt.Errorf("lidarseg node: %w", err)
			}
			t = n.stage("crf", t)
		}
		if n.knn != nil {
			err = n.knn.Apply(n.class, proj, n.pixClass)
		} else {
			err = lidarseg.Unproject(n.class, proj, n.pixClass)
		}
		if err != nil {
			return fmt.Errorf("lidarseg node: %w", err)
		}
		t = n.stage("knn", t)
	}

	var ground []bool
	if n.ground != nil {
		n.isGround = grow(n.isGround, np)
		if err := n.ground.Segment(cloud, n.isGround); err != nil {
			return fmt.Errorf("lidarseg node: ground: %w", err)
		}
		ground = n.isGround
		t = n.stage("ground", t)
	}
	if n.clusters != nil {
		k, err := n.clusters.Cluster(proj, cloud, ground, n.inst)
		if err != nil {
			return fmt.Errorf("lidarseg node: cluster: %w", err)
		}
		if k != n.lastInstances { // a fact string only when it changes
			n.lastInstances = k
			n.stats.Set("instances", strconv.Itoa(k))
		}
		t = n.stage("cluster", t)
	} else {
		clear(n.inst)
	}

	// Raw labels and colours per point.
	for i := range n.raw {
		var id uint16
		switch {
		case n.model != nil:
			id = n.model.rawID(n.class[i])
		case !finite(cloud, i):
			id = 0
		case ground != nil && ground[i]:
			id = uint16(n.cfg.GroundLabel)
		default:
			id = uint16(n.cfg.ObjectLabel)
		}
		n.raw[i] = id
		n.rgb[i] = n.rawColour[id]
	}
	out := n.enc.labelled(&n.msg, n.raw, n.rgb, n.inst)
	if err := pub.Publish(n.cfg.LabelledTopic, out); err != nil {
		return fmt.Errorf("lidarseg node: publish %s: %w", n.topic(n.cfg.LabelledTopic), err)
	}
	if n.cfg.RangeImageTopic != "" && node.Wanted(pub, n.cfg.RangeImageTopic) { // live: only while a viewer subscribes
		if err := pub.Publish(n.cfg.RangeImageTopic, n.enc.rangeImage(&n.msg, proj, n.rgb)); err != nil {
			return fmt.Errorf("lidarseg node: publish %s: %w", n.topic(n.cfg.RangeImageTopic), err)
		}
	}
	if n.cfg.ClassCloudTopic != "" {
		if err := pub.Publish(n.cfg.ClassCloudTopic, n.enc.selected(n.raw, n.keep)); err != nil {
			return fmt.Errorf("lidarseg node: publish %s: %w", n.topic(n.cfg.ClassCloudTopic), err)
		}
	}
	n.stage("encode", t)
	n.stage("total", t0)
	return nil
}

// finite reports whether point i has finite coordinates and non-zero range.
func finite(c lidarseg.Cloud, i int) bool {
	x, y, z := float64(c.X[i]), float64(c.Y[i]), float64(c.Z[i])
	s := x*x + y*y + z*z
	return s > 0 && !math.IsInf(s, 0) && !math.IsNaN(s)
}

// Labels returns the label map in use.
func (n *Node) Labels() *lidarseg.LabelMap { return n.labels }

// cardOverrides lists the projection settings the user gave (directly or
// through projection.preset) that the model card replaced, with both values.
func cardOverrides(ps *param.Set, mine, card lidarseg.ProjectionConfig) string {
	given := func(names ...string) bool {
		for _, n := range names {
			if ps != nil && ps.Given(n) {
				return true
			}
		}
		return false
	}
	var out []string
	add := func(name string, a, b any, params ...string) {
		if a != b && given(append(params, "projection.preset")...) {
			out = append(out, fmt.Sprintf("%s %v (card %v)", name, a, b))
		}
	}
	add("projection.height", mine.Height, card.Height, "projection.height")
	add("projection.width", mine.Width, card.Width, "projection.width")
	add("projection.fov_up_deg", mine.FovUpDeg, card.FovUpDeg, "projection.fov_up_deg")
	add("projection.fov_down_deg", mine.FovDownDeg, card.FovDownDeg, "projection.fov_down_deg")
	add("projection.horizontal_fov_deg", mine.HorizontalFovDeg, card.HorizontalFovDeg, "projection.horizontal_fov_deg")
	order := func(o string) string {
		if o == "" {
			return "rxyzi" // the projection's default, RangeNet++'s order
		}
		return o
	}
	add("projection.channel_order", order(mine.ChannelOrder), order(card.ChannelOrder), "projection.channel_order")
	if mine.UseRing != card.UseRing && given("projection.use_ring") {
		out = append(out, fmt.Sprintf("projection.use_ring %v (card %v)", mine.UseRing, card.UseRing))
	}
	if mine.IntensityScale != card.IntensityScale && given("projection.intensity_scale") {
		out = append(out, fmt.Sprintf("projection.intensity_scale %v (card %v)", mine.IntensityScale, card.IntensityScale))
	}
	return strings.Join(out, ", ")
}
