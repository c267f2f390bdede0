package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// goldenTol absorbs summation order only: numpy's mean sums pairwise, we
// sum in order (~1e-16 on values of order 1).
const goldenTol = 1e-12

// goldenBox is a box of testdata/nuscenes_golden.json in our convention; a
// null velocity is NaN (nuScenes ground truth may lack one).
type goldenBox struct {
	Name             string
	X, Y, Z, L, W, H float64
	Yaw              float64
	VX, VY           *float64
	Score            float64
}

type goldenClass struct {
	NumGT     int         `json:"num_gt"`
	NumPred   int         `json:"num_pred"`
	AP        []float64   `json:"ap"`
	MeanAP    float64     `json:"mean_ap"`
	Precision [][]float64 `json:"precision"`
	TransErr  *float64    `json:"trans_err"`
	ScaleErr  *float64    `json:"scale_err"`
	OrientErr *float64    `json:"orient_err"`
	VelErr    *float64    `json:"vel_err"`
}

type goldenCase struct {
	Name   string
	Frames []struct {
		GT   []goldenBox `json:"gt"`
		Pred []goldenBox `json:"pred"`
	}
	Classes  map[string]goldenClass
	MeanAP   float64             `json:"mean_ap"`
	TPErrors map[string]*float64 `json:"tp_errors"`
	Recall   []float64
}

type golden struct {
	Devkit     string
	Cases      []goldenCase
	Submission json.RawMessage
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/nuscenes_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("testdata/nuscenes_golden.json: %v", err)
	}
	return &g
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// classIndex maps nuScenes class names to NuScenesClasses indices.
func classIndex(t *testing.T) map[string]int {
	t.Helper()
	idx := map[string]int{}
	for i, c := range NuScenesClasses() {
		idx[c.Name] = i
	}
	return idx
}

func (b goldenBox) box(t *testing.T, idx map[string]int) Box {
	t.Helper()
	c, ok := idx[b.Name]
	if !ok {
		t.Fatalf("golden class %q is not a nuScenes class", b.Name)
	}
	return Box{X: b.X, Y: b.Y, Z: b.Z, L: b.L, W: b.W, H: b.H, Yaw: b.Yaw, VX: orNaN(b.VX), VY: orNaN(b.VY), Score: b.Score, Class: c}
}

func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

// TestNuScenesDevkitGolden scores the golden scenes and compares every AP,
// precision curve, true-positive error and mean with the nuScenes devkit's
// own evaluation of the same boxes.
func TestNuScenesDevkitGolden(t *testing.T) {
	g := loadGolden(t)
	idx := classIndex(t)
	classes := NuScenesClasses()
	for _, gc := range g.Cases {
		t.Run(gc.Name, func(t *testing.T) {
			if len(gc.Recall) != RecallPoints {
				t.Fatalf("golden recall has %d points", len(gc.Recall))
			}
			for i, r := range gc.Recall {
				if recallGrid[i] != r {
					t.Errorf("recall point %d: %.17g, devkit %.17g", i, recallGrid[i], r)
				}
			}
			gt := make([][]Box, len(gc.Frames))
			pred := make([][]Box, len(gc.Frames))
			for f, fr := range gc.Frames {
				for _, b := range fr.GT {
					gt[f] = append(gt[f], b.box(t, idx))
				}
				for _, b := range fr.Pred {
					pred[f] = append(pred[f], b.box(t, idx))
				}
			}
			r, err := Evaluate(Config{Classes: classes}, gt, pred)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want float64) {
				t.Helper()
				if !closeTo(got, want, goldenTol) {
					t.Errorf("%s = %.15g, devkit %.15g", what, got, want)
				}
			}
			for ci, cc := range classes {
				want, ok := gc.Classes[cc.Name]
				if !ok {
					t.Fatalf("golden lacks class %s", cc.Name)
				}
				got := r.Classes[ci]
				if got.NumGT != want.NumGT || got.NumPred != want.NumPred {
					t.Errorf("%s: %d ground truth, %d predictions in range; devkit %d, %d", cc.Name, got.NumGT, got.NumPred, want.NumGT, want.NumPred)
				}
				for ti := range r.Thresholds {
					check(fmt.Sprintf("%s AP@%g", cc.Name, r.Thresholds[ti]), got.AP[ti], want.AP[ti])
					if want.NumGT == 0 {
						continue // the devkit's no_predictions curve; ours is not kept
					}
					for i, p := range want.Precision[ti] {
						if !closeTo(got.Precision[ti][i], p, goldenTol) {
							t.Errorf("%s precision@%g at recall point %d = %.15g, devkit %.15g", cc.Name, r.Thresholds[ti], i, got.Precision[ti][i], p)
							break
						}
					}
				}
				check(cc.Name+" mean AP", got.MeanAP, want.MeanAP)
				check(cc.Name+" ATE", got.ATE, orNaN(want.TransErr))
				check(cc.Name+" ASE", got.ASE, orNaN(want.ScaleErr))
				check(cc.Name+" AOE", got.AOE, orNaN(want.OrientErr))
				check(cc.Name+" AVE", got.AVE, orNaN(want.VelErr))
			}
			check("mAP", r.MAP, gc.MeanAP)
			check("mATE", r.MATE, orNaN(gc.TPErrors["trans_err"]))
			check("mASE", r.MASE, orNaN(gc.TPErrors["scale_err"]))
			check("mAOE", r.MAOE, orNaN(gc.TPErrors["orient_err"]))
			check("mAVE", r.MAVE, orNaN(gc.TPErrors["vel_err"]))
		})
	}
}
