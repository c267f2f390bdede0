package pose2dnode

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinels wrapped by the node's errors; a parameter value the node cannot
// use is the shared *configerr.Error naming the ROS parameter (paramErr).
var (
	// ErrModel reports a model whose card or shapes do not fit its family.
	ErrModel = errors.New("pose2d: model does not fit")
	// ErrDepth reports why 3D was skipped for a frame.
	ErrDepth = errors.New("pose2d: depth unusable")
	// ErrNoCameraInfo reports a frame with depth but no CameraInfo yet.
	ErrNoCameraInfo = errors.New("pose2d: no CameraInfo received yet")
)

// paramErr reports the ROS parameter name given value as the shared
// *configerr.Error (errors.Is(err, configerr.ErrInvalid)), in the node's
// context.
func paramErr(name string, value any, format string, args ...any) error {
	return fmt.Errorf("pose2d: %w", configerr.New(name, value, format, args...))
}
