// Package param reads ROS 2 parameter files as rclcpp does (sections "/**",
// "/**/name", "name", "/ns/name", "/ns/*", nested namespaces; matched
// against the node's fully qualified name, later sections winning) and lets
// a node declare each parameter with its default, unit and description, as
// rclcpp's declare_parameter does. Layered puts -p overrides over the
// files: an undeclared name is an error from -p and ignored with a warning
// from a file. The standard qos_overrides parameters are validated and
// exposed (QoSOverride). The same declarations serve the live node
// (--params-file), gopercept replay (--params) and the README's parameter
// tables.
package param
