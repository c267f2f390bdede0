// Package plausible scores how plausible a detected human pose is from the
// structure of the body: limb-length ratios (upper arm to forearm, thigh to
// shin), left–right symmetry of limb lengths, and, when 3D keypoints are
// known, absolute bone lengths and joint limits (elbow and knee flexion,
// knee hyperextension). Each person gets a score in [0, 1] — the mean of the
// per-check scores, 1 for a check passed and falling linearly to 0 as the
// measured value leaves its range by as much again — and a set of flags
// naming the checks that failed.
//
// In 2D the ranges are wide, because foreshortening shortens any limb that
// points towards the camera; the 3D checks are tight. Keypoints follow
// COCO-17 (pose.NumKeypoints); 2D coordinates are pixels, 3D metres in any
// right-handed frame.
package plausible
