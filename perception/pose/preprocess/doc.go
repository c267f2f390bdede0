// Package preprocess turns packed rgb8 camera images (imageconv.RGB) into the
// NCHW float32 tensors that pose models take, and returns the affine
// transforms that map model-input pixels back to image pixels.
//
// Letterbox fits the whole image into a square S×S input as YOLO does (scale
// to fit, aspect ratio kept, centred, padded with 114/255). Cropper cuts one
// crop per person box as the top-down models do (SimpleBaseline, HRNet,
// RTMPose): the box is enlarged ×1.25 about its centre, widened or heightened
// to the input's aspect ratio, and sampled bilinearly through a 2×3 affine
// transform, batched into [N,3,H,W].
//
// Both write into caller-owned tensors, spread rows over a fixed goroutine
// pool, and allocate nothing per frame after their first call.
//
// Coordinates follow OpenCV: pixel centres at integer coordinates. The
// returned pose.Affine maps image pixels to input pixels; decoders map back
// with its inverse.
package preprocess
