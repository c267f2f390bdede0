//go:build ros2

// Command pose2d runs the pose2d node on a live ROS 2 graph:
//
//	ros2 run gopercept pose2d --ros-args --params-file params/pose2d.yaml
package main

import (
	"github.com/gopercept/gopercept/internal/ros/rcl"
	_ "github.com/gopercept/gopercept/nodes/pose2d" // registers "pose2d"
)

func main() { rcl.Main("pose2d") }
