package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// Image holds one image's ground truth and predictions for COCOEval.
type Image struct {
	GT   []Annotation
	Pred []pose.Person
}

// COCOConfig configures COCOEval.
type COCOConfig struct {
	// Sigmas are the per-keypoint OKS constants; nil means pose.Sigmas.
	Sigmas []float64
	// MaxDets keeps the highest-scored predictions per image; default 20.
	MaxDets int
}

// COCOResult holds the COCO keypoint metrics; a value is −1 when no ground
// truth falls in its area range, as pycocotools reports.
type COCOResult struct {
	// AP is the mean over OKS thresholds 0.50:0.05:0.95 of the 101-point
	// interpolated precision; AP50 and AP75 at one threshold; APMedium and
	// APLarge for ground-truth areas 32²–96² and above 96² px².
	AP, AP50, AP75, APMedium, APLarge float64
	// AR is the recall averaged over the thresholds; AR50, AR75 and the area
	// ranges likewise.
	AR, AR50, AR75, ARMedium, ARLarge float64
	// Precision holds, per threshold, the interpolated precision at the 101
	// recall points 0:0.01:1 (area range all).
	Precision [10][101]float64
	// Recall holds the recall per threshold (area range all).
	Recall [10]float64
	// GT, GTMedium and GTLarge count the ground truth scored in each area
	// range (not crowd, at least one labelled keypoint): a metric is −1
	// exactly when its count is 0.
	GT, GTMedium, GTLarge int
}

// Thresholds are COCO's OKS thresholds 0.50:0.05:0.95, bit for bit as
// numpy's linspace gives them to pycocotools (0.9 is 0.8999999999999999).
var Thresholds = [10]float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95}

// recallPoint returns the r-th of the 101 recall thresholds as numpy's
// linspace(0, 1, 101) computes them: r·0.01, and exactly 1 at the end (so
// that 70·0.01 = 0.7000000000000001 lies above a recall of exactly 0.7, as in
// pycocotools).
func recallPoint(r int) float64 {
	if r == 100 {
		return 1
	}
	return float64(r) * 0.01
}

type areaRange struct{ lo, hi float64 }

var (
	areaAll    = areaRange{0, 1e10}
	areaMedium = areaRange{32 * 32, 96 * 96}
	areaLarge  = areaRange{96 * 96, 1e10}
)

// detection is one prediction's outcome at every threshold.
type detection struct {
	score   float64
	matched [10]bool
	ignored [10]bool
}

// COCOEval computes the COCO keypoint metrics over images as pycocotools'
// COCOeval with iouType "keypoints": per image, predictions sorted by
// descending score (at most MaxDets) are matched greedily to the unmatched
// ground truth of highest OKS at each threshold, preferring non-ignored
// ground truth; crowd ground truth and ground truth without labelled
// keypoints are ignored (matches to them count neither way); unmatched
// predictions outside an area range are ignored for that range. Precision is
// made monotone and sampled at 101 recall points.
func COCOEval(images []Image, cfg COCOConfig) (COCOResult, error) {
	if cfg.MaxDets == 0 {
		cfg.MaxDets = 20
	}
	var res COCOResult
	var err error
	var all, med, lrg [2][10]float64
	if all, res.Precision, res.Recall, res.GT, err = evalRange(images, cfg, areaAll); err != nil {
		return res, err
	}
	if med, _, _, res.GTMedium, err = evalRange(images, cfg, areaMedium); err != nil {
		return res, err
	}
	if lrg, _, _, res.GTLarge, err = evalRange(images, cfg, areaLarge); err != nil {
		return res, err
	}
	res.AP, res.AP50, res.AP75 = mean(all[0][:]), all[0][0], all[0][5]
	res.AR, res.AR50, res.AR75 = mean(all[1][:]), all[1][0], all[1][5]
	res.APMedium, res.ARMedium = mean(med[0][:]), mean(med[1][:])
	res.APLarge, res.ARLarge = mean(lrg[0][:]), mean(lrg[1][:])
	return res, nil
}

// mean averages the values, −1 when any is −1 (no ground truth).
func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		if x < 0 {
			return -1
		}
		s += x
	}
	return s / float64(len(v))
}

// evalRange returns per threshold the AP and recall ([0] and [1]), the
// interpolated precision and the recall for one area range, and the number
// of ground truth scored in it.
func evalRange(images []Image, cfg COCOConfig, ar areaRange) (out [2][10]float64, prec [10][101]float64, rec [10]float64, npig int, err error) {
	var dets []detection
	for ii := range images {
		im := &images[ii]
		d, n, e := evalImage(im, cfg, ar)
		if e != nil {
			return out, prec, rec, 0, fmt.Errorf("image %d: %w", ii, e)
		}
		dets = append(dets, d...)
		npig += n
	}
	if npig == 0 {
		for t := range 10 {
			out[0][t], out[1][t], rec[t] = -1, -1, -1
			for r := range prec[t] {
				prec[t][r] = -1
			}
		}
		return out, prec, rec, 0, nil
	}
	// Stable sort by descending score, as pycocotools' mergesort.
	slices.SortStableFunc(dets, func(a, b detection) int { return cmp.Compare(b.score, a.score) })
	for t := range 10 {
		var tp, fp float64
		var rc, pr []float64
		for _, d := range dets {
			if d.ignored[t] {
				continue
			}
			if d.matched[t] {
				tp++
			} else {
				fp++
			}
			rc = append(rc, tp/float64(npig))
			pr = append(pr, tp/(tp+fp+eps))
		}
		if len(rc) > 0 {
			rec[t] = rc[len(rc)-1]
		}
		// Make precision monotone non-increasing from the right.
		for i := len(pr) - 1; i > 0; i-- {
			pr[i-1] = math.Max(pr[i-1], pr[i])
		}
		sum := 0.0
		for r := range 101 {
			thr := recallPoint(r)
			// The first recall ≥ thr (searchsorted, side left).
			i, _ := slices.BinarySearch(rc, thr)
			if i < len(pr) {
				prec[t][r] = pr[i]
			}
			sum += prec[t][r]
		}
		out[0][t] = sum / 101
		out[1][t] = rec[t]
	}
	return out, prec, rec, npig, nil
}

// evalImage matches one image's predictions at every threshold and returns
// the non-ignored detections' outcomes and the number of non-ignored ground
// truth.
func evalImage(im *Image, cfg COCOConfig, ar areaRange) ([]detection, int, error) {
	ng := len(im.GT)
	gtIgnore := make([]bool, ng)
	order := make([]int, 0, ng) // non-ignored ground truth first
	npig := 0
	for g := range im.GT {
		a := &im.GT[g]
		area := a.area()
		gtIgnore[g] = a.Crowd || a.labelled() == 0 || area < ar.lo || area > ar.hi
		if !gtIgnore[g] {
			order = append(order, g)
			npig++
		}
	}
	for g := range im.GT {
		if gtIgnore[g] {
			order = append(order, g)
		}
	}
	// Predictions by descending score (stable), at most MaxDets.
	pidx := make([]int, len(im.Pred))
	for i := range pidx {
		pidx[i] = i
	}
	slices.SortStableFunc(pidx, func(a, b int) int { return cmp.Compare(im.Pred[b].Score, im.Pred[a].Score) })
	if len(pidx) > cfg.MaxDets {
		pidx = pidx[:cfg.MaxDets]
	}
	oks := make([]float64, len(pidx)*ng)
	for d, p := range pidx {
		for g := range im.GT {
			o, err := OKS(im.Pred[p].Keypoints, &im.GT[g], cfg.Sigmas)
			if err != nil {
				return nil, 0, fmt.Errorf("prediction %d, ground truth %d: %w", p, g, err)
			}
			oks[d*ng+g] = o
		}
	}
	dets := make([]detection, len(pidx))
	gtMatched := make([]bool, ng)
	for t, thr := range Thresholds {
		clear(gtMatched)
		for d, p := range pidx {
			dets[d].score = float64(im.Pred[p].Score)
			best := math.Min(thr, 1-1e-10)
			m := -1
			for _, g := range order {
				if gtMatched[g] && !im.GT[g].Crowd {
					continue
				}
				// Past the non-ignored ground truth with a match in hand: stop.
				if m > -1 && !gtIgnore[m] && gtIgnore[g] {
					break
				}
				if oks[d*ng+g] < best {
					continue
				}
				best, m = oks[d*ng+g], g
			}
			if m == -1 {
				// Unmatched: ignored when outside the area range (area of the
				// keypoints' bounding box, as pycocotools' loadRes).
				if a := keypointArea(im.Pred[p].Keypoints); a < ar.lo || a > ar.hi {
					dets[d].ignored[t] = true
				}
				continue
			}
			dets[d].matched[t] = true
			dets[d].ignored[t] = gtIgnore[m]
			gtMatched[m] = true
		}
	}
	return dets, npig, nil
}

// keypointArea returns the area of the bounding box of all keypoints.
func keypointArea(kps []pose.Keypoint) float64 {
	if len(kps) == 0 {
		return 0
	}
	x0, x1, y0, y1 := kps[0].X, kps[0].X, kps[0].Y, kps[0].Y
	for _, k := range kps[1:] {
		x0, x1 = min(x0, k.X), max(x1, k.X)
		y0, y1 = min(y0, k.Y), max(y1, k.Y)
	}
	return float64(x1-x0) * float64(y1-y0)
}
