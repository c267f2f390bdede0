package track

import (
	"math"

	"github.com/gopercept/gopercept/perception/pose"
)

// defaultSigma is the OKS constant used for keypoints of conventions other
// than COCO-17.
const defaultSigma = 0.05

// OKS returns COCO's object keypoint similarity between two poses of the
// same keypoint convention: the mean over keypoints present in both (Visibility
// above NotLabelled and Score ≥ minScore) of exp(−d² / (2 s² k²)), with d the
// distance in pixels, s² = area the object's area in px² and k = 2σ the
// keypoint's constant (pose.Sigmas for COCO-17), exactly as COCO's evaluation
// computes it. n is the number of keypoints used; with n = 0 the similarity
// is 0.
func OKS(a, b []pose.Keypoint, area float64, minScore float32) (sim float64, n int) {
	if area <= 0 {
		area = 1
	}
	k := min(len(a), len(b))
	sum := 0.0
	for i := 0; i < k; i++ {
		p, q := a[i], b[i]
		if p.Visibility == pose.NotLabelled || q.Visibility == pose.NotLabelled || p.Score < minScore || q.Score < minScore {
			continue
		}
		sigma := defaultSigma
		if k == pose.NumKeypoints {
			sigma = pose.Sigmas[i]
		}
		dx, dy := float64(p.X-q.X), float64(p.Y-q.Y)
		kk := 2 * sigma
		sum += math.Exp(-(dx*dx + dy*dy) / (2 * area * kk * kk))
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// IoU returns the intersection over union of two boxes (x1, y1, x2, y2) in
// pixels; 0 when either is empty.
func IoU(a, b [4]float32) float64 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := float64(iw) * float64(ih)
	ua := float64(a[2]-a[0])*float64(a[3]-a[1]) + float64(b[2]-b[0])*float64(b[3]-b[1]) - inter
	if ua <= 0 {
		return 0
	}
	return inter / ua
}
