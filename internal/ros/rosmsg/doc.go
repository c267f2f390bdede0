// Package rosmsg is the table of every ROS 2 message type gopercept reads or
// writes. The types themselves live in generated subpackages named after
// their ROS packages (rosmsg/sensor_msgs, rosmsg/gopercept_msgs, ...), made by
// internal/msggen from the .msg definitions in rosmsg/defs and msgs/msg.
//
// One codec serves live topics, bags and tests: a node, gopercept replay and
// a test all decode the same CDR bytes with the same generated code.
package rosmsg

//go:generate go run ../msggen -in defs -in ../../../msgs -out .
