// Package param reads ROS 2 parameter files (`/**: ros__parameters:` or
// `node_name: ros__parameters:`) and lets a node declare each parameter with
// its default, unit and description, as rclcpp's declare_parameter does.
// The same declarations serve the live node (values from --params-file),
// gopercept replay (--params) and the README's parameter tables.
package param
