package head

import (
	"errors"
	"fmt"
)

// Sentinels for decoder and NMS problems; ConfigError and ShapeError wrap
// one of them.
var (
	ErrConfig = errors.New("invalid configuration")
	ErrShape  = errors.New("tensor shape mismatch")
)

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field  string // the Config or NMSConfig field, e.g. "Stride"
	Detail string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("head: %s: %v: %s", e.Field, ErrConfig, e.Detail)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

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
