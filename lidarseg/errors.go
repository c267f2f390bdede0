package lidarseg

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error the package returns wraps one of them.
var (
	// ErrConfig marks an invalid configuration; a *ConfigError names the field.
	ErrConfig = errors.New("lidarseg: invalid configuration")
	// ErrInput marks input slices of inconsistent lengths or sizes.
	ErrInput = errors.New("lidarseg: invalid input")
	// ErrNoPoints marks a cloud without a single finite point of non-zero range.
	ErrNoPoints = errors.New("lidarseg: no valid point (all NaN, infinite or at zero range)")
	// ErrTooLarge marks a cloud over the configured point limit.
	ErrTooLarge = errors.New("lidarseg: cloud larger than the configured limit")
	// ErrLabelMap marks an unreadable or inconsistent label-map file.
	ErrLabelMap = errors.New("lidarseg: invalid label map")
)

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field  string // Go field name, e.g. "Projection.Height"
	Detail string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("lidarseg: invalid configuration: %s: %s", e.Field, e.Detail)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Detail: fmt.Sprintf(format, args...)}
}
