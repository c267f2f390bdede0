package plausible

import (
	"errors"
	"fmt"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("plausible: invalid configuration")

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field string
	Value any
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("plausible: invalid configuration: %s = %v", e.Field, e.Value)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }
