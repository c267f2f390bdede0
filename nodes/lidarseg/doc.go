// Package lidarsegnode is the lidarseg node: range-image LiDAR semantic
// segmentation of sensor_msgs/PointCloud2 sweeps. It wires package lidarseg
// (projection, kNN post-processing, ground and clusters) and package infer
// (a model in the RangeNet++ contract, optional) to the node contract, and
// registers itself as "lidarseg".
//
// Input: a PointCloud2 of any driver layout (x, y, z as float32 or float64;
// intensity, reflectivity or remission of any numeric type; optional ring;
// organised or not; either endianness). Outputs: the same cloud, same points
// in the same order and the same header, with the fields label (uint16,
// SemanticKITTI raw id), rgb (float32-packed colour for rviz2) and instance
// (uint32, 0 for none) appended (an input field of one of these names, such
// as a coloured cloud's rgb, is replaced); a coloured range image (rgb8);
// optionally a
// cloud of the points of chosen classes. A cloud the node cannot read is
// dropped with the reason "invalid cloud" and an error naming the problem.
//
// A model labels well only clouds of the lidars it was trained on: its card
// lists them (parameters.sensors, projection preset names). The node
// measures the first cloud and every 100th (beams from rings or an organised
// cloud's height, columns, the elevations of the returns) and says on the
// "sensor" fact whether a listed sensor covers it, warning once when none
// does. A model of any lidar (rows and columns dynamic) is sized to that
// lidar; its card may name a family (parameters.members: {model: FILE,
// max_beams: N} for lidars of at most N rings, or {model: FILE} for those
// FILE's card's sensors cover), and the first member that covers the lidar
// runs instead, swapped in when the measured lidar changes.
//
// A card's parameters.class_bias (one number per output class) offsets each
// class's logits before the argmax: per-class thresholds fitted for mIoU on
// calibration drives (tools/train/lidarseg_bias.py), which trade a rare
// class's false positives against its recall without retraining.
package lidarsegnode
