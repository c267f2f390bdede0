// Package pose holds the types shared by the human-pose packages: the COCO-17
// keypoint order and names, the skeleton's limb pairs, the OKS sigmas, the
// Keypoint and Person values that decoders produce and trackers, lifters and
// nodes consume, and the 2×3 Affine transform that maps between image pixels
// and model-input or heatmap coordinates.
//
// All 2D coordinates are pixels of the image named by the context (the
// original camera image unless a function says otherwise), x to the right, y
// down, with pixel centres at integer coordinates as OpenCV and mmpose use.
//
// Subpackages: preprocess (letterbox and top-down affine crops into NCHW
// tensors), decode (one decoder per model family: heatmaps with argmax or
// DARK, integral regression, SimCC, YOLO-pose, OpenPose part-affinity fields)
// and metrics (OKS, COCO AP/AR, PCK, PCKh, PCP, PDJ, MPJPE).
package pose
