package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

// person returns a COCO-17 annotation: a standing figure of height h pixels
// centred at (cx, cy), all keypoints labelled visible.
func person(cx, cy, h float32) Annotation {
	offs := [pose.NumKeypoints][2]float32{
		{0, -0.40}, {0.05, -0.44}, {-0.05, -0.44}, {0.10, -0.42}, {-0.10, -0.42},
		{0.18, -0.28}, {-0.18, -0.28}, {0.24, -0.08}, {-0.24, -0.08}, {0.26, 0.10}, {-0.26, 0.10},
		{0.10, 0.05}, {-0.10, 0.05}, {0.11, 0.28}, {-0.11, 0.28}, {0.12, 0.50}, {-0.12, 0.50},
	}
	a := Annotation{Person: pose.Person{Box: [4]float32{cx - 0.3*h, cy - 0.5*h, cx + 0.3*h, cy + 0.5*h}, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}}
	for i, o := range offs {
		a.Keypoints[i] = pose.Keypoint{X: cx + o[0]*h, Y: cy + o[1]*h, Score: 1, Visibility: pose.Visible}
	}
	return a
}

// predict copies the annotation's keypoints as a prediction with score s,
// every keypoint moved by (dx, dy).
func predict(a Annotation, s, dx, dy float32) pose.Person {
	p := pose.Person{Box: a.Box, Score: s}
	for _, k := range a.Keypoints {
		p.Keypoints = append(p.Keypoints, pose.Keypoint{X: k.X + dx, Y: k.Y + dy, Score: 1, Visibility: pose.Visible})
	}
	return p
}

func TestOKSHandComputed(t *testing.T) {
	gt := person(100, 100, 100)
	gt.Area = 10000
	p := predict(gt, 1, 0, 0)
	if o, err := OKS(p.Keypoints, &gt, nil); err != nil || o != 1 {
		t.Fatalf("perfect: %g %v", o, err)
	}
	// Nose moved 5 px: e = 25 / (4·0.026²) / 10000 / 2 = 0.462278…
	p.Keypoints[pose.Nose].X += 3
	p.Keypoints[pose.Nose].Y += 4
	e := 25 / (4 * 0.026 * 0.026) / 10000 / 2.0
	want := (16 + math.Exp(-e)) / 17
	if o, _ := OKS(p.Keypoints, &gt, nil); math.Abs(o-want) > 1e-12 {
		t.Fatalf("nose 5 px: %.15g, want %.15g", o, want)
	}
	if math.Abs(math.Exp(-e)-0.629847) > 1e-6 {
		t.Fatalf("hand value exp(−e) = %g", math.Exp(-e))
	}
	// An unlabelled keypoint does not count, however far the prediction.
	gt.Keypoints[pose.LeftAnkle].Visibility = pose.NotLabelled
	p.Keypoints[pose.LeftAnkle].X += 1000
	want = (15 + math.Exp(-e)) / 16
	if o, _ := OKS(p.Keypoints, &gt, nil); math.Abs(o-want) > 1e-12 {
		t.Fatalf("unlabelled ankle: %g, want %g", o, want)
	}
	// Area 0 falls back to the box area (60 × 100).
	gt2 := person(100, 100, 100)
	q := predict(gt2, 1, 0, 0)
	q.Keypoints[pose.Nose].X += 5
	want = (16 + math.Exp(-25/(4*0.026*0.026)/6000/2.0)) / 17
	if o, _ := OKS(q.Keypoints, &gt2, nil); math.Abs(o-want) > 1e-6 {
		t.Fatalf("box area: %g, want %g", o, want)
	}
	// No labelled keypoint: distance outside the box grown by its size.
	gt3 := person(100, 100, 100) // box x 70..130 → 10..190, y 50..150 → −50..250
	for i := range gt3.Keypoints {
		gt3.Keypoints[i].Visibility = pose.NotLabelled
	}
	r := predict(gt3, 1, 0, 0)
	if o, _ := OKS(r.Keypoints, &gt3, nil); o != 1 {
		t.Fatalf("inside the grown box: %g", o)
	}
	for i := range r.Keypoints {
		r.Keypoints[i].X = 200 // 10 px right of the grown box
	}
	sum := 0.0
	for _, s := range pose.Sigmas {
		sum += math.Exp(-100 / (4 * s * s) / 6000 / 2)
	}
	if o, _ := OKS(r.Keypoints, &gt3, nil); math.Abs(o-sum/17) > 1e-12 {
		t.Fatalf("outside the grown box: %g, want %g", o, sum/17)
	}
	if _, err := OKS(r.Keypoints[:3], &gt3, nil); !errors.Is(err, ErrLength) {
		t.Fatalf("length: %v", err)
	}
}

func TestCOCOEvalHandComputed(t *testing.T) {
	a, b := person(100, 100, 120), person(300, 110, 140)
	oksOf := func(p pose.Person, g Annotation) float64 {
		o, _ := OKS(p.Keypoints, &g, nil)
		return o
	}
	near := func(x, want float64) bool { return math.Abs(x-want) < 1e-9 }

	// Perfect predictions: AP = AR = 1.
	r, err := COCOEval([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{predict(a, 0.9, 0, 0), predict(b, 0.8, 0, 0)}}}, COCOConfig{})
	if err != nil || !near(r.AP, 1) || !near(r.AP50, 1) || !near(r.AP75, 1) || !near(r.AR, 1) {
		t.Fatalf("perfect: %+v %v", r, err)
	}

	// One person missed: recall 0.5, precision 1 at recall 0..0.5 → 51/101.
	r, _ = COCOEval([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{predict(a, 0.9, 0, 0)}}}, COCOConfig{})
	if !near(r.AP, 51.0/101) || !near(r.AR, 0.5) {
		t.Fatalf("missed: AP %g AR %g, want %g 0.5", r.AP, r.AR, 51.0/101)
	}

	// A false positive scored below both: AP stays 1. Above both: precision
	// 1/2 then 2/3 at recalls 0.5 and 1, made monotone → 2/3.
	fp := predict(a, 0.5, 1000, 1000)
	r, _ = COCOEval([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{predict(a, 0.9, 0, 0), predict(b, 0.8, 0, 0), fp}}}, COCOConfig{})
	if !near(r.AP, 1) {
		t.Fatalf("low false positive: AP %g", r.AP)
	}
	fp.Score = 0.95
	r, _ = COCOEval([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{predict(a, 0.9, 0, 0), predict(b, 0.8, 0, 0), fp}}}, COCOConfig{})
	if !near(r.AP, 2.0/3) || !near(r.AR, 1) {
		t.Fatalf("high false positive: AP %g AR %g, want 2/3 and 1", r.AP, r.AR)
	}

	// Shifted keypoints with a known OKS: true positive at the thresholds up
	// to the OKS, then a false positive with the person missed.
	shifted := predict(b, 0.9, 6, 0)
	o := oksOf(shifted, b)
	passes := 0
	for _, thr := range Thresholds {
		if o >= thr {
			passes++
		}
	}
	if passes == 0 || passes == 10 {
		t.Fatalf("shift gives OKS %g: pick another", o)
	}
	r, _ = COCOEval([]Image{{GT: []Annotation{b}, Pred: []pose.Person{shifted}}}, COCOConfig{})
	if !near(r.AP, float64(passes)/10) || !near(r.AP50, 1) || !near(r.AP75, b2f(o >= 0.75)) || !near(r.AR, float64(passes)/10) {
		t.Fatalf("OKS %g: AP %g AP50 %g AP75 %g AR %g; want AP %g", o, r.AP, r.AP50, r.AP75, r.AR, float64(passes)/10)
	}

	// Across images, scores rank globally: image 1 has a false positive
	// scored 0.7 between image 2's true positives at 0.9 and 0.6.
	r, _ = COCOEval([]Image{
		{GT: []Annotation{a}, Pred: []pose.Person{predict(a, 0.7, 500, 0)}},
		{GT: []Annotation{b}, Pred: []pose.Person{predict(b, 0.9, 0, 0)}},
		{GT: []Annotation{a}, Pred: []pose.Person{predict(a, 0.6, 0, 0)}},
	}, COCOConfig{})
	// Ranked: TP (1/3, P 1), FP (1/3, P 1/2), TP (2/3, P 2/3); person 1 of
	// image 1 missed. Monotone precision: 1 up to recall 1/3 (34 points),
	// 2/3 from 0.34 to 0.66 (33 points), 0 above.
	want := (34 + 33*2.0/3) / 101
	if !near(r.AP, want) || !near(r.AR, 2.0/3) {
		t.Fatalf("ranked across images: AP %g AR %g, want %g 2/3", r.AP, r.AR, want)
	}

	// A crowd region absorbs a prediction without a false positive; ground
	// truth without labelled keypoints is ignored likewise.
	crowd := person(600, 100, 150)
	crowd.Crowd = true
	empty := person(800, 100, 150)
	for i := range empty.Keypoints {
		empty.Keypoints[i].Visibility = pose.NotLabelled
	}
	r, _ = COCOEval([]Image{{GT: []Annotation{a, crowd, empty}, Pred: []pose.Person{predict(crowd, 0.99, 0, 0), predict(empty, 0.98, 0, 0), predict(a, 0.5, 0, 0)}}}, COCOConfig{})
	if !near(r.AP, 1) || !near(r.AR, 1) {
		t.Fatalf("crowd and empty: AP %g AR %g", r.AP, r.AR)
	}

	// Area ranges: a 50×60 px person is medium, none is large.
	small := person(100, 100, 50)
	small.Area = 50 * 60
	r, _ = COCOEval([]Image{{GT: []Annotation{small}, Pred: []pose.Person{predict(small, 0.9, 0, 0)}}}, COCOConfig{})
	if !near(r.APMedium, 1) || r.APLarge != -1 || r.ARLarge != -1 || !near(r.AP, 1) {
		t.Fatalf("areas: medium %g large %g", r.APMedium, r.APLarge)
	}

	// MaxDets keeps the highest-scored predictions per image.
	r, _ = COCOEval([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{predict(a, 0.9, 0, 0), predict(b, 0.8, 0, 0)}}}, COCOConfig{MaxDets: 1})
	if !near(r.AR, 0.5) {
		t.Fatalf("MaxDets 1: AR %g", r.AR)
	}

	// Nothing to score: −1 as pycocotools.
	r, _ = COCOEval([]Image{{Pred: []pose.Person{predict(a, 0.9, 0, 0)}}}, COCOConfig{})
	if r.AP != -1 || r.AR != -1 {
		t.Fatalf("no ground truth: %g %g", r.AP, r.AR)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestPCKFamily(t *testing.T) {
	gt := person(100, 100, 100)
	// Torso size: shoulders' midpoint (100, 72) to hips' midpoint (100, 105) = 33 px.
	if l, ok := TorsoSize(&gt); !ok || math.Abs(l-33) > 1e-4 {
		t.Fatalf("torso size %g %v", l, ok)
	}
	// Torso diameter: left shoulder (118, 72) to right hip (90, 105).
	if l, ok := TorsoDiameter(&gt); !ok || math.Abs(l-math.Hypot(28, 33)) > 1e-4 {
		t.Fatalf("torso diameter %g", l)
	}
	pred := predict(gt, 1, 0, 0)
	// Three keypoints off by 7 px (> 0.2 × 33 = 6.6), one by 6 px (within).
	pred.Keypoints[pose.LeftWrist].X += 7
	pred.Keypoints[pose.RightWrist].Y -= 7
	pred.Keypoints[pose.LeftAnkle].X += 7
	pred.Keypoints[pose.Nose].X += 6
	pairs := []Pair{{GT: &gt, Pred: &pred}}
	if v, err := PCK(pairs, 0.2); err != nil || math.Abs(v-14.0/17) > 1e-12 {
		t.Fatalf("PCK@0.2 %g %v, want 14/17", v, err)
	}
	// PDJ@0.2: 0.2 × 43.27 = 8.65 px: all 17 within.
	if v, _ := PDJ(pairs, 0.2); v != 1 {
		t.Fatalf("PDJ@0.2 %g", v)
	}
	// PCKh@0.5 with a 13 px head: threshold 6.5 → 14/17; unknown head → error.
	if _, err := PCKh(pairs, 0.5); !errors.Is(err, ErrNoGroundTruth) {
		t.Fatalf("PCKh without head size: %v", err)
	}
	gt.HeadSize = 13
	if v, _ := PCKh(pairs, 0.5); math.Abs(v-14.0/17) > 1e-12 {
		t.Fatalf("PCKh@0.5 %g", v)
	}
	// A missed person counts all its keypoints wrong.
	gt2 := person(300, 100, 100)
	pairs = append(pairs, Pair{GT: &gt2})
	if v, _ := PCK(pairs, 0.2); math.Abs(v-14.0/34) > 1e-12 {
		t.Fatalf("PCK with a missed person %g", v)
	}

	// PCP@0.5: the left forearm (elbow (124, 92) → wrist (126, 110), length
	// 18.11) has its wrist 7 px off, within 9.06: correct. Moving the wrist
	// 10 px breaks it, and the left shin (length 22.0, tolerance 11.0) keeps
	// the ankle's 7 px.
	one := []Pair{{GT: &gt, Pred: &pred}}
	if v, err := PCP(one, 0.5, nil); err != nil || v != 1 {
		t.Fatalf("PCP %g %v", v, err)
	}
	pred.Keypoints[pose.LeftWrist].X += 3
	if v, _ := PCP(one, 0.5, nil); math.Abs(v-0.9) > 1e-12 {
		t.Fatalf("PCP with a 10 px wrist %g, want 0.9", v)
	}
	if v, _ := PCP(append(one, Pair{GT: &gt2}), 0.5, nil); math.Abs(v-9.0/20) > 1e-12 {
		t.Fatalf("PCP with a missed person %g", v)
	}
}

func TestMatch(t *testing.T) {
	a, b := person(100, 100, 100), person(300, 100, 100)
	crowd := person(500, 100, 100)
	crowd.Crowd = true
	pa, pb := predict(a, 0.5, 2, 0), predict(b, 0.9, 0, 1)
	far := predict(a, 0.95, 3000, 0) // OKS 0: stays unmatched
	pairs, err := Match([]pose.Person{pa, far, pb}, []Annotation{a, b, crowd}, nil)
	if err != nil || len(pairs) != 2 || pairs[0].Pred == nil || pairs[0].Pred.Score != 0.5 || pairs[1].Pred.Score != 0.9 {
		t.Fatalf("pairs %+v %v", pairs, err)
	}
}

func TestMPJPE(t *testing.T) {
	gt := [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 2, 0}}
	pred := [][3]float64{{0, 0, 0.1}, {1, 0.3, 0.4}, {9, 9, 9}}
	// Errors 0.1, 0.5 and (ignored) the third.
	if v, err := MPJPE(pred, gt, []bool{true, true, false}); err != nil || math.Abs(v-0.3) > 1e-12 {
		t.Fatalf("MPJPE %g %v", v, err)
	}
	if v, _ := MPJPE(gt, gt, nil); v != 0 {
		t.Fatalf("self %g", v)
	}
	// Root-relative: a translated prediction has zero error.
	moved := [][3]float64{{5, 5, 5}, {6, 5, 5}, {5, 7, 5}}
	if v, _ := MPJPE(RootRelative(moved, 0), RootRelative(gt, 0), nil); v != 0 {
		t.Fatalf("root-relative %g", v)
	}
	if _, err := MPJPE(pred[:2], gt, nil); !errors.Is(err, ErrLength) {
		t.Fatalf("length: %v", err)
	}
	if _, err := MPJPE(pred, gt, []bool{false, false, false}); !errors.Is(err, ErrNoGroundTruth) {
		t.Fatalf("none valid: %v", err)
	}
}

func TestPAMPJPE(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 50 {
		gt := make([][3]float64, 17)
		for i := range gt {
			gt[i] = [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		}
		// A random similarity transform of the truth aligns exactly.
		q := quatRandom(r)
		s := 0.5 + r.Float64()*2
		tr := [3]float64{r.NormFloat64() * 5, r.NormFloat64() * 5, r.NormFloat64() * 5}
		pred := make([][3]float64, len(gt))
		for i, g := range gt {
			rg := rotate(q, g)
			for c := range 3 {
				pred[i][c] = s*rg[c] + tr[c]
			}
		}
		v, err := PAMPJPE(pred, gt, nil)
		if err != nil || v > 1e-9 {
			t.Fatalf("trial %d: similarity-transformed truth gives %g %v", trial, v, err)
		}
		// With noise: never worse than the transform that made it (brute twin:
		// the known inverse transform is one candidate of the minimisation),
		// and invariant to a further similarity transform of the prediction.
		for i := range pred {
			for c := range 3 {
				pred[i][c] += r.NormFloat64() * 0.05
			}
		}
		v, _ = PAMPJPE(pred, gt, nil)
		inv := make([][3]float64, len(pred))
		qi := [4]float64{q[0], -q[1], -q[2], -q[3]}
		for i, p := range pred {
			inv[i] = rotate(qi, [3]float64{(p[0] - tr[0]) / s, (p[1] - tr[1]) / s, (p[2] - tr[2]) / s})
		}
		known, _ := MPJPE(inv, gt, nil)
		// PA-MPJPE minimises the squared error, MPJPE averages distances:
		// allow 5% slack for that difference of criteria.
		if v > known*1.05 {
			t.Fatalf("trial %d: PA-MPJPE %g above the known alignment's %g", trial, v, known)
		}
		q2 := quatRandom(r)
		moved := make([][3]float64, len(pred))
		for i, p := range pred {
			rp := rotate(q2, p)
			moved[i] = [3]float64{3*rp[0] + 1, 3*rp[1] - 2, 3*rp[2] + 7}
		}
		v2, _ := PAMPJPE(moved, gt, nil)
		if math.Abs(v2-v) > 1e-9 {
			t.Fatalf("trial %d: not invariant: %g vs %g", trial, v2, v)
		}
	}
	// A mirror image is not a rotation: the error stays positive.
	gt := [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	mirror := [][3]float64{{0, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	if v, _ := PAMPJPE(mirror, gt, nil); v < 0.1 {
		t.Fatalf("mirror aligned to %g", v)
	}
	if _, err := PAMPJPE(gt[:2], gt[:2], nil); !errors.Is(err, ErrNoGroundTruth) {
		t.Fatalf("two joints: %v", err)
	}
}

func quatRandom(r *rand.Rand) [4]float64 {
	q := [4]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
	n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	return [4]float64{q[0] / n, q[1] / n, q[2] / n, q[3] / n}
}

// rotate applies the unit quaternion q = (w, x, y, z) to v.
func rotate(q [4]float64, v [3]float64) [3]float64 {
	w, x, y, z := q[0], q[1], q[2], q[3]
	return [3]float64{
		(1-2*(y*y+z*z))*v[0] + 2*(x*y-w*z)*v[1] + 2*(x*z+w*y)*v[2],
		2*(x*y+w*z)*v[0] + (1-2*(x*x+z*z))*v[1] + 2*(y*z-w*x)*v[2],
		2*(x*z-w*y)*v[0] + 2*(y*z+w*x)*v[1] + (1-2*(x*x+y*y))*v[2],
	}
}

func TestEvaluate(t *testing.T) {
	a, b := person(100, 100, 100), person(300, 100, 100)
	a.HeadSize = 13
	pa := predict(a, 0.9, 0, 0)
	pa.Keypoints[pose.LeftWrist].X += 7 // beyond 0.2 × torso 33 and 0.5 × head 13
	r, err := Evaluate([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{pa}}}, COCOConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if r.People != 2 || r.Matched != 1 {
		t.Fatalf("people %d matched %d", r.People, r.Matched)
	}
	// PCK: 16 of 34 keypoints; PCKh only over the person with a head size:
	// 16 of 17; PCP: the left forearm's wrist 7 px < 9.06 stays, so 10 of 20;
	// PDJ: 7 < 8.65, 17 of 34.
	if math.Abs(r.PCK-16.0/34) > 1e-12 || math.Abs(r.PCKh-16.0/17) > 1e-12 || math.Abs(r.PCP-0.5) > 1e-12 || math.Abs(r.PDJ-0.5) > 1e-12 {
		t.Fatalf("report %+v", r)
	}
	if math.Abs(r.COCO.AR-0.5) > 1e-12 {
		t.Fatalf("AR %g", r.COCO.AR)
	}
	b.HeadSize, a.HeadSize = 0, 0
	r, _ = Evaluate([]Image{{GT: []Annotation{a, b}, Pred: []pose.Person{pa}}}, COCOConfig{})
	if r.PCKh != -1 {
		t.Fatalf("PCKh without head sizes %g", r.PCKh)
	}
}
