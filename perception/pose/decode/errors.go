package decode

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinels; every error returned wraps one, or configerr.ErrInvalid for an
// invalid configuration field (see configErr).
var (
	// ErrUnknownDecoder reports a decoder name New does not know.
	ErrUnknownDecoder = errors.New("decode: unknown decoder")
	// ErrShape reports outputs whose number, shape or length does not fit the decoder.
	ErrShape = errors.New("decode: output shape does not fit the decoder")
)

// configErr reports a bad setting as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "decode.<field>": a Config
// field ("Config.BlurKernel") or a constructor's argument ("NewDARK kernel").
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("decode."+field, value, format, args...)
}

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
