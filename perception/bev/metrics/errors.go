package metrics

import (
	"errors"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinels for evaluation problems; an invalid Config is a
// *configerr.Error (see configErr).
var (
	// ErrClass reports a box whose class index is outside Config.Classes.
	ErrClass = errors.New("class index out of range")
	// ErrSize reports two occupancy grids of different sizes.
	ErrSize = errors.New("grid sizes differ")
)

// configErr reports a bad Config field as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "metrics.Config.<field>".
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("metrics.Config."+field, value, format, args...)
}
