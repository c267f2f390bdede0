package head

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// ErrShape is wrapped by every *ShapeError. A bad configuration is the
// shared *configerr.Error (see configErr).
var ErrShape = errors.New("tensor shape mismatch")

// configErr reports a bad configuration field as the shared
// *configerr.Error (errors.Is(err, configerr.ErrInvalid)), named
// "head.<field>", e.g. "head.Config.Stride" or "head.NMSConfig.Kind".
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("head."+field, value, format, args...)
}

// ShapeError says which head tensor has the wrong length.
type ShapeError struct {
	Tensor    string // "heatmap", "reg", "height", "dim", "rot" or "vel"
	Got, Want int    // element counts
}

// Error implements error.
func (e *ShapeError) Error() string {
	return fmt.Sprintf("head: %s: %v: %d elements, want %d", e.Tensor, ErrShape, e.Got, e.Want)
}

// Unwrap returns ErrShape.
func (e *ShapeError) Unwrap() error { return ErrShape }
