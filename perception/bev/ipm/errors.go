package ipm

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them,
// configerr.ErrInvalid for an invalid Config (a *configerr.Error naming the
// field) or bev.ErrInvalidCamera for an unusable camera.
var (
	// ErrShape reports an image of another size than its camera, or a
	// wrong number of images.
	ErrShape = errors.New("ipm: image shape mismatch")
)

func shapeErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, a...)...)
}
