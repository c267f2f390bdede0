package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gopercept/gopercept/internal/configerr"
)

// RecallPoints is the number of recall samples of a precision curve: 0,
// 0.01, …, 1.
const RecallPoints = 101

// recallGrid holds the recall samples as the nuScenes devkit's accumulate
// makes them, numpy.linspace(0, 1, 101): i times the float nearest 0.01, and
// exactly 1 last. i/100 differs from it in the last bit at 10 points, which
// moves an interpolated precision and so AP.
var recallGrid = func() (g [RecallPoints]float64) {
	step := 1.0 / (RecallPoints - 1)
	for i := range g {
		g[i] = float64(i) * step
	}
	g[RecallPoints-1] = 1
	return g
}()

// Box is one ground-truth or predicted box for evaluation, in any one
// metric frame shared by the ground truth and the predictions of a frame
// (base_link or a global frame): centre X, Y, Z in metres, size L (along the
// heading), W, H in metres, Yaw in radians, velocity VX, VY in m/s, Score in
// [0, 1] (ignored for ground truth) and Class, an index into
// Config.Classes.
type Box struct {
	X, Y, Z float64
	L, W, H float64
	Yaw     float64
	VX, VY  float64
	Score   float64
	Class   int
}

// ClassConfig describes one evaluated class.
type ClassConfig struct {
	// Name labels the class in results, e.g. "car".
	Name string
	// YawPeriod is the period of the class's orientation in radians for AOE:
	// 0 means 2π; π for objects that look the same turned round (barrier).
	YawPeriod float64
	// NoOrientation makes AOE undefined (NaN) for the class (traffic cone).
	NoOrientation bool
	// NoVelocity makes AVE undefined (NaN) for the class (cone, barrier).
	NoVelocity bool
	// MaxRange drops ground truth and predictions of the class whose centre
	// lies farther than this from the frame origin in x, y (m), as nuScenes'
	// class ranges do; 0 keeps all.
	MaxRange float64
}

// NuScenesClasses returns nuScenes' ten detection classes in CenterPoint's
// head order, with nuScenes' orientation and velocity exceptions and class
// ranges (50 m for vehicles, 40 m for pedestrians and two-wheelers, 30 m
// for barriers and cones).
func NuScenesClasses() []ClassConfig {
	return []ClassConfig{
		{Name: "car", MaxRange: 50}, {Name: "truck", MaxRange: 50}, {Name: "construction_vehicle", MaxRange: 50},
		{Name: "bus", MaxRange: 50}, {Name: "trailer", MaxRange: 50},
		{Name: "barrier", YawPeriod: math.Pi, NoVelocity: true, MaxRange: 30},
		{Name: "motorcycle", MaxRange: 40}, {Name: "bicycle", MaxRange: 40}, {Name: "pedestrian", MaxRange: 40},
		{Name: "traffic_cone", NoOrientation: true, NoVelocity: true, MaxRange: 30},
	}
}

// Config configures detection evaluation.
type Config struct {
	// Classes lists the evaluated classes; Box.Class indexes it. Required.
	Classes []ClassConfig
	// Thresholds are the centre-distance matching thresholds in metres;
	// default 0.5, 1, 2, 4.
	Thresholds []float64
	// TPThreshold is the threshold in metres at which the true-positive
	// errors are measured; default 2.
	TPThreshold float64
	// MinRecall is the recall below which the curve is ignored; default 0.1.
	MinRecall float64
	// MinPrecision is subtracted from the precision (clipped at 0) before
	// averaging; default 0.1.
	MinPrecision float64
	// SkipEmptyClasses reports a class without ground truth as NaN (AP and
	// errors) and leaves it out of the means, so that a bag without, say,
	// trailers does not lower the mAP of a model that never claims one.
	// By default such a class scores as in the nuScenes devkit: AP 0 and
	// errors 1, counted in the means.
	SkipEmptyClasses bool
}

func (c *Config) fill() error {
	if len(c.Classes) == 0 {
		return configErr("Classes", nil, "no classes")
	}
	if len(c.Thresholds) == 0 {
		c.Thresholds = []float64{0.5, 1, 2, 4}
	}
	for i, t := range c.Thresholds {
		if !(t > 0) || math.IsInf(t, 0) {
			return configErr(fmt.Sprintf("Thresholds[%d]", i), t, "want a finite value > 0 m")
		}
	}
	if c.TPThreshold == 0 {
		c.TPThreshold = 2
	}
	if !(c.TPThreshold > 0) || math.IsInf(c.TPThreshold, 0) {
		return configErr("TPThreshold", c.TPThreshold, "want a finite value > 0 m")
	}
	if c.MinRecall == 0 {
		c.MinRecall = 0.1
	}
	if c.MinPrecision == 0 {
		c.MinPrecision = 0.1
	}
	if !(c.MinRecall >= 0 && firstRecall(c.MinRecall) < RecallPoints) {
		return configErr("MinRecall", c.MinRecall, "want in [0, 0.995)")
	}
	if !(c.MinPrecision >= 0 && c.MinPrecision < 1) {
		return configErr("MinPrecision", c.MinPrecision, "want in [0, 1)")
	}
	return nil
}

// ClassResult holds one class's scores.
type ClassResult struct {
	Name    string `json:"name"`
	NumGT   int    `json:"num_gt"`
	NumPred int    `json:"num_pred"`
	// AP holds the average precision per Config.Thresholds entry, in [0, 1];
	// 0 when the class has no ground truth (NaN with
	// Config.SkipEmptyClasses).
	AP []float64 `json:"ap"`
	// MeanAP is the mean of AP over the thresholds.
	MeanAP float64 `json:"mean_ap"`
	// ATE (m), ASE (1 − IoU), AOE (rad) and AVE (m/s) are the true-positive
	// errors at Config.TPThreshold; 1 when nothing matched (or without
	// ground truth), NaN when undefined for the class (or without ground
	// truth with Config.SkipEmptyClasses).
	ATE float64 `json:"ate_m"`
	ASE float64 `json:"ase"`
	AOE float64 `json:"aoe_rad"`
	AVE float64 `json:"ave_m_s"`
	// Precision holds the resampled precision curve per threshold at recall
	// i·0.01, i = 0…100 (numpy.linspace(0, 1, 101), as the devkit samples).
	Precision [][RecallPoints]float64 `json:"-"`
}

// Result holds the evaluation of all classes.
type Result struct {
	Thresholds []float64
	Classes    []ClassResult
	// MAP is the mean of MeanAP over the classes (those with ground truth
	// with Config.SkipEmptyClasses).
	MAP float64
	// MATE, MASE, MAOE and MAVE are the means of the class errors over the
	// classes where they are defined.
	MATE, MASE, MAOE, MAVE float64
	// Frames is the number of frames added.
	Frames int
}

// Evaluator accumulates frames of ground truth and predictions. It is not
// safe for concurrent use.
type Evaluator struct {
	cfg    Config
	gt     []framed
	pred   []framed
	frames int
}

// framed is a box with the index of its frame.
type framed struct {
	Box
	frame int
}

// NewEvaluator validates cfg, fills its defaults and returns an Evaluator.
func NewEvaluator(cfg Config) (*Evaluator, error) {
	cfg.Classes = slices.Clone(cfg.Classes)
	cfg.Thresholds = slices.Clone(cfg.Thresholds)
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	return &Evaluator{cfg: cfg}, nil
}

// Add records one frame: its ground-truth boxes and its predictions, both
// in the frame's ego coordinates when class ranges are used (boxes beyond
// their class's MaxRange are dropped). Predictions only match ground truth
// of the same frame. It returns an error
// wrapping ErrClass, and records nothing, when a box's class is out of
// range.
func (e *Evaluator) Add(gt, pred []Box) error {
	for i, b := range gt {
		if b.Class < 0 || b.Class >= len(e.cfg.Classes) {
			return fmt.Errorf("metrics: frame %d ground truth %d: class %d: %w", e.frames, i, b.Class, ErrClass)
		}
	}
	for i, b := range pred {
		if b.Class < 0 || b.Class >= len(e.cfg.Classes) {
			return fmt.Errorf("metrics: frame %d prediction %d: class %d: %w", e.frames, i, b.Class, ErrClass)
		}
	}
	for _, b := range gt {
		if e.inRange(b) {
			e.gt = append(e.gt, framed{b, e.frames})
		}
	}
	for _, b := range pred {
		if e.inRange(b) {
			e.pred = append(e.pred, framed{b, e.frames})
		}
	}
	e.frames++
	return nil
}

// inRange reports whether b lies within its class's MaxRange: strictly
// closer, as the devkit's filter_eval_boxes keeps ego_dist < range.
func (e *Evaluator) inRange(b Box) bool {
	r := e.cfg.Classes[b.Class].MaxRange
	return r <= 0 || math.Sqrt(b.X*b.X+b.Y*b.Y) < r
}

// Evaluate scores one batch of frames: gt[f] and pred[f] are frame f.
func Evaluate(cfg Config, gt, pred [][]Box) (*Result, error) {
	if len(gt) != len(pred) {
		return nil, fmt.Errorf("metrics: %w", configerr.New("pred", len(pred), "prediction frames for %d ground-truth frames", len(gt)))
	}
	e, err := NewEvaluator(cfg)
	if err != nil {
		return nil, err
	}
	for f := range gt {
		if err := e.Add(gt[f], pred[f]); err != nil {
			return nil, err
		}
	}
	return e.Result(), nil
}

// curve is nuScenes' MetricData for one class and threshold.
type curve struct {
	precision, confidence [RecallPoints]float64
	ate, ase, aoe, ave    [RecallPoints]float64
	noMatch               bool
}

// Result computes the scores of everything added so far.
func (e *Evaluator) Result() *Result {
	res := &Result{Thresholds: slices.Clone(e.cfg.Thresholds), Frames: e.frames}
	nc := len(e.cfg.Classes)
	gtBy := make([][]framed, nc)
	predBy := make([][]framed, nc)
	for _, b := range e.gt {
		gtBy[b.Class] = append(gtBy[b.Class], b)
	}
	for _, b := range e.pred {
		predBy[b.Class] = append(predBy[b.Class], b)
	}
	var sums [5]float64
	var counts [5]int
	for c, cc := range e.cfg.Classes {
		cr := ClassResult{Name: cc.Name, NumGT: len(gtBy[c]), NumPred: len(predBy[c]),
			AP: make([]float64, len(e.cfg.Thresholds)), Precision: make([][RecallPoints]float64, len(e.cfg.Thresholds))}
		preds := predBy[c]
		// Best score first, and among equal scores the later box first: the
		// devkit walks sorted((score, index)) backwards.
		slices.Reverse(preds)
		slices.SortStableFunc(preds, func(a, b framed) int { return cmp.Compare(b.Score, a.Score) })
		if cr.NumGT == 0 && e.cfg.SkipEmptyClasses {
			cr.MeanAP, cr.ATE, cr.ASE, cr.AOE, cr.AVE = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
			for i := range cr.AP {
				cr.AP[i] = math.NaN()
			}
			res.Classes = append(res.Classes, cr)
			continue
		}
		var apSum float64
		for ti, th := range e.cfg.Thresholds {
			cv := accumulate(gtBy[c], preds, th, cc)
			cr.AP[ti] = e.ap(cv)
			cr.Precision[ti] = cv.precision
			apSum += cr.AP[ti]
		}
		cr.MeanAP = apSum / float64(len(e.cfg.Thresholds))
		cv := accumulate(gtBy[c], preds, e.cfg.TPThreshold, cc)
		cr.ATE = e.tp(cv, &cv.ate)
		cr.ASE = e.tp(cv, &cv.ase)
		cr.AOE = e.tp(cv, &cv.aoe)
		cr.AVE = e.tp(cv, &cv.ave)
		if cc.NoOrientation {
			cr.AOE = math.NaN()
		}
		if cc.NoVelocity {
			cr.AVE = math.NaN()
		}
		for i, v := range [5]float64{cr.MeanAP, cr.ATE, cr.ASE, cr.AOE, cr.AVE} {
			if !math.IsNaN(v) {
				sums[i] += v
				counts[i]++
			}
		}
		res.Classes = append(res.Classes, cr)
	}
	mean := func(i int) float64 {
		if counts[i] == 0 {
			return math.NaN()
		}
		return sums[i] / float64(counts[i])
	}
	res.MAP, res.MATE, res.MASE, res.MAOE, res.MAVE = mean(0), mean(1), mean(2), mean(3), mean(4)
	return res
}

// accumulate matches preds (sorted best first) to gt at threshold th and
// returns the resampled curves (nuScenes' accumulate).
func accumulate(gt, preds []framed, th float64, cc ClassConfig) *curve {
	cv := &curve{}
	byFrame := map[int][]int{}
	for i, g := range gt {
		byFrame[g.frame] = append(byFrame[g.frame], i)
	}
	taken := make([]bool, len(gt))
	n := len(preds)
	rec := make([]float64, 0, n)
	prec := make([]float64, 0, n)
	conf := make([]float64, 0, n)
	var mconf, ate, ase, aoe, ave []float64
	tp, fp := 0, 0
	period := cc.YawPeriod
	if period == 0 {
		period = 2 * math.Pi
	}
	for _, p := range preds {
		best, bestD := -1, math.Inf(1)
		for _, gi := range byFrame[p.frame] {
			if taken[gi] {
				continue
			}
			if d := centreDistance(gt[gi].Box, p.Box); d < bestD {
				best, bestD = gi, d
			}
		}
		if best >= 0 && bestD < th {
			taken[best] = true
			tp++
			g := gt[best].Box
			mconf = append(mconf, p.Score)
			ate = append(ate, bestD)
			ase = append(ase, 1-ScaleIoU(g, p.Box))
			aoe = append(aoe, YawDiff(g.Yaw, p.Yaw, period))
			ave = append(ave, math.Sqrt((g.VX-p.VX)*(g.VX-p.VX)+(g.VY-p.VY)*(g.VY-p.VY)))
		} else {
			fp++
		}
		prec = append(prec, float64(tp)/float64(tp+fp))
		if len(gt) > 0 {
			rec = append(rec, float64(tp)/float64(len(gt)))
		}
		conf = append(conf, p.Score)
	}
	if tp == 0 {
		// nuScenes' no_predictions (also its answer for a class without
		// ground truth): precision and confidence 0, errors 1.
		cv.noMatch = true
		for i := range RecallPoints {
			cv.ate[i], cv.ase[i], cv.aoe[i], cv.ave[i] = 1, 1, 1, 1
		}
		return cv
	}
	for i, r := range recallGrid {
		cv.precision[i] = interp(r, rec, prec, 0)
		cv.confidence[i] = interp(r, rec, conf, 0)
	}
	// The error curves: cumulative means over the matches (best first),
	// looked up at each recall point's confidence through the matches'
	// confidences (reversed so that they increase).
	slices.Reverse(mconf)
	for _, m := range []struct {
		dst  *[RecallPoints]float64
		errs []float64
	}{{&cv.ate, ate}, {&cv.ase, ase}, {&cv.aoe, aoe}, {&cv.ave, ave}} {
		cm := cummean(m.errs)
		slices.Reverse(cm)
		for i := range RecallPoints {
			m.dst[i] = interp(cv.confidence[i], mconf, cm, cm[len(cm)-1])
		}
	}
	return cv
}

// firstRecall is the first recall point above minRecall, as calc_ap and
// calc_tp index it: Python's round (half to even) of 100·minRecall, plus 1.
func firstRecall(minRecall float64) int { return int(math.RoundToEven(100*minRecall)) + 1 }

// ap is nuScenes' calc_ap.
func (e *Evaluator) ap(cv *curve) float64 {
	first := firstRecall(e.cfg.MinRecall)
	var s float64
	for _, p := range cv.precision[first:] {
		s += max(p-e.cfg.MinPrecision, 0)
	}
	return s / float64(RecallPoints-first) / (1 - e.cfg.MinPrecision)
}

// tp is nuScenes' calc_tp: the mean error from just above MinRecall to the
// largest recall reached, 1 when that range is empty.
func (e *Evaluator) tp(cv *curve, errs *[RecallPoints]float64) float64 {
	first := firstRecall(e.cfg.MinRecall)
	last := -1
	for i := RecallPoints - 1; i >= 0; i-- {
		if cv.confidence[i] != 0 {
			last = i
			break
		}
	}
	if cv.noMatch || last < first {
		return 1
	}
	var s float64
	for _, v := range errs[first : last+1] {
		s += v
	}
	return s / float64(last+1-first)
}

// interp is numpy.interp for one x over increasing (possibly repeated) xp:
// fp[0] left of xp[0], right beyond xp[len−1], fp[len−1] at it, linear in
// between using the last xp[j] ≤ x.
func interp(x float64, xp, fp []float64, right float64) float64 {
	n := len(xp)
	if n == 0 {
		return right
	}
	if x < xp[0] {
		return fp[0]
	}
	if x > xp[n-1] {
		return right
	}
	// j: last index with xp[j] ≤ x.
	j, _ := slices.BinarySearchFunc(xp, x, func(a, t float64) int {
		if a <= t {
			return -1
		}
		return 1
	})
	j--
	if j >= n-1 || xp[j] == x {
		return fp[j]
	}
	// numpy's order of operations, slope first.
	slope := (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])
	return slope*(x-xp[j]) + fp[j]
}

// cummean returns the running means of x, skipping NaN (an unknown
// velocity) as the devkit's cummean does: 0 before the first number, and
// all ones when x holds no number at all.
func cummean(x []float64) []float64 {
	out := make([]float64, len(x))
	var s float64
	n := 0
	for i, v := range x {
		if !math.IsNaN(v) {
			s += v
			n++
		}
		if n > 0 {
			out[i] = s / float64(n)
		}
	}
	if n == 0 {
		for i := range out {
			out[i] = 1
		}
	}
	return out
}

// centreDistance is the bird's-eye-view distance between box centres, m,
// computed as numpy.linalg.norm does.
func centreDistance(a, b Box) float64 {
	dx, dy := a.X-b.X, a.Y-b.Y
	return math.Sqrt(dx*dx + dy*dy)
}

// ScaleIoU returns the 3D IoU of a and b after aligning their centres and
// yaws: the overlap of the two size boxes, min(l)·min(w)·min(h), over the
// union of their volumes. It is 0 when either box has no volume.
func ScaleIoU(a, b Box) float64 {
	va, vb := a.L*a.W*a.H, b.L*b.W*b.H
	if !(va > 0 && vb > 0) {
		return 0
	}
	inter := math.Min(a.L, b.L) * math.Min(a.W, b.W) * math.Min(a.H, b.H)
	return inter / (va + vb - inter)
}

// YawDiff returns the smallest absolute difference in radians between yaws
// a and b when orientations repeat every period radians (2π for most
// objects, π for symmetric ones), in [0, period/2] (and at most π).
func YawDiff(a, b, period float64) float64 {
	d := math.Mod(a-b+period/2, period)
	if d < 0 {
		d += period
	}
	d -= period / 2
	if d > math.Pi {
		d -= 2 * math.Pi
	}
	return math.Abs(d)
}
