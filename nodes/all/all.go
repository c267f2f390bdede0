// Package all links every gopercept node into a binary: importing it for
// its side effects registers the nodes with package node, so that
// `gopercept replay --nodes lidarseg,pose2d,bevfusion` can build them.
package all

import (
	_ "github.com/gopercept/gopercept/nodes/bevfusion" // registers "bevfusion"
	_ "github.com/gopercept/gopercept/nodes/lidarseg"  // registers "lidarseg"
	_ "github.com/gopercept/gopercept/nodes/pose2d"    // registers "pose2d"
)
