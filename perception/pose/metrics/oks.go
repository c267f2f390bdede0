package metrics

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/perception/pose"
)

// Annotation is one ground-truth person.
type Annotation struct {
	// Box (x1, y1, x2, y2) in pixels and Keypoints; a keypoint is labelled
	// when its Visibility is above pose.NotLabelled. Score is unused.
	pose.Person
	// Area is the object area in square pixels that scales OKS (COCO's
	// segmentation area); 0 means the box area.
	Area float64
	// Crowd marks a COCO iscrowd region: detections matched to it are
	// neither true nor false positives, and it can match several.
	Crowd bool
	// HeadSize is the head segment length in pixels (MPII), for PCKh; 0
	// when unknown.
	HeadSize float64
}

// area returns Area, or the box area when Area is 0.
func (a *Annotation) area() float64 {
	if a.Area > 0 {
		return a.Area
	}
	return float64(a.Box[2]-a.Box[0]) * float64(a.Box[3]-a.Box[1])
}

// labelled returns the number of labelled keypoints.
func (a *Annotation) labelled() int {
	n := 0
	for _, k := range a.Keypoints {
		if k.Visibility > pose.NotLabelled {
			n++
		}
	}
	return n
}

// OKS returns COCO's object keypoint similarity between predicted keypoints
// and a ground-truth person, with per-keypoint constants sigmas (nil means
// pose.Sigmas): the mean over labelled keypoints of exp(−d²/(2·s²·k²)) with
// d the distance in pixels, s² the object area and k = 2σ. Without a
// labelled keypoint it follows pycocotools: d is the distance outside the
// ground-truth box enlarged by its size on each side, over all keypoints.
func OKS(pred []pose.Keypoint, gt *Annotation, sigmas []float64) (float64, error) {
	if sigmas == nil {
		sigmas = pose.Sigmas[:]
	}
	if len(pred) != len(gt.Keypoints) || len(sigmas) < len(pred) {
		return 0, fmt.Errorf("OKS of %d predicted keypoints, %d labelled, %d sigmas: %w", len(pred), len(gt.Keypoints), len(sigmas), ErrLength)
	}
	area := gt.area()
	n := gt.labelled()
	// The box enlarged by its width and height on each side, computed from
	// (x, y, w, h) in float64 as pycocotools does (x − w, x + 2w).
	bx, by := float64(gt.Box[0]), float64(gt.Box[1])
	bw, bh := float64(gt.Box[2])-bx, float64(gt.Box[3])-by
	x0, x1 := bx-bw, bx+bw*2
	y0, y1 := by-bh, by+bh*2
	sum, cnt := 0.0, 0
	for i, p := range pred {
		g := gt.Keypoints[i]
		var dx, dy float64
		if n > 0 {
			if g.Visibility == pose.NotLabelled {
				continue
			}
			dx, dy = float64(p.X)-float64(g.X), float64(p.Y)-float64(g.Y)
		} else {
			px, py := float64(p.X), float64(p.Y)
			dx = math.Max(0, x0-px) + math.Max(0, px-x1)
			dy = math.Max(0, y0-py) + math.Max(0, py-y1)
		}
		k2 := 4 * sigmas[i] * sigmas[i]
		e := (dx*dx + dy*dy) / k2 / (area + eps) / 2
		sum += math.Exp(-e)
		cnt++
	}
	if cnt == 0 {
		return 0, nil
	}
	return sum / float64(cnt), nil
}

// eps is numpy's spacing(1), which pycocotools adds to the area.
const eps = 2.220446049250313e-16
