package sim

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is the sentinel wrapped by every ConfigError.
var ErrInvalidConfig = errors.New("sim: invalid config")

// ConfigError names the configuration field that is wrong and why.
type ConfigError struct {
	Field  string // Field is the Go field path, e.g. "WorldConfig.BlockSize".
	Reason string // Reason says what is wrong with the value.
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("sim: invalid config: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig so callers can use errors.Is.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func cfgErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
