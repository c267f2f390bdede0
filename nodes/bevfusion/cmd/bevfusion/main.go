//go:build ros2

// Command bevfusion runs the bevfusion node on a live ROS 2 graph:
//
//	ros2 run gopercept bevfusion --ros-args --params-file params/bevfusion.yaml
package main

import (
	"github.com/gopercept/gopercept/internal/ros/rcl"
	_ "github.com/gopercept/gopercept/nodes/bevfusion" // registers "bevfusion"
)

func main() { rcl.Main("bevfusion") }
