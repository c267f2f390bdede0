//go:build ros2

// Command lidarseg runs the lidarseg node on a live ROS 2 graph:
//
//	ros2 run gopercept lidarseg --ros-args --params-file params/lidarseg.yaml
package main

import (
	_ "github.com/gopercept/gopercept/nodes/lidarseg" // registers "lidarseg"
	"github.com/gopercept/gopercept/internal/ros/rcl"
)

func main() { rcl.Main("lidarseg") }
