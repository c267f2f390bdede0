package evaluate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/nav_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/visualization_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	bevfusionnode "github.com/gopercept/gopercept/nodes/bevfusion"
	"github.com/gopercept/gopercept/perception/bev/metrics"
)

// BEVConfig configures BEV.
type BEVConfig struct {
	Bags        []string
	ParamsFiles []string
	Params      map[string]any
	// Ground truth and outputs; defaults /gt/bev, /gt/boxes and the node's
	// /bevfusion/occupancy, /bevfusion/detections, /bevfusion/markers.
	GTGrid, GTBoxes               string
	OutGrid, OutBoxes, OutMarkers string
	// Classes scored for detection AP, as both the ground truth and the
	// model name them; default car, truck, person.
	Classes []string
	// GTPoints is the ground-truth lidar cloud with a per-point instance
	// field (default /gt/lidar/labels): as nuScenes does, a ground-truth box
	// with fewer than MinPoints lidar points of its instance (default 1) is
	// not scored, since no sensor saw it (a car behind a building). Set
	// MinPoints to −1 to score every box.
	GTPoints  string
	MinPoints int
	// GTMarkers carries the ground-truth velocity arrows (default
	// /gt/markers); without it AVE is undefined.
	GTMarkers string
	// Remap renames the node's topics as ROS's -r from:=to does.
	Remap map[string]string
	// Submission, when set, receives the node's detections as a nuScenes
	// detection-submission JSON (the devkit's load_prediction format),
	// one sample per scored frame, its token the stamp in ns.
	Submission io.Writer
	Root       string
	Progress   io.Writer
}

// BEVResult is the BEV score of one bag set.
type BEVResult struct {
	Frames       int     `json:"frames"`
	OccupancyIoU float64 `json:"occupancy_iou"`
	Detections   int     `json:"detections"`
	// MAP averages the classes with ground truth on the drive (a class
	// with none is listed with num_gt 0 and undefined scores).
	MAP float64 `json:"map"`
	// MATE…MAVE average the true-positive errors over those classes.
	MATE    float64               `json:"mate_m"`
	MASE    float64               `json:"mase"`
	MAOE    float64               `json:"maoe_rad"`
	MAVE    float64               `json:"mave_m_s"`
	Classes []metrics.ClassResult `json:"classes,omitempty"`
}

// BEV replays the bags through bevfusion and scores its occupancy grid by
// IoU and its detections by nuScenes-style AP against the ground truth of
// the same stamp.
func BEV(ctx context.Context, cfg BEVConfig) (*BEVResult, error) {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.GTGrid, "/gt/bev")
	def(&cfg.GTBoxes, "/gt/boxes")
	// The node's outputs as replay names them: ~/occupancy is /bevfusion/occupancy.
	def(&cfg.OutGrid, replay.ResolveTopic(bevfusionnode.TopicOccupancy, "bevfusion"))
	def(&cfg.OutBoxes, replay.ResolveTopic(bevfusionnode.TopicDetections, "bevfusion"))
	def(&cfg.OutMarkers, replay.ResolveTopic(bevfusionnode.TopicMarkers, "bevfusion"))
	def(&cfg.GTPoints, "/gt/lidar/labels")
	def(&cfg.GTMarkers, simdrive.TopicBoxMarkers)
	if cfg.MinPoints == 0 {
		cfg.MinPoints = 1
	}
	if len(cfg.Classes) == 0 {
		cfg.Classes = []string{"car", "truck", "person"}
	}
	gtGrids := map[int64][]int8{}
	gtBoxes := map[int64][]metrics.Box{}
	gtMarkers := map[int64]*visualization_msgs.MarkerArray{}
	err := eachMessage(cfg.Bags, []string{cfg.GTMarkers}, func() *visualization_msgs.MarkerArray { return new(visualization_msgs.MarkerArray) },
		func(_ string, m *visualization_msgs.MarkerArray) error {
			if len(m.Markers) > 0 { // the first marker (a clear) carries the frame's stamp
				gtMarkers[node.StampNS(m.Markers[0].Header.Stamp)] = cdr.Clone(m) // byte fields alias the reader's buffer
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	var seen map[int64]map[uint32]int
	if cfg.MinPoints > 0 {
		var err error
		if seen, err = instancePoints(cfg.Bags, cfg.GTPoints); err != nil {
			return nil, err
		}
	}
	err = eachMessage(cfg.Bags, []string{cfg.GTGrid}, func() *nav_msgs.OccupancyGrid { return new(nav_msgs.OccupancyGrid) },
		func(_ string, g *nav_msgs.OccupancyGrid) error {
			gtGrids[node.StampNS(g.Header.Stamp)] = g.Data
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = eachMessage(cfg.Bags, []string{cfg.GTBoxes}, func() *vision_msgs.Detection3DArray { return new(vision_msgs.Detection3DArray) },
		func(_ string, d *vision_msgs.Detection3DArray) error {
			st := node.StampNS(d.Header.Stamp)
			if seen != nil {
				counts, ok := seen[st]
				if !ok {
					return fmt.Errorf("evaluate: no %s cloud at the stamp of the %s boxes (%d ns) to tell which boxes the lidar saw", cfg.GTPoints, cfg.GTBoxes, st)
				}
				kept := d.Detections[:0]
				for _, b := range d.Detections {
					id, err := strconv.ParseUint(b.ID, 10, 32)
					if err != nil || counts[uint32(id)] >= cfg.MinPoints {
						kept = append(kept, b) // boxes without an instance id are always scored
					}
				}
				d.Detections = kept
			}
			gtBoxes[st], _ = simdrive.EvalBoxes(d, gtMarkers[st], cfg.Classes)
			return nil
		})
	if err != nil {
		return nil, err
	}
	out := newBEVOutputs(cfg)
	_, err = replay.Run(ctx, replay.Config{Inputs: cfg.Bags, Nodes: []string{"bevfusion"}, ParamsFiles: cfg.ParamsFiles,
		Params: map[string]map[string]any{"bevfusion": cfg.Params}, Remap: map[string]map[string]string{"bevfusion": cfg.Remap},
		Fast: true, Root: cfg.Root, OnOutput: out.keep})
	if err != nil {
		return nil, err
	}
	predGrids, predDets, predMarkers := out.grids, out.dets, out.markers
	res := &BEVResult{}
	var occ metrics.OccupancyIoU
	for _, stamp := range slices.Sorted(maps.Keys(gtGrids)) {
		gt := gtGrids[stamp]
		pred, ok := predGrids[stamp]
		if !ok {
			continue
		}
		if err := occ.Add(pred, gt); err != nil {
			return nil, err
		}
		res.Frames++
	}
	if res.Frames == 0 {
		return nil, fmt.Errorf("evaluate: no bevfusion occupancy grid on %s shares a stamp with %s", cfg.OutGrid, cfg.GTGrid)
	}
	res.OccupancyIoU = occ.IoU()
	res.MAP = math.NaN()
	res.MATE, res.MASE, res.MAOE, res.MAVE = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	var frames []metrics.SubmissionFrame
	if len(predDets) > 0 {
		cls := make([]metrics.ClassConfig, len(cfg.Classes))
		for i, c := range cfg.Classes {
			cls[i] = classConfig(c)
		}
		// A class the drive has no ground truth of is reported, not scored
		// as 0: the devkit's rule assumes every class occurs.
		ev, err := metrics.NewEvaluator(metrics.Config{Classes: cls, SkipEmptyClasses: true})
		if err != nil {
			return nil, err
		}
		for _, stamp := range slices.Sorted(maps.Keys(gtBoxes)) {
			gt := gtBoxes[stamp]
			d, ok := predDets[stamp]
			if !ok {
				continue
			}
			pred, _ := bevfusionnode.EvalBoxes(d, predMarkers[stamp], cfg.Classes)
			res.Detections += len(pred)
			if err := ev.Add(gt, pred); err != nil {
				return nil, err
			}
			frames = append(frames, metrics.SubmissionFrame{Token: metrics.StampToken(stamp), Boxes: pred})
		}
		r := ev.Result()
		res.MAP, res.Classes = r.MAP, r.Classes
		res.MATE, res.MASE, res.MAOE, res.MAVE = r.MATE, r.MASE, r.MAOE, r.MAVE
	}
	if cfg.Submission != nil {
		sub := make([]metrics.ClassConfig, len(cfg.Classes))
		for i, c := range cfg.Classes {
			sub[i] = metrics.ClassConfig{Name: nuScenesName(c)}
		}
		meta := metrics.SubmissionMeta{UseCamera: true, UseLidar: true}
		if err := metrics.WriteSubmission(cfg.Submission, meta, sub, frames); err != nil {
			return nil, fmt.Errorf("evaluate: nuScenes submission: %w", err)
		}
	}
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "eval bevfusion: %d frames, occupancy IoU %.3f, %d detections\n", res.Frames, res.OccupancyIoU, res.Detections)
	}
	return res, nil
}

// classConfig is the nuScenes detection config of a class, by our name or
// the devkit's: its range and which errors are defined.
func classConfig(name string) metrics.ClassConfig {
	c := metrics.ClassConfig{Name: name, MaxRange: 50}
	switch nuScenesName(name) {
	case "pedestrian", "motorcycle", "bicycle":
		c.MaxRange = 40
	case "traffic_cone":
		c.MaxRange, c.NoOrientation, c.NoVelocity = 30, true, true
	case "barrier":
		c.MaxRange, c.YawPeriod, c.NoVelocity = 30, math.Pi, true
	}
	return c
}

// nuScenesName maps the simulator's class names to the devkit's.
func nuScenesName(name string) string {
	if name == "person" {
		return "pedestrian"
	}
	return name
}

// bevOutputs keeps the node's outputs by stamp. The node reuses its output
// messages every frame, so everything kept is a deep copy (cdr.Clone).
type bevOutputs struct {
	cfg       *BEVConfig
	grids     map[int64][]int8
	dets      map[int64]*vision_msgs.Detection3DArray
	markers   map[int64]*visualization_msgs.MarkerArray
	lastStamp int64
}

func newBEVOutputs(cfg BEVConfig) *bevOutputs {
	return &bevOutputs{cfg: &cfg, grids: map[int64][]int8{}, dets: map[int64]*vision_msgs.Detection3DArray{},
		markers: map[int64]*visualization_msgs.MarkerArray{}}
}

// keep is a replay.Config.OnOutput.
func (o *bevOutputs) keep(_, topic string, _ int64, m cdr.Message) {
	switch x := m.(type) {
	case *nav_msgs.OccupancyGrid:
		if topic == o.cfg.OutGrid {
			o.grids[node.StampNS(x.Header.Stamp)] = append([]int8(nil), x.Data...)
		}
	case *vision_msgs.Detection3DArray:
		if topic == o.cfg.OutBoxes {
			o.lastStamp = node.StampNS(x.Header.Stamp)
			o.dets[o.lastStamp] = cdr.Clone(x)
		}
	case *visualization_msgs.MarkerArray:
		// The node publishes a frame's markers right after its detections.
		if topic == o.cfg.OutMarkers && o.lastStamp != 0 {
			o.markers[o.lastStamp] = cdr.Clone(x)
		}
	}
}

// WriteBEVText prints a BEV result for people.
func WriteBEVText(w io.Writer, r *BEVResult) {
	fmt.Fprintf(w, "bevfusion: %d frames, occupancy IoU %.3f\n", r.Frames, r.OccupancyIoU)
	if r.Detections == 0 {
		fmt.Fprintln(w, "  no detections (no camera encoder / fuser model configured)")
		return
	}
	fmt.Fprintf(w, "  %d detections, mAP %.3f over the classes with ground truth (nuScenes centre-distance AP; ranges car/truck 50 m, person 40 m)\n", r.Detections, r.MAP)
	for _, c := range r.Classes {
		if c.NumGT == 0 {
			fmt.Fprintf(w, "  %-10s %4d gt %5d pred  (no ground truth on this drive: not scored)\n", c.Name, c.NumGT, c.NumPred)
			continue
		}
		fmt.Fprintf(w, "  %-10s %4d gt %5d pred  AP@0.5/1/2/4 m %s %s %s %s  ATE %s m  ASE %s  AOE %s rad  AVE %s m/s\n",
			c.Name, c.NumGT, c.NumPred, num(at(c.AP, 0), 3), num(at(c.AP, 1), 3), num(at(c.AP, 2), 3), num(at(c.AP, 3), 3),
			num(c.ATE, 2), num(c.ASE, 2), num(c.AOE, 2), num(c.AVE, 2))
	}
}

// num prints v with prec decimals, "n/a" when undefined.
func num(v float64, prec int) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return math.NaN()
}

// instancePoints counts, per cloud stamp, the points of each instance id in
// the ground-truth clouds on topic (field "instance").
func instancePoints(bags []string, topic string) (map[int64]map[uint32]int, error) {
	out := map[int64]map[uint32]int{}
	err := eachCloud(bags, topic, "instance", func(pc *sensor_msgs.PointCloud2, l *pointcloud.Layout, a pointcloud.Accessor) error {
		counts := map[uint32]int{}
		for i := range l.NumPoints() {
			counts[uint32(a.Float(pc.Data, i))]++
		}
		out[node.StampNS(pc.Header.Stamp)] = counts
		return nil
	})
	return out, err
}
