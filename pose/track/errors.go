package track

import (
	"errors"
	"fmt"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("track: invalid configuration")

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field string
	Value any
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("track: invalid configuration: %s = %v", e.Field, e.Value)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }
