package metrics

import "errors"

// Sentinels; functions of this package wrap one of them with context.
var (
	// ErrLength reports keypoint or joint slices of different lengths, or
	// sigmas that do not cover the keypoints.
	ErrLength = errors.New("metrics: lengths differ")
	// ErrNoGroundTruth reports a metric with nothing to score (no labelled
	// keypoint, limb or person); the metric is undefined.
	ErrNoGroundTruth = errors.New("metrics: no ground truth to score")
)
