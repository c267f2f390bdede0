package lss

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them.
var (
	// ErrConfig reports a Config or constructor argument out of range.
	ErrConfig = errors.New("lss: invalid config")
	// ErrCamera reports a camera that cannot be lifted (wraps the
	// bev.ErrInvalidCamera cause too).
	ErrCamera = errors.New("lss: invalid camera")
	// ErrShape reports a tensor whose length does not match the geometry.
	ErrShape = errors.New("lss: tensor shape mismatch")
	// ErrClosed reports use of a closed Pooler.
	ErrClosed = errors.New("lss: pooler closed")
)

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	// Field is the Go name of the offending Config field or argument.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrConfig, e.Field, e.Reason)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// shapeError reports tensor name having n elements instead of want.
func shapeError(name string, n, want int) error {
	return fmt.Errorf("%w: %s has %d elements, want %d", ErrShape, name, n, want)
}
