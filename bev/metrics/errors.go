package metrics

import (
	"errors"
	"fmt"
)

// Sentinels for evaluation problems.
var (
	// ErrConfig reports an invalid Config; ConfigError wraps it.
	ErrConfig = errors.New("invalid metrics configuration")
	// ErrClass reports a box whose class index is outside Config.Classes.
	ErrClass = errors.New("class index out of range")
	// ErrSize reports two occupancy grids of different sizes.
	ErrSize = errors.New("grid sizes differ")
)

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field  string
	Detail string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("metrics: %s: %v: %s", e.Field, ErrConfig, e.Detail)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }
