package lss

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinel errors; every error of this package wraps one of them, or
// configerr.ErrInvalid for a Config or constructor argument out of range
// (see configErr).
var (
	// ErrCamera reports a camera that cannot be lifted (wraps the
	// bev.ErrInvalidCamera cause too).
	ErrCamera = errors.New("lss: invalid camera")
	// ErrShape reports a tensor whose length does not match the geometry.
	ErrShape = errors.New("lss: tensor shape mismatch")
	// ErrClosed reports use of a closed Pooler.
	ErrClosed = errors.New("lss: pooler closed")
)

// configErr reports a bad setting as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "lss.<field>": a Config
// field ("Config.DepthStep") or a constructor's argument ("NewPooler
// channels").
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("lss."+field, value, format, args...)
}

// shapeError reports tensor name having n elements instead of want.
func shapeError(name string, n, want int) error {
	return fmt.Errorf("%w: %s has %d elements, want %d", ErrShape, name, n, want)
}
