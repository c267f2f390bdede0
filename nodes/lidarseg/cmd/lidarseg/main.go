//go:build ros2

// Command lidarseg runs the lidarseg node on a live ROS 2 graph:
//
//	ros2 run gopercept lidarseg --ros-args --params-file params/lidarseg.yaml
package main

import (
	"github.com/gopercept/gopercept/internal/ros/rcl"
	_ "github.com/gopercept/gopercept/nodes/lidarseg" // registers "lidarseg"
)

func main() { rcl.Main("lidarseg") }
