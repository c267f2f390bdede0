package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/internal/testfix/drive"

	"github.com/gopercept/gopercept/internal/jsonnull"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	_ "github.com/gopercept/gopercept/nodes/lidarseg" // registers the node
	"github.com/gopercept/gopercept/perception/lidarseg"
	"github.com/gopercept/gopercept/perception/lidarseg/kitti"
)

// exportKITTI writes the lidar sweeps of a bag and their ground truth as a
// SemanticKITTI sequence dir/sequences/08. The remission column holds the
// simulated sensor's 8-bit intensity unchanged, so that the node sees the
// very values the bag gives it; labels carry the instance in the upper 16
// bits as SemanticKITTI's do.
func exportKITTI(t *testing.T, bagPath, dir string) string {
	t.Helper()
	seq := filepath.Join(dir, "sequences", "08")
	type sweep struct {
		pts    [][4]float32
		labels []uint32
	}
	sweeps := map[int64]*sweep{}
	get := func(ns int64) *sweep {
		if sweeps[ns] == nil {
			sweeps[ns] = &sweep{}
		}
		return sweeps[ns]
	}
	err := eachMessage([]string{bagPath}, []string{simdrive.TopicPoints, simdrive.TopicPointLabels},
		func() *sensor_msgs.PointCloud2 { return new(sensor_msgs.PointCloud2) },
		func(topic string, pc *sensor_msgs.PointCloud2) error {
			l := rosconv.Layout(pc, nil)
			if err := l.Validate(len(pc.Data), 0); err != nil {
				return err
			}
			acc := func(name string) func(i int) float64 {
				f, ok := l.Find(name)
				if !ok {
					t.Fatalf("%s has no %s field", topic, name)
				}
				a := l.Accessor(f)
				return func(i int) float64 { return a.Float(pc.Data, i) }
			}
			s := get(node.StampNS(pc.Header.Stamp))
			if topic == simdrive.TopicPoints {
				x, y, z, in := acc("x"), acc("y"), acc("z"), acc("intensity")
				for i := 0; i < l.NumPoints(); i++ {
					s.pts = append(s.pts, [4]float32{float32(x(i)), float32(y(i)), float32(z(i)), float32(in(i))})
				}
				return nil
			}
			lab, inst := acc("label"), acc("instance")
			for i := 0; i < l.NumPoints(); i++ {
				s.labels = append(s.labels, uint32(lab(i))|uint32(inst(i))<<16)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	stamps := make([]int64, 0, len(sweeps))
	for ns := range sweeps {
		stamps = append(stamps, ns)
	}
	slices.Sort(stamps)
	var times bytes.Buffer
	for i, ns := range stamps {
		s := sweeps[ns]
		if len(s.pts) == 0 || len(s.pts) != len(s.labels) {
			t.Fatalf("sweep at %d: %d points, %d labels", ns, len(s.pts), len(s.labels))
		}
		name := fmt.Sprintf("%06d", i)
		if err := kitti.WriteScan(filepath.Join(seq, "velodyne", name+".bin"), s.pts); err != nil {
			t.Fatal(err)
		}
		if err := kitti.WriteLabels(filepath.Join(seq, "labels", name+".label"), s.labels); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&times, "%.9e\n", float64(ns-stamps[0])/1e9)
	}
	if err := os.WriteFile(filepath.Join(seq, "times.txt"), times.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := kitti.WriteCalib(filepath.Join(seq, "calib.txt"), kitti.Calib{"Tr": {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}}); err != nil {
		t.Fatal(err)
	}
	return seq
}

// TestLidarsegKITTIRoundTrip writes a simulated drive as a SemanticKITTI
// sequence, runs lidarseg-small on it through the node, writes the
// predictions, and checks that (1) the scores equal those of the same drive
// replayed from its bag, point for point, and (2) the prediction files read
// back give the same confusion matrix.
func TestLidarsegKITTIRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a drive and runs the model")
	}
	dir := t.TempDir()
	bagPath := filepath.Join(dir, "drive.mcap")
	if err := drive.Write(bagPath, simdrive.Config{Seed: 301, Duration: 0.3, Cameras: "none"}); err != nil {
		t.Fatal(err)
	}
	seq := exportKITTI(t, bagPath, dir)
	lm := lidarseg.SemanticKITTI()
	params := []string{"../../../params/lidarseg.yaml"}
	over := map[string]any{"model.path": "models/lidarseg-small.onnx"}
	predRoot := filepath.Join(dir, "pred")
	got, err := LidarsegKITTI(context.Background(), LidarsegKITTIConfig{Sequences: []string{seq}, ParamsFiles: params, Params: over,
		LabelMap: lm, Root: "../../..", Modes: []string{"knn"}, WriteLabels: predRoot})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Lidarseg(context.Background(), LidarsegConfig{Bags: []string{bagPath}, ParamsFiles: params, Params: over,
		LabelMap: lm, Root: "../../..", Modes: []string{"knn"}})
	if err != nil {
		t.Fatal(err)
	}
	g, b := got[0], want[0]
	if g.Clouds != b.Clouds || g.Points != b.Points || g.Clouds < 2 || g.Dropped != 0 {
		t.Fatalf("SemanticKITTI: %d scans, %d points, %d dropped; bag: %d clouds, %d points", g.Clouds, g.Points, g.Dropped, b.Clouds, b.Points)
	}
	if !slices.EqualFunc(g.Confusion, b.Confusion, slices.Equal) {
		t.Fatalf("confusion from the SemanticKITTI files differs from the bag's")
	}
	if g.MeanIoUSemanticKITTI != b.MeanIoUSemanticKITTI || g.MeanIoU != b.MeanIoU {
		t.Fatalf("mIoU %g / %g, bag %g / %g", g.MeanIoU, g.MeanIoUSemanticKITTI, b.MeanIoU, b.MeanIoUSemanticKITTI)
	}

	// The written predictions, read back and scored, give the same matrix.
	s, err := kitti.Open(seq)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := lidarseg.NewConfusion(lm.NumClasses(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Scans {
		pred, err := kitti.ReadLabels(s.PredictionPath(predRoot, i))
		if err != nil {
			t.Fatal(err)
		}
		gt, err := kitti.ReadLabels(s.LabelPath(i))
		if err != nil {
			t.Fatal(err)
		}
		if len(pred) != len(gt) {
			t.Fatalf("scan %s: %d predictions for %d points", s.Scans[i], len(pred), len(gt))
		}
		p16 := make([]uint16, len(pred))
		for j, v := range pred {
			if kitti.Instance(v) != 0 || v != uint32(lm.RawID(lm.Class(v))) {
				t.Fatalf("scan %s point %d: prediction %#x is not a class's raw id", s.Scans[i], j, v)
			}
			p16[j] = uint16(v)
		}
		if err := conf.AddRaw(lm, p16, gt); err != nil {
			t.Fatal(err)
		}
	}
	for p := range g.Confusion {
		for q := range g.Confusion {
			if conf.Count(p, q) != g.Confusion[p][q] {
				t.Fatalf("prediction files: confusion[%d][%d] = %d, evaluation %d", p, q, conf.Count(p, q), g.Confusion[p][q])
			}
		}
	}
	t.Logf("seed 301, %d scans, %d points: mIoU %.4f over %d present classes, SemanticKITTI mIoU %.4f over %d",
		g.Clouds, g.Points, g.MeanIoU, g.Classes, g.MeanIoUSemanticKITTI, g.ClassesSemanticKITTI)
}

// TestLidarsegJSONNull checks that scores with nothing to average come out
// as null beside the counts that explain them, where encoding/json fails.
func TestLidarsegJSONNull(t *testing.T) {
	lm := lidarseg.SemanticKITTI()
	conf, err := lidarseg.NewConfusion(lm.NumClasses(), 0)
	if err != nil {
		t.Fatal(err)
	}
	empty := LidarsegResult{Mode: "knn"}
	finish(&empty, conf, lm) // nothing scored: every score undefined
	// One car point right, one road point called car.
	if err := conf.Add([]uint16{1, 1}, []uint16{1, 9}); err != nil {
		t.Fatal(err)
	}
	some := LidarsegResult{Mode: "none", Clouds: 1, Points: 2}
	finish(&some, conf, lm)
	rs := []LidarsegResult{empty, some}
	if _, err := json.Marshal(rs); err == nil {
		t.Fatal("encoding/json wrote NaN: the null path is untested")
	}
	raw, err := jsonnull.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	e := back[0]
	for _, k := range []string{"miou_present_classes", "miou_semantic_kitti", "accuracy", "accuracy_semantic_kitti"} {
		if v, ok := e[k]; !ok || v != nil {
			t.Errorf("empty result: %s = %v, want null", k, v)
		}
	}
	if e["points_scored"] != 0.0 || e["classes_present"] != 0.0 {
		t.Errorf("empty result: points_scored %v, classes_present %v, want 0 and 0", e["points_scored"], e["classes_present"])
	}
	s := back[1]
	if s["miou_present_classes"] != 0.25 || s["classes_present"] != 2.0 {
		t.Errorf("mIoU over present classes %v over %v, want (1/2 + 0/1)/2 = 0.25 over 2", s["miou_present_classes"], s["classes_present"])
	}
	if v := s["miou_semantic_kitti"].(float64); math.Abs(v-0.5/19) > 1e-15 || s["classes_semantic_kitti"] != 19.0 {
		t.Errorf("SemanticKITTI mIoU %v over %v, want 0.5/19 over 19", v, s["classes_semantic_kitti"])
	}
	classes := s["per_class"].([]any)
	if len(classes) != 19 {
		t.Fatalf("%d per-class entries, want the 19 classes not ignored", len(classes))
	}
	for _, c := range classes {
		c := c.(map[string]any)
		switch c["class"] {
		case "car":
			if c["iou"] != 0.5 || c["tp"] != 1.0 || c["fp"] != 1.0 || c["fn"] != 0.0 {
				t.Errorf("car: %v", c)
			}
		case "road":
			if c["iou"] != 0.0 || c["fn"] != 1.0 {
				t.Errorf("road: %v", c)
			}
		default:
			if c["iou"] != nil || c["tp"] != 0.0 || c["fp"] != 0.0 || c["fn"] != 0.0 {
				t.Errorf("%s, neither present nor predicted: %v, want iou null and zero counts", c["class"], c)
			}
		}
	}
}
