//go:build ros2

// Command bevfusion runs the bevfusion node on a live ROS 2 graph:
//
//	ros2 run gopercept bevfusion --ros-args --params-file params/bevfusion.yaml
package main

import (
	_ "github.com/gopercept/gopercept/nodes/bevfusion" // registers "bevfusion"
	"github.com/gopercept/gopercept/internal/ros/rcl"
)

func main() { rcl.Main("bevfusion") }
