package lidarseg

import (
	"errors"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinel errors; every error the package returns wraps one of them, or
// configerr.ErrInvalid for an invalid configuration (see configErr).
var (
	// ErrInput marks input slices of inconsistent lengths or sizes.
	ErrInput = errors.New("lidarseg: invalid input")
	// ErrNoPoints marks a cloud without a single finite point of non-zero range.
	ErrNoPoints = errors.New("lidarseg: no valid point (all NaN, infinite or at zero range)")
	// ErrTooLarge marks a cloud over the configured point limit.
	ErrTooLarge = errors.New("lidarseg: cloud larger than the configured limit")
	// ErrLabelMap marks an unreadable or inconsistent label-map file.
	ErrLabelMap = errors.New("lidarseg: invalid label map")
)

// configErr reports a bad setting as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "lidarseg.<field>": a
// config field ("ProjectionConfig.Height") or a constructor's argument
// ("NewKNN classes").
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("lidarseg."+field, value, format, args...)
}
