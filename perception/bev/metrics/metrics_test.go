package metrics

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

const tol = 1e-9

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func car(x, y float64) Box { return Box{X: x, Y: y, L: 4, W: 2, H: 1.5} }

func eval(t *testing.T, classes []ClassConfig, gt, pred [][]Box) *Result {
	t.Helper()
	r, err := Evaluate(Config{Classes: classes}, gt, pred)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPerfectMatch(t *testing.T) {
	p := car(0.3, 0)
	p.Score = 0.9
	r := eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0)}}, [][]Box{{p}})
	c := r.Classes[0]
	for i, ap := range c.AP {
		if !near(ap, 1) {
			t.Errorf("AP@%g = %g, want 1", r.Thresholds[i], ap)
		}
	}
	if !near(c.ATE, 0.3) || !near(c.ASE, 0) || !near(c.AOE, 0) || !near(c.AVE, 0) || !near(r.MAP, 1) {
		t.Fatalf("errors %+v, want ATE 0.3 and zeros", c)
	}
}

// TestOneTPOneFP: two ground-truth cars, a hit (score 0.9) and a miss (0.8).
// Precision is 1 below recall 0.5, 0.5 at it and 0 above, so AP =
// (39·0.9 + 0.4)/90/0.9 = 35.5/81 at every threshold.
func TestOneTPOneFP(t *testing.T) {
	hit, miss := car(0.3, 0), car(20, 0)
	hit.Score, miss.Score = 0.9, 0.8
	r := eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0), car(50, 50)}}, [][]Box{{miss, hit}})
	c := r.Classes[0]
	want := 35.5 / 81
	for i, ap := range c.AP {
		if !near(ap, want) {
			t.Errorf("AP@%g = %.12f, want %.12f", r.Thresholds[i], ap, want)
		}
	}
	if p := c.Precision[0]; !near(p[49], 1) || !near(p[50], 0.5) || !near(p[51], 0) {
		t.Errorf("precision around recall 0.5: %v", p[48:53])
	}
	if !near(c.ATE, 0.3) {
		t.Errorf("ATE %g, want 0.3", c.ATE)
	}
}

// TestThresholdIsStrict: a prediction exactly 1 m away misses at 0.5 and 1 m
// and hits at 2 and 4 m, so the class mAP is 0.5.
func TestThresholdIsStrict(t *testing.T) {
	p := car(1, 0)
	p.Score = 0.5
	r := eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0)}}, [][]Box{{p}})
	c := r.Classes[0]
	if !near(c.AP[0], 0) || !near(c.AP[1], 0) || !near(c.AP[2], 1) || !near(c.AP[3], 1) || !near(c.MeanAP, 0.5) {
		t.Fatalf("AP %v mean %g, want [0 0 1 1] and 0.5", c.AP, c.MeanAP)
	}
}

// TestTPErrors: size 2×2×1.5 against 4×2×1.5 gives scale IoU 6/12; yaws 3
// and −3 differ by 2π − 6; velocities (1, 0) and (1, 1) by 1 m/s; a barrier
// turned by π − 0.1 is 0.1 off; cones have no orientation or velocity error.
func TestTPErrors(t *testing.T) {
	classes := NuScenesClasses()
	g := car(0, 0)
	g.Yaw, g.VX = 3, 1
	p := Box{X: 1, L: 2, W: 2, H: 1.5, Yaw: -3, VX: 1, VY: 1, Score: 0.7}
	bg := Box{X: 10, L: 2, W: 0.5, H: 1, Class: 5}
	bp := bg
	bp.Yaw, bp.Score = math.Pi-0.1, 0.6
	cg := Box{X: 20, L: 0.4, W: 0.4, H: 1, Class: 9}
	cp := cg
	cp.Yaw, cp.VX, cp.Score = 1, 5, 0.5
	r, err := Evaluate(Config{Classes: classes, SkipEmptyClasses: true}, [][]Box{{g, bg, cg}}, [][]Box{{p, bp, cp}})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Classes[0]
	if !near(c.ATE, 1) || !near(c.ASE, 0.5) || !near(c.AOE, 2*math.Pi-6) || !near(c.AVE, 1) {
		t.Errorf("car errors ATE %g ASE %g AOE %g AVE %g; want 1, 0.5, %g, 1", c.ATE, c.ASE, c.AOE, c.AVE, 2*math.Pi-6)
	}
	b := r.Classes[5]
	if !near(b.AOE, 0.1) || !math.IsNaN(b.AVE) {
		t.Errorf("barrier AOE %g AVE %g, want 0.1 and NaN", b.AOE, b.AVE)
	}
	cone := r.Classes[9]
	if !math.IsNaN(cone.AOE) || !math.IsNaN(cone.AVE) || !near(cone.ATE, 0) {
		t.Errorf("cone %+v: want ATE 0, AOE and AVE NaN", cone)
	}
	// With SkipEmptyClasses, classes without ground truth are NaN and left
	// out of the means. The car is exactly 1 m off: AP 0.5 over the four
	// thresholds.
	if !math.IsNaN(r.Classes[1].MeanAP) || !near(r.MAP, 2.5/3) {
		t.Errorf("truck mAP %g, overall mAP %g; want NaN and 2.5/3", r.Classes[1].MeanAP, r.MAP)
	}
	if !near(r.MATE, 1.0/3) || !near(r.MAOE, (2*math.Pi-6+0.1)/2) || !near(r.MAVE, 1) {
		t.Errorf("MATE %g MAOE %g MAVE %g, want 1/3, the car–barrier mean, 1", r.MATE, r.MAOE, r.MAVE)
	}
	// By default, as in the devkit, the seven empty classes score AP 0 and
	// errors 1 and count in the means.
	r = eval(t, classes, [][]Box{{g, bg, cg}}, [][]Box{{p, bp, cp}})
	if tr := r.Classes[1]; !near(tr.MeanAP, 0) || !near(tr.ATE, 1) || !near(tr.AVE, 1) || !near(r.MAP, 2.5/10) {
		t.Errorf("truck mAP %g ATE %g AVE %g, overall mAP %g; want 0, 1, 1 and 2.5/10", tr.MeanAP, tr.ATE, tr.AVE, r.MAP)
	}
	if !near(r.MATE, (1+7)/10.0) || !near(r.MAVE, (1+7)/8.0) {
		t.Errorf("MATE %g MAVE %g, want 8/10 and 8/8", r.MATE, r.MAVE)
	}
}

// TestErrorCurveInterpolation: two hits with scores 0.9 and 0.6 and
// translation errors 0.2 and 0.4. The error curve is 0.2 up to recall 0.5
// and rises linearly to the cumulative mean 0.3 at recall 1, so ATE =
// (40·0.2 + Σ_{k=1..50} (0.2 + 0.002k))/90 = 20.55/90.
func TestErrorCurveInterpolation(t *testing.T) {
	p1, p2 := car(0.2, 0), car(10.4, 0)
	p1.Score, p2.Score = 0.9, 0.6
	r := eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0), car(10, 0)}}, [][]Box{{p2, p1}})
	if c := r.Classes[0]; !near(c.ATE, 20.55/90) || !near(c.MeanAP, 1) {
		t.Fatalf("ATE %.12f AP %g, want %.12f and 1", c.ATE, c.MeanAP, 20.55/90)
	}
}

func TestNoPredictionsAndFrames(t *testing.T) {
	// The prediction is in frame 1, the car in frame 0: no match.
	p := car(0, 0)
	p.Score = 0.9
	r := eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0)}, {}}, [][]Box{{}, {p}})
	c := r.Classes[0]
	if !near(c.MeanAP, 0) || !near(c.ATE, 1) || !near(c.ASE, 1) || !near(c.AOE, 1) || !near(c.AVE, 1) || r.Frames != 2 {
		t.Fatalf("%+v: want AP 0 and errors 1 over 2 frames", c)
	}
	// The nearest free ground truth is taken: the second prediction falls
	// back to the farther car.
	a, b := car(0.1, 0), car(0.2, 0)
	a.Score, b.Score = 0.9, 0.8
	r = eval(t, []ClassConfig{{Name: "car"}}, [][]Box{{car(0, 0), car(1.5, 0)}}, [][]Box{{a, b}})
	if c := r.Classes[0]; !near(c.AP[0], 35.5/81) || !near(c.AP[1], 35.5/81) {
		t.Fatalf("AP at 0.5 and 1 m %v, want 35.5/81 (the second prediction misses)", c.AP)
	}
	if c := r.Classes[0]; !near(c.AP[2], 1) || !near(c.AP[3], 1) {
		t.Fatalf("AP at 2 and 4 m %v, want 1 (1.3 m to the second car)", c.AP)
	}
}

func TestErrors(t *testing.T) {
	var ce *configerr.Error
	if _, err := NewEvaluator(Config{}); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
		ce.Param != "metrics.Config.Classes" || ce.Reason != "no classes" {
		t.Errorf("no classes: %v", err)
	}
	if _, err := NewEvaluator(Config{Classes: NuScenesClasses(), Thresholds: []float64{1, -1}}); !errors.As(err, &ce) ||
		ce.Param != "metrics.Config.Thresholds[1]" || ce.Value != -1.0 || ce.Reason != "want a finite value > 0 m" {
		t.Errorf("negative threshold: %v", err)
	}
	e, _ := NewEvaluator(Config{Classes: NuScenesClasses()})
	if err := e.Add([]Box{{Class: 10}}, nil); !errors.Is(err, ErrClass) {
		t.Errorf("class 10: %v", err)
	}
	if _, err := Evaluate(Config{Classes: NuScenesClasses()}, make([][]Box, 2), make([][]Box, 1)); !errors.As(err, &ce) ||
		ce.Param != "pred" || ce.Value != 1 || ce.Reason != "prediction frames for 2 ground-truth frames" {
		t.Errorf("frame counts: %v", err)
	}
}

func TestYawDiffAndInterp(t *testing.T) {
	for _, c := range []struct{ a, b, p, want float64 }{
		{0.1, -0.1, 2 * math.Pi, 0.2},
		{3, -3, 2 * math.Pi, 2*math.Pi - 6},
		{0, math.Pi, 2 * math.Pi, math.Pi},
		{0, math.Pi, math.Pi, 0},
		{0, math.Pi/2 + 0.2, math.Pi, math.Pi/2 - 0.2},
		{7, 0.5, 2 * math.Pi, 7 - 0.5 - 2*math.Pi},
	} {
		if got := YawDiff(c.a, c.b, c.p); !near(got, c.want) {
			t.Errorf("YawDiff(%g, %g, %g) = %g, want %g", c.a, c.b, c.p, got, c.want)
		}
	}
	xp, fp := []float64{0.5, 0.5, 1}, []float64{1, 0.5, 0.25}
	for _, c := range []struct{ x, want float64 }{{0, 1}, {0.5, 0.5}, {0.75, 0.375}, {1, 0.25}, {1.5, 0}} {
		if got := interp(c.x, xp, fp, 0); !near(got, c.want) {
			t.Errorf("interp(%g) = %g, want %g (numpy.interp)", c.x, got, c.want)
		}
	}
}

func TestOccupancyIoU(t *testing.T) {
	var o OccupancyIoU
	if err := o.Add([]int8{100, 0, -1, 100, 60}, []int8{100, 100, 100, 0, -1}); err != nil {
		t.Fatal(err)
	}
	if o.Intersection != 1 || o.Union != 4 || o.Ignored != 1 || !near(o.IoU(), 0.25) {
		t.Fatalf("%+v IoU %g, want 1/4 with one ignored cell", o, o.IoU())
	}
	if err := o.Add([]int8{70}, []int8{51}); err != nil || !near(o.IoU(), 2.0/5) {
		t.Fatalf("accumulated IoU %g, want 2/5", o.IoU())
	}
	if err := o.Add([]int8{1}, nil); !errors.Is(err, ErrSize) {
		t.Fatalf("size mismatch: %v", err)
	}
	var empty OccupancyIoU
	if !math.IsNaN(empty.IoU()) {
		t.Fatal("empty IoU not NaN")
	}
}

// TestClassRange: a pedestrian 45 m away is beyond nuScenes' 40 m range, so
// neither its ground truth nor the prediction on it counts.
func TestClassRange(t *testing.T) {
	classes := NuScenesClasses()
	far := Box{X: 45, L: 0.6, W: 0.6, H: 1.7, Class: 8}
	near := Box{X: 10, L: 0.6, W: 0.6, H: 1.7, Class: 8}
	pf, pn := far, near
	pf.Score, pn.Score = 0.9, 0.8
	r, err := Evaluate(Config{Classes: classes}, [][]Box{{far, near}}, [][]Box{{pf, pn}})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Classes[8]
	if c.NumGT != 1 || c.NumPred != 1 || !near1(c.MeanAP) {
		t.Fatalf("pedestrian %d GT, %d predictions, AP %g; want 1, 1, 1", c.NumGT, c.NumPred, c.MeanAP)
	}
}

func near1(v float64) bool { return math.Abs(v-1) < 1e-9 }
