package evaluate

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/gopercept/gopercept/cdr"
	"github.com/gopercept/gopercept/lidarseg"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/pointcloud"
	"github.com/gopercept/gopercept/replay"
	"github.com/gopercept/gopercept/rosconv"
	"github.com/gopercept/gopercept/rosmsg/sensor_msgs"
)

// LidarsegConfig configures Lidarseg.
type LidarsegConfig struct {
	Bags        []string           // bags with the input cloud and its ground truth
	ParamsFiles []string           // lidarseg parameter files (model, projection)
	Params      map[string]any     // overrides
	GTTopic     string             // ground-truth labels cloud; default /gt/lidar/labels
	OutputTopic string             // the node's labelled cloud; default /lidarseg/labelled
	LabelMap    *lidarseg.LabelMap // raw ids → classes
	Root        string             // resolves relative model paths
	Modes       []string           // post_processing values to compare; default knn, none
	Progress    io.Writer          // optional
}

// ClassIoU is one class's IoU.
type ClassIoU struct {
	Class string  `json:"class"`
	RawID int     `json:"raw_id"`
	IoU   float64 `json:"iou"`
}

// LidarsegResult is the score of one post-processing mode.
type LidarsegResult struct {
	Mode      string     `json:"post_processing"`
	Clouds    int        `json:"clouds"`
	Points    int64      `json:"points"`
	MeanIoU   float64    `json:"miou"`
	Classes   int        `json:"classes_present"`
	Accuracy  float64    `json:"accuracy"`
	PerClass  []ClassIoU `json:"per_class"`
	Confusion [][]uint64 `json:"confusion"` // [pred][gt] over class indices
	Names     []string   `json:"class_names"`
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
			Params: map[string]map[string]any{"lidarseg": params}, Fast: true, Root: cfg.Root,
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
		res.MeanIoU, res.Classes = conf.MeanIoU()
		res.Accuracy = conf.Accuracy()
		ious := conf.IoU()
		n := conf.Classes()
		res.Confusion = make([][]uint64, n)
		for p := 0; p < n; p++ {
			res.Confusion[p] = make([]uint64, n)
			for g := 0; g < n; g++ {
				res.Confusion[p][g] = conf.Count(p, g)
			}
		}
		for c, v := range ious {
			res.Names = append(res.Names, cfg.LabelMap.ClassName(uint16(c)))
			if math.IsNaN(v) {
				continue
			}
			res.PerClass = append(res.PerClass, ClassIoU{Class: cfg.LabelMap.ClassName(uint16(c)), RawID: int(cfg.LabelMap.RawID(uint16(c))), IoU: v})
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "eval lidarseg (%s): %d clouds, mIoU %.3f\n", mode, res.Clouds, res.MeanIoU)
		}
		out = append(out, res)
	}
	return out, nil
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
		fmt.Fprintf(w, "lidarseg %-5s: %d clouds, %d points, mIoU %.3f over %d classes, accuracy %.3f\n", r.Mode, r.Clouds, r.Points, r.MeanIoU, r.Classes, r.Accuracy)
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
