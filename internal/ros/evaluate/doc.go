// Package evaluate scores the nodes against the ground truth that
// `gopercept simulate` (or any annotated bag) records: it replays a bag
// through a node in memory, pairs each output with the ground truth of the
// same stamp, and reports the field's metrics — point mIoU for lidarseg,
// COCO AP and PCK for pose2d, nuScenes-style AP and occupancy IoU for
// bevfusion.
package evaluate
