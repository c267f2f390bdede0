package bevfusionnode

import (
	"errors"
	"fmt"
)

// Sentinels for the node's drop and mask reasons.
var (
	// ErrConfig reports invalid parameters; ParamError wraps it.
	ErrConfig = errors.New("invalid bevfusion configuration")
	// ErrModel reports a model whose inputs or outputs do not fit the node.
	ErrModel = errors.New("model does not fit the bevfusion node")
	// ErrCameraInfo reports an unusable CameraInfo.
	ErrCameraInfo = errors.New("invalid camera_info")
	// ErrOutOfSync reports a message too far in time from its partners.
	ErrOutOfSync = errors.New("out of sync")
	// ErrStale reports a cloud older than the last processed one.
	ErrStale = errors.New("stale cloud")
)

// ParamError names the parameter that is wrong.
type ParamError struct {
	Param  string
	Detail string
}

// Error implements error.
func (e *ParamError) Error() string {
	return fmt.Sprintf("bevfusion: parameter %s: %v: %s", e.Param, ErrConfig, e.Detail)
}

// Unwrap returns ErrConfig.
func (e *ParamError) Unwrap() error { return ErrConfig }
