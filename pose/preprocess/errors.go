package preprocess

import (
	"errors"
	"fmt"
)

// Sentinels; every error returned wraps one.
var (
	// ErrConfig reports an invalid configuration field.
	ErrConfig = errors.New("preprocess: invalid configuration")
	// ErrImage reports an image whose size and pixel buffer disagree, or an empty one.
	ErrImage = errors.New("preprocess: invalid image")
	// ErrTensor reports a destination tensor of the wrong length.
	ErrTensor = errors.New("preprocess: destination tensor has the wrong length")
	// ErrBox reports a person box that is empty, inverted or not finite.
	ErrBox = errors.New("preprocess: invalid box")
)

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("preprocess: config field %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }
