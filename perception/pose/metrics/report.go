package metrics

import (
	"errors"
	"fmt"
)

// Report holds every 2D metric of a data set; a metric without ground truth
// to score (no labelled torso, no head size) is −1.
type Report struct {
	// COCO holds AP and AR by OKS.
	COCO COCOResult
	// PCK is PCK@0.2 of the torso size; PCKh is PCKh@0.5 of the head size;
	// PCP is PCP@0.5; PDJ is PDJ@0.2 of the torso diameter. Each is a
	// fraction in [0, 1] over people matched by Match (missed people count
	// as wrong).
	PCK, PCKh, PCP, PDJ float64
	// People is the number of non-crowd ground-truth people; Matched how
	// many of them a prediction was matched to.
	People, Matched int
}

// Evaluate computes COCOEval over images and the PCK family over the
// people Match pairs image by image.
func Evaluate(images []Image, cfg COCOConfig) (Report, error) {
	var r Report
	var err error
	if r.COCO, err = COCOEval(images, cfg); err != nil {
		return r, err
	}
	var pairs []Pair
	for i := range images {
		p, err := Match(images[i].Pred, images[i].GT, cfg.Sigmas)
		if err != nil {
			return r, fmt.Errorf("image %d: %w", i, err)
		}
		pairs = append(pairs, p...)
	}
	r.People = len(pairs)
	for _, p := range pairs {
		if p.Pred != nil {
			r.Matched++
		}
	}
	for _, m := range []struct {
		dst *float64
		f   func([]Pair, float64) (float64, error)
		a   float64
	}{
		{&r.PCK, PCK, 0.2}, {&r.PCKh, PCKh, 0.5}, {&r.PDJ, PDJ, 0.2},
		{&r.PCP, func(p []Pair, a float64) (float64, error) { return PCP(p, a, nil) }, 0.5},
	} {
		v, err := m.f(pairs, m.a)
		switch {
		case errors.Is(err, ErrNoGroundTruth):
			v = -1
		case err != nil:
			return r, err
		}
		*m.dst = v
	}
	return r, nil
}
