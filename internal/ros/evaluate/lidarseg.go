package evaluate

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"runtime"
	"strings"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/perception/lidarseg"
	"github.com/gopercept/gopercept/perception/lidarseg/kitti"
)

// LidarsegConfig configures Lidarseg.
type LidarsegConfig struct {
	Bags        []string           // bags with the input cloud and its ground truth
	ParamsFiles []string           // lidarseg parameter files (model, projection)
	Params      map[string]any     // overrides
	Remap       map[string]string  // topic remapping, as ROS's -r from:=to
	GTTopic     string             // ground-truth labels cloud; default /gt/lidar/labels
	OutputTopic string             // the node's labelled cloud; default /lidarseg/labelled
	LabelMap    *lidarseg.LabelMap // raw ids → classes
	Root        string             // resolves relative model paths
	Modes       []string           // post_processing values to compare; default knn, none
	Progress    io.Writer          // optional
}

// ClassIoU is one class's IoU with the counts behind it.
type ClassIoU struct {
	Class string `json:"class"`
	RawID int    `json:"raw_id"`
	// IoU is TP / (TP + FP + FN); NaN (null in JSON) when all three are 0:
	// the class has no ground-truth point and was never predicted.
	IoU float64 `json:"iou"`
	TP  uint64  `json:"tp"` // points of the class predicted as it
	FP  uint64  `json:"fp"` // points of another (not ignored) class predicted as it
	FN  uint64  `json:"fn"` // points of the class predicted as another
}

// LidarsegResult is the score of one post-processing mode. Scores with
// nothing to average are NaN, written as null in JSON; the counts beside
// them say why.
type LidarsegResult struct {
	Mode    string `json:"post_processing"`
	Clouds  int    `json:"clouds"`
	Dropped int    `json:"clouds_dropped"` // clouds the node dropped, scored as all unlabelled (SemanticKITTI input)
	Points  int64  `json:"points"`
	// Scored counts the points whose ground truth is not an ignored class.
	Scored uint64 `json:"points_scored"`
	// MeanIoU averages the classes present in the ground truth or the
	// predictions; Classes counts them.
	MeanIoU float64 `json:"miou_present_classes"`
	Classes int     `json:"classes_present"`
	// MeanIoUSemanticKITTI is the benchmark's figure: the mean over every
	// class not ignored (19 for SemanticKITTI), absent ones counting 0, as
	// semantic-kitti-api's evaluate_semantics.py reports it.
	MeanIoUSemanticKITTI float64 `json:"miou_semantic_kitti"`
	ClassesSemanticKITTI int     `json:"classes_semantic_kitti"`
	// Accuracy is right over scored points; AccuracySemanticKITTI leaves
	// out the points predicted as an ignored class, as evaluate_semantics.py.
	Accuracy              float64    `json:"accuracy"`
	AccuracySemanticKITTI float64    `json:"accuracy_semantic_kitti"`
	PerClass              []ClassIoU `json:"per_class"` // every class not ignored
	Confusion             [][]uint64 `json:"confusion"` // [pred][gt] over class indices
	Names                 []string   `json:"class_names"`
}

// Lidarseg replays the bags through the lidarseg node once per mode and
// scores every labelled point against the ground truth of the same stamp.
func Lidarseg(ctx context.Context, cfg LidarsegConfig) ([]LidarsegResult, error) {
	if cfg.GTTopic == "" {
		cfg.GTTopic = "/gt/lidar/labels"
	}
	if cfg.OutputTopic == "" {
		cfg.OutputTopic = "/lidarseg/labelled"
	}
	if len(cfg.Modes) == 0 {
		cfg.Modes = []string{"knn", "none"}
	}
	if cfg.LabelMap == nil {
		return nil, fmt.Errorf("evaluate: lidarseg needs a label map")
	}
	gt, err := readLabelClouds(cfg.Bags, cfg.GTTopic)
	if err != nil {
		return nil, err
	}
	if len(gt) == 0 {
		return nil, fmt.Errorf("evaluate: no ground truth on %s in %v", cfg.GTTopic, cfg.Bags)
	}
	var out []LidarsegResult
	for _, mode := range cfg.Modes {
		params := map[string]any{"post_processing": mode}
		for k, v := range cfg.Params {
			params[k] = v
		}
		conf, err := lidarseg.NewConfusion(cfg.LabelMap.NumClasses(), 0)
		if err != nil {
			return nil, err
		}
		res := LidarsegResult{Mode: mode}
		var pred, truth []uint16
		var fields []pointcloud.Field
		var scoreErr error
		_, err = replay.Run(ctx, replay.Config{
			Inputs: cfg.Bags, Nodes: []string{"lidarseg"}, ParamsFiles: cfg.ParamsFiles,
			Params: map[string]map[string]any{"lidarseg": params}, Remap: map[string]map[string]string{"lidarseg": cfg.Remap}, Fast: true, Root: cfg.Root,
			OnOutput: func(_, topic string, _ int64, m cdr.Message) {
				pc, ok := m.(*sensor_msgs.PointCloud2)
				if !ok || topic != cfg.OutputTopic || scoreErr != nil {
					return
				}
				want, ok := gt[node.StampNS(pc.Header.Stamp)]
				if !ok {
					return
				}
				l := rosconv.Layout(pc, fields)
				fields = l.Fields
				pred, scoreErr = labelsOf(pred, &l, pc.Data, cfg.LabelMap)
				if scoreErr != nil {
					return
				}
				if len(pred) != len(want) {
					scoreErr = fmt.Errorf("evaluate: cloud at %d has %d points, ground truth %d", node.StampNS(pc.Header.Stamp), len(pred), len(want))
					return
				}
				truth = truth[:0]
				for _, raw := range want {
					truth = append(truth, cfg.LabelMap.Class(uint32(raw)))
				}
				scoreErr = conf.Add(pred, truth)
				res.Clouds++
				res.Points += int64(len(pred))
			},
		})
		if err != nil {
			return nil, err
		}
		if scoreErr != nil {
			return nil, scoreErr
		}
		finish(&res, conf, cfg.LabelMap)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "eval lidarseg (%s): %d clouds, mIoU %.3f over %d present classes, SemanticKITTI mIoU %.3f over %d\n",
				mode, res.Clouds, res.MeanIoU, res.Classes, res.MeanIoUSemanticKITTI, res.ClassesSemanticKITTI)
		}
		out = append(out, res)
	}
	return out, nil
}

// finish fills res's scores from conf.
func finish(res *LidarsegResult, conf *lidarseg.Confusion, lm *lidarseg.LabelMap) {
	res.MeanIoU, res.Classes = conf.MeanIoU()
	res.MeanIoUSemanticKITTI, res.ClassesSemanticKITTI = conf.MeanIoUSemanticKITTI()
	res.Accuracy = conf.Accuracy()
	res.AccuracySemanticKITTI = conf.AccuracySemanticKITTI()
	ious := conf.IoU()
	n := conf.Classes()
	res.Confusion = make([][]uint64, n)
	res.Scored = 0
	for p := 0; p < n; p++ {
		res.Confusion[p] = make([]uint64, n)
		for g := 0; g < n; g++ {
			res.Confusion[p][g] = conf.Count(p, g)
			res.Scored += conf.Count(p, g)
		}
	}
	res.Names, res.PerClass = nil, nil
	for c, v := range ious {
		res.Names = append(res.Names, lm.ClassName(uint16(c)))
		if conf.Ignored(c) {
			continue
		}
		tp, fp, fn := conf.Stats(c)
		res.PerClass = append(res.PerClass, ClassIoU{Class: lm.ClassName(uint16(c)), RawID: int(lm.RawID(uint16(c))), IoU: v, TP: tp, FP: fp, FN: fn})
	}
}

// labelsOf reads the label field of a labelled cloud as class indices.
func labelsOf(dst []uint16, l *pointcloud.Layout, data []byte, lm *lidarseg.LabelMap) ([]uint16, error) {
	if err := l.Validate(len(data), 0); err != nil {
		return dst, err
	}
	f, ok := l.Find("label")
	if !ok {
		return dst, fmt.Errorf("evaluate: cloud has no label field")
	}
	a := l.Accessor(f)
	dst = dst[:0]
	for i := 0; i < l.NumPoints(); i++ {
		dst = append(dst, lm.Class(uint32(a.Float(data, i))))
	}
	return dst, nil
}

// readLabelClouds reads the raw label of every point of every ground-truth
// cloud, keyed by header stamp.
func readLabelClouds(bags []string, topic string) (map[int64][]uint16, error) {
	out := map[int64][]uint16{}
	err := eachCloud(bags, topic, "label", func(pc *sensor_msgs.PointCloud2, l *pointcloud.Layout, a pointcloud.Accessor) error {
		labels := make([]uint16, l.NumPoints())
		for i := range labels {
			labels[i] = uint16(a.Float(pc.Data, i))
		}
		out[node.StampNS(pc.Header.Stamp)] = labels
		return nil
	})
	return out, err
}

// WriteLidarsegText prints results for people: mIoU per mode, per-class IoU
// side by side, and the confusion matrix of the first mode.
func WriteLidarsegText(w io.Writer, rs []LidarsegResult) {
	if len(rs) == 0 {
		return
	}
	for _, r := range rs {
		fmt.Fprintf(w, "lidarseg %-5s: %d clouds, %d points (%d scored), mIoU %.3f over the %d present classes, SemanticKITTI mIoU %.3f over %d classes (absent = 0), accuracy %.3f\n",
			r.Mode, r.Clouds, r.Points, r.Scored, r.MeanIoU, r.Classes, r.MeanIoUSemanticKITTI, r.ClassesSemanticKITTI, r.Accuracy)
		if r.Dropped > 0 {
			fmt.Fprintf(w, "lidarseg %-5s: %d clouds dropped by the node, scored as unlabelled\n", r.Mode, r.Dropped)
		}
	}
	fmt.Fprintf(w, "\n%-14s", "class")
	for _, r := range rs {
		fmt.Fprintf(w, " %8s", r.Mode)
	}
	fmt.Fprintln(w)
	var order []string
	seen := map[string]bool{}
	for _, r := range rs {
		for _, c := range r.PerClass {
			if !seen[c.Class] {
				seen[c.Class] = true
				order = append(order, c.Class)
			}
		}
	}
	for _, name := range order {
		fmt.Fprintf(w, "%-14s", name)
		for _, r := range rs {
			v := math.NaN()
			for _, c := range r.PerClass {
				if c.Class == name {
					v = c.IoU
				}
			}
			if math.IsNaN(v) {
				fmt.Fprintf(w, " %8s", "-") // neither present nor predicted
				continue
			}
			fmt.Fprintf(w, " %8.3f", v)
		}
		fmt.Fprintln(w)
	}
	r := rs[0]
	present := []int{}
	for c := range r.Confusion {
		var rowSum, colSum uint64
		for k := range r.Confusion {
			rowSum += r.Confusion[c][k]
			colSum += r.Confusion[k][c]
		}
		if rowSum+colSum > 0 {
			present = append(present, c)
		}
	}
	fmt.Fprintf(w, "\nconfusion (%s; rows predicted, columns ground truth, points):\n%-14s", r.Mode, "")
	for _, g := range present {
		fmt.Fprintf(w, " %9s", abbrev(r.Names[g]))
	}
	fmt.Fprintln(w)
	for _, p := range present {
		fmt.Fprintf(w, "%-14s", r.Names[p])
		for _, g := range present {
			fmt.Fprintf(w, " %9d", r.Confusion[p][g])
		}
		fmt.Fprintln(w)
	}
}

func abbrev(s string) string {
	if len(s) > 9 {
		return strings.TrimRight(s[:9], "-")
	}
	return s
}

// LidarsegKITTIConfig configures LidarsegKITTI.
type LidarsegKITTIConfig struct {
	Sequences   []string           // SemanticKITTI sequence directories (…/sequences/NN)
	ParamsFiles []string           // lidarseg parameter files (model, projection)
	Params      map[string]any     // overrides
	LabelMap    *lidarseg.LabelMap // raw ids → classes
	Root        string             // resolves relative model paths
	Modes       []string           // post_processing values to compare; default knn, none
	// WriteLabels, when set, receives the first mode's predictions as raw
	// label ids in SemanticKITTI's layout:
	// WriteLabels/sequences/NN/predictions/<scan>.label.
	WriteLabels string
	// RemissionScale multiplies each scan's remission into the intensity
	// the node receives; 0 means 1 (remission 0..1 as a KITTI driver would
	// publish it). A model whose card expects 8-bit intensity
	// (intensity_scale 1/255) wants 255.
	RemissionScale float32
	Progress       io.Writer // optional
}

// LidarsegKITTI runs the lidarseg node on every scan of SemanticKITTI
// sequences, each scan handed to the node's Handle as the PointCloud2 a
// driver would deliver (fields x, y, z, intensity = remission), and scores
// its labelled cloud against labels/*.label. Scans without a label file
// (the test split) are predicted and written but not scored.
func LidarsegKITTI(ctx context.Context, cfg LidarsegKITTIConfig) ([]LidarsegResult, error) {
	if len(cfg.Modes) == 0 {
		cfg.Modes = []string{"knn", "none"}
	}
	if cfg.LabelMap == nil {
		return nil, fmt.Errorf("evaluate: lidarseg needs a label map")
	}
	var seqs []*kitti.Sequence
	for _, dir := range cfg.Sequences {
		s, err := kitti.Open(dir)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, s)
	}
	if len(seqs) == 0 {
		return nil, fmt.Errorf("evaluate: no SemanticKITTI sequence given")
	}
	var out []LidarsegResult
	for mi, mode := range cfg.Modes {
		params := map[string]any{"post_processing": mode, "range_image_topic": ""}
		for k, v := range cfg.Params {
			params[k] = v
		}
		n, err := newNode("lidarseg", cfg.ParamsFiles, params, cfg.Root)
		if err != nil {
			return nil, err
		}
		write := ""
		if mi == 0 {
			write = cfg.WriteLabels
		}
		res, err := kittiMode(ctx, n, seqs, cfg.LabelMap, write, cfg.RemissionScale)
		n.Close()
		if err != nil {
			return nil, err
		}
		res.Mode = mode
		if res.Clouds == 0 && write == "" {
			return nil, fmt.Errorf("evaluate: no scan of %v has labels/*.label to score against", cfg.Sequences)
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "eval lidarseg (%s): %d scans, mIoU %.3f over %d present classes, SemanticKITTI mIoU %.3f over %d\n",
				mode, res.Clouds, res.MeanIoU, res.Classes, res.MeanIoUSemanticKITTI, res.ClassesSemanticKITTI)
		}
		out = append(out, *res)
	}
	return out, nil
}

// newNode builds a registered node as replay does: parameter files merged
// in order, then the overrides.
func newNode(name string, files []string, over map[string]any, root string) (node.Node, error) {
	f, err := node.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	values := map[string]any{}
	for _, pf := range files {
		v, err := param.LoadFile(pf, name)
		if err != nil {
			return nil, fmt.Errorf("evaluate: params for %s: %w", name, err)
		}
		for k, x := range v {
			values[k] = x
		}
	}
	for k, v := range over {
		values[k] = v
	}
	ps := param.New(name, values)
	node.DeclareDriverParams(ps)
	n, err := f(node.Env{Name: name, Params: ps, Stats: node.NewStats(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Root: root})
	if err != nil {
		return nil, fmt.Errorf("evaluate: start %s: %w", name, err)
	}
	if err := ps.Err(); err != nil {
		n.Close()
		return nil, fmt.Errorf("evaluate: %s: %w", name, err)
	}
	return n, nil
}

// capture keeps the raw labels of the node's labelled cloud.
type capture struct {
	topic  string
	raw    []uint32
	got    bool
	fields []pointcloud.Field
	err    error
}

func (c *capture) Publish(topic string, m cdr.Message) error {
	pc, ok := m.(*sensor_msgs.PointCloud2)
	if !ok || topic != c.topic {
		return nil
	}
	l := rosconv.Layout(pc, c.fields)
	c.fields = l.Fields
	if err := l.Validate(len(pc.Data), 0); err != nil {
		c.err = fmt.Errorf("evaluate: %s: %w", topic, err)
		return nil
	}
	f, ok := l.Find("label")
	if !ok {
		c.err = fmt.Errorf("evaluate: %s has no label field", topic)
		return nil
	}
	a := l.Accessor(f)
	c.raw = c.raw[:0]
	for i := 0; i < l.NumPoints(); i++ {
		c.raw = append(c.raw, uint32(a.Float(pc.Data, i)))
	}
	c.got = true
	return nil
}

// kittiMode runs n over every scan of seqs.
func kittiMode(ctx context.Context, n node.Node, seqs []*kitti.Sequence, lm *lidarseg.LabelMap, write string, scale float32) (*LidarsegResult, error) {
	conf, err := lidarseg.NewConfusion(lm.NumClasses(), 0)
	if err != nil {
		return nil, err
	}
	res := &LidarsegResult{}
	in := n.Inputs()[0].Name
	cp := &capture{topic: n.Outputs()[0].Name} // the labelled cloud comes first
	msg := &sensor_msgs.PointCloud2{
		Header: std_msgs.Header{FrameID: "velodyne"}, Height: 1, PointStep: kitti.PointSize, IsDense: true,
		Fields: []sensor_msgs.PointField{
			{Name: "x", Offset: 0, Datatype: pointcloud.Float32, Count: 1}, {Name: "y", Offset: 4, Datatype: pointcloud.Float32, Count: 1},
			{Name: "z", Offset: 8, Datatype: pointcloud.Float32, Count: 1}, {Name: "intensity", Offset: 12, Datatype: pointcloud.Float32, Count: 1},
		},
	}
	var data []byte
	var pred, truth []uint16
	// One OS thread for every Handle, as replay.Run keeps: ONNX Runtime's
	// intra-op pool slows when its caller's thread changes between runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, s := range seqs {
		for i := range s.Scans {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			scan, err := kitti.ReadScan(s.ScanPath(i))
			if err != nil {
				return nil, err
			}
			if scale != 0 && scale != 1 {
				scan = scaled(scan, scale)
			}
			stamp := int64(math.Round(s.Time(i) * 1e9))
			msg.Header.Stamp = node.TimeFromNS(stamp)
			msg.Width, msg.RowStep, msg.Data = uint32(scan.Len()), uint32(len(scan)), scan
			data = cdr.MarshalAppend(data, msg)
			cp.got, cp.err = false, nil
			err = n.Handle(&node.Msg{Topic: in, Type: sensor_msgs.PointCloud2TypeName, Data: data, ReceiveTime: stamp}, cp)
			if cp.err != nil {
				return nil, fmt.Errorf("%s: %w", s.ScanPath(i), cp.err)
			}
			var drop *node.Drop
			switch {
			case errors.As(err, &drop):
				res.Dropped++
				cp.raw = append(cp.raw[:0], make([]uint32, scan.Len())...) // unlabelled
			case err != nil:
				return nil, fmt.Errorf("evaluate: %s: %w", s.ScanPath(i), err)
			case !cp.got:
				return nil, fmt.Errorf("evaluate: %s: the node published no labelled cloud", s.ScanPath(i))
			}
			if len(cp.raw) != scan.Len() {
				return nil, fmt.Errorf("evaluate: %s: %d labels for %d points", s.ScanPath(i), len(cp.raw), scan.Len())
			}
			if write != "" {
				if err := kitti.WriteLabels(s.PredictionPath(write, i), cp.raw); err != nil {
					return nil, err
				}
			}
			gt, err := kitti.ReadLabels(s.LabelPath(i))
			if errors.Is(err, fs.ErrNotExist) {
				continue // test split: nothing to score against
			}
			if err != nil {
				return nil, err
			}
			if len(gt) != scan.Len() {
				return nil, fmt.Errorf("evaluate: %s: %d labels for %d points", s.LabelPath(i), len(gt), scan.Len())
			}
			pred, truth = pred[:0], truth[:0]
			for j, g := range gt {
				pred = append(pred, lm.Class(uint32(kitti.Semantic(cp.raw[j]))))
				truth = append(truth, lm.Class(uint32(kitti.Semantic(g))))
			}
			if err := conf.Add(pred, truth); err != nil {
				return nil, fmt.Errorf("evaluate: %s: %w", s.LabelPath(i), err)
			}
			res.Clouds++
			res.Points += int64(len(gt))
		}
	}
	finish(res, conf, lm)
	return res, nil
}

// scaled returns a copy of scan with its remission multiplied by f.
func scaled(scan kitti.Scan, f float32) kitti.Scan {
	out := make(kitti.Scan, len(scan))
	copy(out, scan)
	for i := 0; i < out.Len(); i++ {
		_, _, _, r := out.At(i)
		binary.LittleEndian.PutUint32(out[i*kitti.PointSize+12:], math.Float32bits(r*f))
	}
	return out
}
