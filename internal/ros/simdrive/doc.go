// Package simdrive turns the synthetic world of package sim into rosbag2
// recordings shaped like a real vehicle's: /tf at 50 Hz and /tf_static,
// odometry, a spinning lidar's PointCloud2 as drivers publish it (x, y, z,
// intensity, ring, time), cameras with CameraInfo (raw or JPEG), an aligned
// depth image, and the ground truth the evaluations need — per-point labels,
// per-camera COCO keypoints and boxes, 3D boxes with their velocities and a
// BEV grid — on /gt/... topics. The same seed gives the same bytes.
package simdrive
