// Package pose2dnode is the "pose2d" node: multi-person 2D human pose from a
// camera image, tracked across frames, checked for plausibility and, with an
// aligned depth image and the CameraInfo, lifted to 3D.
//
// Inputs: a sensor_msgs/Image (any encoding imageconv reads) or a
// sensor_msgs/CompressedImage (jpeg, png) on "<image.topic>/compressed",
// the colour camera's sensor_msgs/CameraInfo, and optionally a depth
// sensor_msgs/Image aligned to the colour camera (16UC1 mm or 32FC1 m).
//
// Model families, chosen by the pose model's card (family or decoder,
// overridden by model.decoder):
//
//   - top-down ("heatmap", "dark", "integral", "simcc"): a person detector
//     with YOLO detection output ([1, 4+C, A] or [1, A, 4+C]; boxes as
//     centre and size in input pixels, then C class scores) finds people in
//     the letterboxed image, each box is cropped as SimpleBaseline does and
//     the crops run through the pose model as one batch;
//   - one-stage ("yolo-pose", "yolo-pose-e2e", "movenet-multipose",
//     "movenet"): YOLO-pose, MoveNet MultiPose or MoveNet SinglePose on the
//     letterboxed image (padded with the card's letterbox_pad, else grey
//     114); a model whose card leaves H and W free runs at each size of
//     model.input_sizes (or the card's input_sizes), the people fused joint
//     by joint (decode.ScaleFusion); "movenet-topdown" runs MoveNet
//     SinglePose top-down instead;
//   - bottom-up ("openpose"): part-affinity fields on the letterboxed image.
//
// Outputs: gopercept_msgs/Skeleton2DArray (header = the image's, convention
// "coco17"); with depth, gopercept_msgs/Skeleton3DArray and a
// visualization_msgs/MarkerArray (joints as SPHERE_LIST, limbs as
// LINE_LIST) in the camera optical frame or target_frame (TF looked up at
// the image's stamp); optionally an rgb8 overlay Image. Per-stage latencies
// and the reasons for skipped 3D go to the node's Stats (/diagnostics).
//
// Bad input never stops the node: an image that does not decode is dropped
// with reason "invalid image", a bad CameraInfo with "invalid camera_info",
// a bad depth image with "invalid depth"; a depth image of another size or
// frame than the colour image only disables 3D for that frame (the 2D
// skeletons are still published) with the reason in the Stats key "3d".
//
// Run-time parameters (ros2 param set, from the next frame): the detector's
// and pose thresholds, detector.tiles, tracking (its ids carry on through a
// change, and through tracking turned off and on), One-Euro smoothing,
// plausibility, overlay.enabled (back on only when the node started with
// it), marker sizes and depth.max_stamp_diff; their ranges are the schema's.
// Topics, models, providers, threads, detector.max_people and the lifting
// set-up are read once at start, and a set of one is refused with the
// reason.
package pose2dnode
