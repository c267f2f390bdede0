// Package pointcloud reads and writes the point layout of a
// sensor_msgs/PointCloud2 without knowing ROS: a Layout (fields, point and
// row steps, endianness) over a byte slice. Real drivers publish every
// imaginable layout — x, y, z as float32 or float64, intensity as float32,
// uint8 or uint16, optional ring and per-point time under several names,
// organised or not, either endianness — and Validate checks a layout against
// its data before any point is read, so a hostile or broken message is
// rejected with a reason instead of read out of bounds.
package pointcloud
