package plausible

import "github.com/gopercept/gopercept/internal/configerr"

// configErr reports a bad Config field as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "plausible.Config.<field>".
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("plausible.Config."+field, value, format, args...)
}
