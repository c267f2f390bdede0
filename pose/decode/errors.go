package decode

import (
	"errors"
	"fmt"
)

// Sentinels; every error returned wraps one.
var (
	// ErrUnknownDecoder reports a decoder name New does not know.
	ErrUnknownDecoder = errors.New("decode: unknown decoder")
	// ErrConfig reports an invalid configuration field.
	ErrConfig = errors.New("decode: invalid configuration")
	// ErrShape reports outputs whose number, shape or length does not fit the decoder.
	ErrShape = errors.New("decode: output shape does not fit the decoder")
)

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("decode: config field %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// ShapeError names the decoder and the output that does not fit.
type ShapeError struct {
	Decoder string
	Output  string
	Shape   []int
	Reason  string
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("decode: %s: output %q shape %v: %s", e.Decoder, e.Output, e.Shape, e.Reason)
}

// Unwrap returns ErrShape.
func (e *ShapeError) Unwrap() error { return ErrShape }
