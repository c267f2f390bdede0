package warp

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them, or
// configerr.ErrInvalid for an invalid grid, layout or channel count (a
// *configerr.Error naming it).
var (
	// ErrShape reports a tensor whose length does not match.
	ErrShape = errors.New("warp: tensor shape mismatch")
	// ErrMotion reports a non-finite ego motion.
	ErrMotion = errors.New("warp: invalid ego motion")
)

func shapeError(name string, n, want int) error {
	return fmt.Errorf("%w: %s has %d elements, want %d", ErrShape, name, n, want)
}
