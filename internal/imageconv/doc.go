// Package imageconv turns camera images as ROS carries them —
// sensor_msgs/Image in any common encoding, sensor_msgs/CompressedImage in
// JPEG or PNG, depth as 16UC1 millimetres or 32FC1 metres — into the packed
// RGB and metric depth buffers the perception pipelines consume. It checks
// every dimension, step and length against the data before reading, and
// reuses the destination's memory across frames.
package imageconv
