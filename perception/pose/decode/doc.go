// Package decode turns the raw outputs of human-pose models into people
// (pose.Person), one decoder per model family:
//
//   - "heatmap": heatmaps [N,K,H,W] (SimpleBaseline, HRNet), argmax plus a
//     quarter-pixel step toward the higher neighbour;
//   - "dark": the same heatmaps decoded distribution-aware (DARK, as mmpose:
//     Gaussian blur with kernel 11, log, one Newton step on the log);
//   - "integral": integral regression, the soft-argmax of each heatmap;
//   - "simcc": RTMPose's 1-D classification vectors simcc_x [N,K,W·r] and
//     simcc_y [N,K,H·r], coordinate = argmax / r;
//   - "yolo-pose": one-stage YOLOv8/YOLO11-pose [1,5+3K,A] with score
//     threshold and IoU non-maximum suppression done here;
//   - "yolo-pose-e2e": the NMS-free layout [1,N,6+3K];
//   - "openpose": bottom-up part-affinity fields (OpenPose, trt_pose): peaks,
//     limb scores by the PAF line integral, greedy matching, assembly,
//     mapped to COCO-17;
//   - "movenet-multipose": Google's MoveNet MultiPose [1,P,3K+5], per person
//     K × (y, x, score) normalised to the input, its box and score;
//   - "movenet" and "movenet-topdown": MoveNet SinglePose (Lightning,
//     Thunder) [N,1,K,3], one person per batch item (the whole image, or one
//     detector crop each).
//
// New picks a decoder by the name in the model card. Every decoder returns
// coordinates in model-input pixels (top-down decoders: one person per batch
// item, in that crop's input pixels); MapToImage and MapTopDown map them back
// to image pixels through the transforms pose/preprocess returned.
//
// Decoders keep their scratch memory and reuse the people slice passed in,
// so decoding allocates nothing after warm-up. A Decoder is not safe for
// concurrent use.
package decode
