package pose2dnode

import "errors"

// Sentinels wrapped by the node's errors.
var (
	// ErrConfig reports a parameter value the node cannot use.
	ErrConfig = errors.New("pose2d: invalid parameter")
	// ErrModel reports a model whose card or shapes do not fit its family.
	ErrModel = errors.New("pose2d: model does not fit")
	// ErrDepth reports why 3D was skipped for a frame.
	ErrDepth = errors.New("pose2d: depth unusable")
	// ErrNoCameraInfo reports a frame with depth but no CameraInfo yet.
	ErrNoCameraInfo = errors.New("pose2d: no CameraInfo received yet")
)
