package lift

import (
	"errors"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinels; every error of this package wraps one of them, or
// configerr.ErrInvalid for a bad Config (see configErr).
var (
	// ErrDepthSize reports a depth image whose size is not the camera's.
	ErrDepthSize = errors.New("lift: depth image size differs from the camera's")
	// ErrTransform reports a failed TF lookup into the target frame.
	ErrTransform = errors.New("lift: no transform into the target frame at the image stamp")
	// ErrInput reports keypoints a monocular lifting model cannot take.
	ErrInput = errors.New("lift: keypoints unusable for monocular lifting")
)

// configErr reports a bad Config field as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "lift.Config.<field>".
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("lift.Config."+field, value, format, args...)
}
