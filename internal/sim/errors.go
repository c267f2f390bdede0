package sim

import "github.com/gopercept/gopercept/internal/configerr"

// cfgErr reports a bad configuration field as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "sim.<field>" where field is
// the Go field path, e.g. "WorldConfig.BlockSize"; value is nil when no one
// field's value says what is wrong.
func cfgErr(field string, value any, format string, args ...any) error {
	return configerr.New("sim."+field, value, format, args...)
}
