package pillar

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them,
// configerr.ErrInvalid for a Config or argument out of range (a
// *configerr.Error naming it) or bev.ErrInvalidCamera for an unusable camera.
var (
	// ErrShape reports arrays of mismatched lengths.
	ErrShape = errors.New("pillar: array length mismatch")
	// ErrMotion reports a Motion function that failed or returned a
	// non-finite transform.
	ErrMotion = errors.New("pillar: ego motion unavailable")
)

// shapeError reports array name having n elements instead of want.
func shapeError(name string, n, want int) error {
	return fmt.Errorf("%w: %s has %d elements, want %d", ErrShape, name, n, want)
}
