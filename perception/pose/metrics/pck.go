package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/gopercept/gopercept/perception/pose"
)

// Pair is a ground-truth person and the prediction matched to it; Pred is
// nil for a missed person, whose labelled keypoints all count as wrong.
type Pair struct {
	GT   *Annotation
	Pred *pose.Person
}

// Match pairs predictions with ground truth greedily by descending
// prediction score, each taking the unpaired non-crowd ground truth of
// highest OKS above zero (sigmas nil means pose.Sigmas). It returns one Pair
// per non-crowd ground truth, in ground-truth order; unmatched predictions
// are dropped.
func Match(pred []pose.Person, gt []Annotation, sigmas []float64) ([]Pair, error) {
	order := make([]int, len(pred))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pred[b].Score, pred[a].Score) })
	taken := make([]*pose.Person, len(gt))
	for _, p := range order {
		best, bo := -1, 0.0
		for g := range gt {
			if taken[g] != nil || gt[g].Crowd {
				continue
			}
			o, err := OKS(pred[p].Keypoints, &gt[g], sigmas)
			if err != nil {
				return nil, fmt.Errorf("matching prediction %d: %w", p, err)
			}
			if o > bo {
				best, bo = g, o
			}
		}
		if best >= 0 {
			taken[best] = &pred[p]
		}
	}
	pairs := make([]Pair, 0, len(gt))
	for g := range gt {
		if !gt[g].Crowd {
			pairs = append(pairs, Pair{GT: &gt[g], Pred: taken[g]})
		}
	}
	return pairs, nil
}

// TorsoSize returns the distance in pixels between the shoulders' midpoint
// and the hips' midpoint of a COCO-17 person, and false when any of the four
// keypoints is not labelled.
func TorsoSize(gt *Annotation) (float64, bool) {
	k := gt.Keypoints
	if len(k) < pose.NumKeypoints {
		return 0, false
	}
	for _, i := range []int{pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip} {
		if k[i].Visibility == pose.NotLabelled {
			return 0, false
		}
	}
	sx := (float64(k[pose.LeftShoulder].X) + float64(k[pose.RightShoulder].X)) / 2
	sy := (float64(k[pose.LeftShoulder].Y) + float64(k[pose.RightShoulder].Y)) / 2
	hx := (float64(k[pose.LeftHip].X) + float64(k[pose.RightHip].X)) / 2
	hy := (float64(k[pose.LeftHip].Y) + float64(k[pose.RightHip].Y)) / 2
	return math.Hypot(sx-hx, sy-hy), true
}

// TorsoDiameter returns the distance in pixels from the left shoulder to the
// right hip of a COCO-17 person (Toshev and Szegedy's PDJ normaliser), or
// from the right shoulder to the left hip when those are not labelled, and
// false when neither diagonal is labelled.
func TorsoDiameter(gt *Annotation) (float64, bool) {
	k := gt.Keypoints
	if len(k) < pose.NumKeypoints {
		return 0, false
	}
	for _, d := range [2][2]int{{pose.LeftShoulder, pose.RightHip}, {pose.RightShoulder, pose.LeftHip}} {
		a, b := k[d[0]], k[d[1]]
		if a.Visibility > pose.NotLabelled && b.Visibility > pose.NotLabelled {
			return math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)), true
		}
	}
	return 0, false
}

// Normaliser returns a person's reference length in pixels and whether it
// is known.
type Normaliser func(gt *Annotation) (float64, bool)

// HeadSize returns the annotation's HeadSize, known when positive.
func HeadSize(gt *Annotation) (float64, bool) { return gt.HeadSize, gt.HeadSize > 0 }

// CorrectKeypoints returns, over the pairs whose reference length is known,
// the number of labelled ground-truth keypoints whose prediction lies within
// alpha × the reference length, and the number of labelled keypoints.
func CorrectKeypoints(pairs []Pair, alpha float64, ref Normaliser) (correct, total int, err error) {
	for i, p := range pairs {
		l, ok := ref(p.GT)
		if !ok {
			continue
		}
		if p.Pred != nil && len(p.Pred.Keypoints) != len(p.GT.Keypoints) {
			return 0, 0, fmt.Errorf("pair %d: %d predicted keypoints, %d labelled: %w", i, len(p.Pred.Keypoints), len(p.GT.Keypoints), ErrLength)
		}
		for j, g := range p.GT.Keypoints {
			if g.Visibility == pose.NotLabelled {
				continue
			}
			total++
			if p.Pred == nil {
				continue
			}
			q := p.Pred.Keypoints[j]
			if math.Hypot(float64(q.X-g.X), float64(q.Y-g.Y)) <= alpha*l {
				correct++
			}
		}
	}
	return correct, total, nil
}

func ratio(correct, total int, err error, what string) (float64, error) {
	if err != nil {
		return 0, err
	}
	if total == 0 {
		return 0, fmt.Errorf("%s: %w", what, ErrNoGroundTruth)
	}
	return float64(correct) / float64(total), nil
}

// PCK returns the percentage of correct keypoints (as a fraction in [0, 1])
// at alpha × TorsoSize (PCK@0.2: alpha 0.2) over the pairs whose torso is
// labelled.
func PCK(pairs []Pair, alpha float64) (float64, error) {
	c, t, err := CorrectKeypoints(pairs, alpha, TorsoSize)
	return ratio(c, t, err, "PCK")
}

// PCKh returns the fraction of keypoints within alpha × HeadSize (PCKh@0.5:
// alpha 0.5) over the pairs whose head size is known.
func PCKh(pairs []Pair, alpha float64) (float64, error) {
	c, t, err := CorrectKeypoints(pairs, alpha, HeadSize)
	return ratio(c, t, err, "PCKh")
}

// PDJ returns the percentage of detected joints (a fraction): keypoints
// within alpha × TorsoDiameter (PDJ@0.2: alpha 0.2).
func PDJ(pairs []Pair, alpha float64) (float64, error) {
	c, t, err := CorrectKeypoints(pairs, alpha, TorsoDiameter)
	return ratio(c, t, err, "PDJ")
}

// PCPLimbs are the ten parts PCP scores on COCO-17: upper arms, forearms,
// thighs, shins, and the two torso sides.
var PCPLimbs = [10]pose.Limb{
	{pose.LeftShoulder, pose.LeftElbow}, {pose.RightShoulder, pose.RightElbow},
	{pose.LeftElbow, pose.LeftWrist}, {pose.RightElbow, pose.RightWrist},
	{pose.LeftHip, pose.LeftKnee}, {pose.RightHip, pose.RightKnee},
	{pose.LeftKnee, pose.LeftAnkle}, {pose.RightKnee, pose.RightAnkle},
	{pose.LeftShoulder, pose.LeftHip}, {pose.RightShoulder, pose.RightHip},
}

// PCP returns the percentage of correct parts (a fraction) over limbs (nil
// means PCPLimbs) whose two ground-truth ends are labelled: a limb is
// correct when both predicted ends lie within alpha × the ground-truth limb
// length of their true positions (PCP@0.5: alpha 0.5).
func PCP(pairs []Pair, alpha float64, limbs []pose.Limb) (float64, error) {
	if limbs == nil {
		limbs = PCPLimbs[:]
	}
	correct, total := 0, 0
	for i, p := range pairs {
		k := p.GT.Keypoints
		if p.Pred != nil && len(p.Pred.Keypoints) != len(k) {
			return 0, fmt.Errorf("PCP pair %d: %d predicted keypoints, %d labelled: %w", i, len(p.Pred.Keypoints), len(k), ErrLength)
		}
		for _, l := range limbs {
			if l[0] >= len(k) || l[1] >= len(k) {
				return 0, fmt.Errorf("PCP limb %v of %d keypoints: %w", l, len(k), ErrLength)
			}
			a, b := k[l[0]], k[l[1]]
			if a.Visibility == pose.NotLabelled || b.Visibility == pose.NotLabelled {
				continue
			}
			total++
			if p.Pred == nil {
				continue
			}
			tol := alpha * math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y))
			pa, pb := p.Pred.Keypoints[l[0]], p.Pred.Keypoints[l[1]]
			if math.Hypot(float64(pa.X-a.X), float64(pa.Y-a.Y)) <= tol && math.Hypot(float64(pb.X-b.X), float64(pb.Y-b.Y)) <= tol {
				correct++
			}
		}
	}
	return ratio(correct, total, nil, "PCP")
}

// MPJPE returns the mean per-joint position error: the mean Euclidean
// distance between predicted and true 3D joints (in their unit, usually
// metres or millimetres) over the joints where valid is true (nil: all).
func MPJPE(pred, gt [][3]float64, valid []bool) (float64, error) {
	if len(pred) != len(gt) || (valid != nil && len(valid) != len(gt)) {
		return 0, fmt.Errorf("MPJPE of %d predicted and %d true joints: %w", len(pred), len(gt), ErrLength)
	}
	sum, n := 0.0, 0
	for i := range gt {
		if valid != nil && !valid[i] {
			continue
		}
		d0, d1, d2 := pred[i][0]-gt[i][0], pred[i][1]-gt[i][1], pred[i][2]-gt[i][2]
		sum += math.Sqrt(d0*d0 + d1*d1 + d2*d2)
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("MPJPE: %w", ErrNoGroundTruth)
	}
	return sum / float64(n), nil
}

// RootRelative returns joints minus joint root, for root-aligned MPJPE (the
// Human3.6M protocol aligns the pelvis; for COCO-17 pass the hips' midpoint
// appended as an extra joint, or a hip).
func RootRelative(joints [][3]float64, root int) [][3]float64 {
	out := make([][3]float64, len(joints))
	r := joints[root]
	for i, j := range joints {
		out[i] = [3]float64{j[0] - r[0], j[1] - r[1], j[2] - r[2]}
	}
	return out
}

// PAMPJPE returns the Procrustes-aligned MPJPE (protocol 2 of Human3.6M):
// the prediction is first moved by the similarity transform (scale,
// rotation, translation; no reflection) that best fits it to the ground
// truth in least squares (Umeyama's solution), over the joints where valid
// is true (nil: all; at least three needed).
func PAMPJPE(pred, gt [][3]float64, valid []bool) (float64, error) {
	if len(pred) != len(gt) || (valid != nil && len(valid) != len(gt)) {
		return 0, fmt.Errorf("PA-MPJPE of %d predicted and %d true joints: %w", len(pred), len(gt), ErrLength)
	}
	var p, g [][3]float64
	for i := range gt {
		if valid == nil || valid[i] {
			p, g = append(p, pred[i]), append(g, gt[i])
		}
	}
	if len(p) < 3 {
		return 0, fmt.Errorf("PA-MPJPE with %d valid joints: %w", len(p), ErrNoGroundTruth)
	}
	aligned := Procrustes(p, g)
	return MPJPE(aligned, g, nil)
}

// Procrustes returns pred moved by the least-squares similarity transform
// onto gt (Umeyama 1991): centroids matched, rotation from the SVD of the
// cross-covariance with the reflection removed, scale = trace(S·D)/‖pred −
// centroid‖². Degenerate inputs (all joints at one point) are only
// translated.
func Procrustes(pred, gt [][3]float64) [][3]float64 {
	n := float64(len(pred))
	var mp, mg [3]float64
	for i := range pred {
		for c := range 3 {
			mp[c] += pred[i][c] / n
			mg[c] += gt[i][c] / n
		}
	}
	// Cross-covariance H = Σ (p − mp)(g − mg)ᵀ and the spread of p.
	h := mat.NewDense(3, 3, nil)
	varP := 0.0
	for i := range pred {
		for r := range 3 {
			pr := pred[i][r] - mp[r]
			varP += pr * pr
			for c := range 3 {
				h.Set(r, c, h.At(r, c)+pr*(gt[i][c]-mg[c]))
			}
		}
	}
	out := make([][3]float64, len(pred))
	var svd mat.SVD
	if varP == 0 || !svd.Factorize(h, mat.SVDFull) {
		for i := range pred {
			for c := range 3 {
				out[i][c] = pred[i][c] - mp[c] + mg[c]
			}
		}
		return out
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	sv := svd.Values(nil)
	// R = V·D·Uᵀ with D = diag(1, 1, sign det(V·Uᵀ)) to exclude reflections.
	var vu mat.Dense
	vu.Mul(&v, u.T())
	d := 1.0
	if mat.Det(&vu) < 0 {
		d = -1
	}
	dm := mat.NewDiagDense(3, []float64{1, 1, d})
	var rot, tmp mat.Dense
	tmp.Mul(&v, dm)
	rot.Mul(&tmp, u.T())
	scale := (sv[0] + sv[1] + d*sv[2]) / varP
	for i := range pred {
		var q [3]float64
		for r := range 3 {
			for c := range 3 {
				q[r] += rot.At(r, c) * (pred[i][c] - mp[c])
			}
		}
		for c := range 3 {
			out[i][c] = scale*q[c] + mg[c]
		}
	}
	return out
}
