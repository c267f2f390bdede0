package lift

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Monocular lifting (the lift-mlp model family, after Martinez et al. 2017,
// "A simple yet effective baseline for 3d human pose estimation"): a small
// network maps one person's 2D keypoints to root-relative 3D joints; the
// functions here are the math around it, without ROS or the network.
//
// Input (MonoFeatures): the keypoints in undistorted normalised image
// coordinates (X/Z, Y/Z); m_j = 1 for a keypoint used (inside the image and
// scored at least the keypoint threshold); r the hip midpoint; s the RMS
// distance of the used keypoints from r. The network input is
// [((x_j, y_j) − r)/s · m_j (34), m_j (17), r (2), s (1)].
//
// Output: the joints minus the hip midpoint in the optical frame's axes,
// divided by the skeleton scale B (SkeletonScale): a posture-free length,
// 0.779 of standing height by Drillis and Contini's segment proportions.
//
// Metric scale and placement: the shape times a prior B (a person-height
// prior × 0.779) is placed by PlaceRoot, the translation whose perspective
// projection best fits the 2D keypoints (linear least squares); GroundScale
// then optionally scales the placed person about the camera centre, which
// leaves its projection unchanged, until the lower ankle stands at its
// contact height above the ground plane.

// MonoInputs is the length of the lift-mlp input vector for COCO-17.
const MonoInputs = 3*pose.NumKeypoints + 3

// COCO-17 joints the lifting math names.
const (
	kLShoulder, kRShoulder = 5, 6
	kLHip, kRHip           = 11, 12
	kLKnee, kRKnee         = 13, 14
	kLAnkle, kRAnkle       = 15, 16
)

// MonoFeatures writes the lift-mlp input of one person to dst (length
// MonoInputs) from its keypoints' undistorted normalised coordinates xy and
// use flags; both hips must be used. It returns an error wrapping ErrInput
// otherwise.
func MonoFeatures(xy [][2]float64, used []bool, dst []float32) error {
	K := pose.NumKeypoints
	if len(xy) != K || len(used) != K || len(dst) != MonoInputs {
		return fmt.Errorf("%w: lift-mlp features need %d keypoints and %d inputs, got %d, %d and %d", ErrInput, K, MonoInputs, len(xy), len(used), len(dst))
	}
	if !used[kLHip] || !used[kRHip] {
		return fmt.Errorf("%w: lift-mlp needs both hips (the root)", ErrInput)
	}
	rx, ry := 0.5*(xy[kLHip][0]+xy[kRHip][0]), 0.5*(xy[kLHip][1]+xy[kRHip][1])
	ss, n := 0.0, 0
	for j := range K {
		if used[j] {
			dx, dy := xy[j][0]-rx, xy[j][1]-ry
			ss += dx*dx + dy*dy
			n++
		}
	}
	s := max(math.Sqrt(ss/float64(n)), 1e-4) // the training script's floor
	for j := range K {
		dst[2*j], dst[2*j+1], dst[2*K+j] = 0, 0, 0
		if used[j] {
			dst[2*j], dst[2*j+1], dst[2*K+j] = float32((xy[j][0]-rx)/s), float32((xy[j][1]-ry)/s), 1
		}
	}
	dst[3*K], dst[3*K+1], dst[3*K+2] = float32(rx), float32(ry), float32(s)
	return nil
}

// SkeletonScale returns B of COCO-17 joints: the mean over both sides of
// hip–knee plus knee–ankle, plus the distance from the hip midpoint to the
// shoulder midpoint.
func SkeletonScale(p []r3.Vec) float64 {
	d := func(a, b int) float64 { return r3.Norm(r3.Sub(p[a], p[b])) }
	mid := func(a, b int) r3.Vec { return r3.Scale(0.5, r3.Add(p[a], p[b])) }
	return 0.5*(d(kLHip, kLKnee)+d(kLKnee, kLAnkle)+d(kRHip, kRKnee)+d(kRKnee, kRAnkle)) +
		r3.Norm(r3.Sub(mid(kLShoulder, kRShoulder), mid(kLHip, kRHip)))
}

// Root returns the hip midpoint of COCO-17 joints.
func Root(p []r3.Vec) r3.Vec { return r3.Scale(0.5, r3.Add(p[kLHip], p[kRHip])) }

// PlaceRoot returns the translation T for which T + rel[j] projects onto
// xy[j] (normalised coordinates) over the used joints in the least-squares
// sense of the linearised equations T_x − x T_z = x rel_z − rel_x and
// T_y − y T_z = y rel_z − rel_y; ok is false when fewer than two joints are
// used, the system is singular, or the person lands behind the camera.
func PlaceRoot(rel []r3.Vec, xy [][2]float64, used []bool) (T r3.Vec, ok bool) {
	var n, sx, sy, sxx, b1s, b2s, b3s float64
	for j := range rel {
		if !used[j] {
			continue
		}
		x, y := xy[j][0], xy[j][1]
		b1, b2 := x*rel[j].Z-rel[j].X, y*rel[j].Z-rel[j].Y
		n++
		sx, sy, sxx = sx+x, sy+y, sxx+x*x+y*y
		b1s, b2s, b3s = b1s+b1, b2s+b2, b3s-x*b1-y*b2
	}
	if n < 2 {
		return r3.Vec{}, false
	}
	// Normal equations [[n, 0, −sx], [0, n, −sy], [−sx, −sy, sxx]] T = b,
	// solved by eliminating T_x and T_y.
	den := sxx - (sx*sx+sy*sy)/n
	if !(math.Abs(den) > 1e-12) {
		return r3.Vec{}, false
	}
	T.Z = (b3s + (sx*b1s+sy*b2s)/n) / den
	T.X = (b1s + sx*T.Z) / n
	T.Y = (b2s + sy*T.Z) / n
	return T, T.Z > 0 && !math.IsNaN(T.X+T.Y)
}

// GroundScale returns the factor α by which scaling the placed joints about
// the camera centre puts the lower ankle at contact·α above the ground
// plane, given the ground's up axis in the camera frame and the camera
// centre's height above the plane: camHeight + α·(up·ankle) = α·contact.
// contact is the ankle's height above the ground for the joints as placed
// (it scales with the person). ok is false when the ankles are not below
// the camera or α falls outside [minA, maxA].
func GroundScale(joints []r3.Vec, up r3.Vec, camHeight, contact, minA, maxA float64) (alpha float64, ok bool) {
	za := min(r3.Dot(joints[kLAnkle], up), r3.Dot(joints[kRAnkle], up))
	den := za - contact
	if !(den < 0) || !(camHeight > 0) {
		return 1, false
	}
	alpha = -camHeight / den
	if !(alpha >= minA && alpha <= maxA) {
		return 1, false
	}
	return alpha, true
}

// RootAlignedErrors appends to dst the distances between pred and truth
// after subtracting each one's own hip midpoint, over the joints where
// valid is true (all when valid is nil). Both hips of pred and truth must
// be given.
func RootAlignedErrors(pred, truth []r3.Vec, valid []bool, dst []float64) []float64 {
	rp, rt := Root(pred), Root(truth)
	for j := range min(len(pred), len(truth)) {
		if valid == nil || valid[j] {
			dst = append(dst, r3.Norm(r3.Sub(r3.Sub(pred[j], rp), r3.Sub(truth[j], rt))))
		}
	}
	return dst
}

// Procrustes returns the similarity transform (scale s, rotation R,
// translation t) minimising Σ‖s R p_j + t − g_j‖² over the joints where
// valid is true (all when nil), Umeyama's closed form (1991) from the SVD
// of the cross-covariance, with the reflection excluded. ok is false with
// fewer than three joints or a degenerate (collinear or zero) pred.
func Procrustes(pred, truth []r3.Vec, valid []bool) (s float64, R *mat.Dense, t r3.Vec, ok bool) {
	var mp, mg r3.Vec
	n := 0.0
	for j := range min(len(pred), len(truth)) {
		if valid == nil || valid[j] {
			mp, mg = r3.Add(mp, pred[j]), r3.Add(mg, truth[j])
			n++
		}
	}
	if n < 3 {
		return 0, nil, r3.Vec{}, false
	}
	mp, mg = r3.Scale(1/n, mp), r3.Scale(1/n, mg)
	// Σ = Σ_j (g_j − ḡ)(p_j − p̄)ᵀ / n; varP = Σ_j ‖p_j − p̄‖² / n.
	sig := mat.NewDense(3, 3, nil)
	varP := 0.0
	for j := range min(len(pred), len(truth)) {
		if valid != nil && !valid[j] {
			continue
		}
		p, g := r3.Sub(pred[j], mp), r3.Sub(truth[j], mg)
		pv, gv := [3]float64{p.X, p.Y, p.Z}, [3]float64{g.X, g.Y, g.Z}
		for a := range 3 {
			for b := range 3 {
				sig.Set(a, b, sig.At(a, b)+gv[a]*pv[b]/n)
			}
		}
		varP += r3.Dot(p, p) / n
	}
	if !(varP > 1e-18) {
		return 0, nil, r3.Vec{}, false
	}
	var svd mat.SVD
	if !svd.Factorize(sig, mat.SVDFull) {
		return 0, nil, r3.Vec{}, false
	}
	var U, V mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	d := svd.Values(nil)
	S := mat.NewDiagDense(3, []float64{1, 1, 1})
	if mat.Det(&U)*mat.Det(&V) < 0 {
		S.SetDiag(2, -1)
	}
	if d[1] < 1e-12*max(d[0], 1e-300) {
		return 0, nil, r3.Vec{}, false // rank < 2: the rotation is not determined
	}
	R = mat.NewDense(3, 3, nil)
	var US mat.Dense
	US.Mul(&U, S)
	R.Mul(&US, V.T())
	s = (d[0]*S.At(0, 0) + d[1]*S.At(1, 1) + d[2]*S.At(2, 2)) / varP
	rp := r3.Vec{X: R.At(0, 0)*mp.X + R.At(0, 1)*mp.Y + R.At(0, 2)*mp.Z,
		Y: R.At(1, 0)*mp.X + R.At(1, 1)*mp.Y + R.At(1, 2)*mp.Z,
		Z: R.At(2, 0)*mp.X + R.At(2, 1)*mp.Y + R.At(2, 2)*mp.Z}
	t = r3.Sub(mg, r3.Scale(s, rp))
	return s, R, t, true
}

// ProcrustesErrors appends to dst the distances between truth and pred
// after Procrustes alignment, over the joints where valid is true (all when
// nil); ok is false when the alignment is undefined (see Procrustes).
func ProcrustesErrors(pred, truth []r3.Vec, valid []bool, dst []float64) ([]float64, bool) {
	s, R, t, ok := Procrustes(pred, truth, valid)
	if !ok {
		return dst, false
	}
	for j := range min(len(pred), len(truth)) {
		if valid != nil && !valid[j] {
			continue
		}
		p := pred[j]
		q := r3.Vec{X: R.At(0, 0)*p.X + R.At(0, 1)*p.Y + R.At(0, 2)*p.Z,
			Y: R.At(1, 0)*p.X + R.At(1, 1)*p.Y + R.At(1, 2)*p.Z,
			Z: R.At(2, 0)*p.X + R.At(2, 1)*p.Y + R.At(2, 2)*p.Z}
		dst = append(dst, r3.Norm(r3.Sub(r3.Add(r3.Scale(s, q), t), truth[j])))
	}
	return dst, true
}
