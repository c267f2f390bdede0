// Package lidarseg holds the ROS-free algorithms of range-image LiDAR
// semantic segmentation: the spherical projection of a point cloud to a
// range image as lidar-bonnetal (RangeNet++) computes it, the model-input
// tensor, camera-painted input channels (PointPainting / VIASeg: each
// point's pixel colour from calibrated cameras), labels back to every point (per-pixel argmax or RangeNet++'s kNN
// post-processing), sector-wise ground-plane fitting, Euclidean clustering
// on the range image, SemanticKITTI label maps, and segmentation metrics.
//
// Coordinates are in the sensor frame in metres: x forward, y left, z up.
// Range images are row-major, row 0 at the top of the vertical field of
// view, column 0 behind the sensor (yaw −π) with columns running clockwise
// seen from above: left, front, right. Every buffer is
// owned by the value that fills it and reused from frame to frame, so that a
// warmed-up pipeline allocates nothing per frame.
package lidarseg
