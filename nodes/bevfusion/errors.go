package bevfusionnode

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinels for the node's drop and mask reasons; an invalid parameter is
// the shared *configerr.Error (see paramErr).
var (
	// ErrModel reports a model whose inputs or outputs do not fit the node.
	ErrModel = errors.New("model does not fit the bevfusion node")
	// ErrCameraInfo reports an unusable CameraInfo.
	ErrCameraInfo = errors.New("invalid camera_info")
	// ErrOutOfSync reports a message too far in time from its partners.
	ErrOutOfSync = errors.New("out of sync")
	// ErrStale reports a cloud older than the last processed one.
	ErrStale = errors.New("stale cloud")
)

// paramErr reports the ROS parameter name given value as the shared
// *configerr.Error (errors.Is(err, configerr.ErrInvalid)), in the node's
// context. A library's own configuration error (bev.Grid, bev/head) is
// wrapped instead with the parameter it came from, keeping its field.
func paramErr(name string, value any, format string, args ...any) error {
	return fmt.Errorf("bevfusion: %w", configerr.New(name, value, format, args...))
}
