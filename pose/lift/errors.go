package lift

import (
	"errors"
	"fmt"
)

// Sentinels; every error of this package wraps one of them.
var (
	// ErrConfig reports an invalid Config field (see ConfigError).
	ErrConfig = errors.New("lift: invalid configuration")
	// ErrDepthSize reports a depth image whose size is not the camera's.
	ErrDepthSize = errors.New("lift: depth image size differs from the camera's")
	// ErrTransform reports a failed TF lookup into the target frame.
	ErrTransform = errors.New("lift: no transform into the target frame at the image stamp")
	// ErrInput reports keypoints a monocular lifting model cannot take.
	ErrInput = errors.New("lift: keypoints unusable for monocular lifting")
)

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field string
	Value any
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("lift: invalid configuration: %s = %v", e.Field, e.Value)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }
