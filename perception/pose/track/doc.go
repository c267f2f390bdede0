// Package track keeps the identities of people across the frames of one
// camera, PoseTrack style: each frame's detections are matched to the
// existing tracks' predicted poses by an optimal assignment (Hungarian
// method) on a cost of 1 − OKS, falling back to 1 − box IoU where too few
// keypoints are shared; a track is born (gets its stable id) after MinHits
// matched frames and dies after MaxMisses frames without a match. Keypoints
// of tracked people can be smoothed with a One-Euro filter.
//
// Coordinates are pixels of the image the detections came from; times are
// nanoseconds (the image header stamp).
package track
