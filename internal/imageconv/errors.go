package imageconv

import (
	"errors"
	"fmt"
)

// Sentinels; every error returned wraps one.
var (
	ErrEncoding  = errors.New("unknown or unsupported encoding")
	ErrEmpty     = errors.New("image has zero width or height")
	ErrTooLarge  = errors.New("image larger than the limit")
	ErrStep      = errors.New("step smaller than width × bytes per pixel")
	ErrShortData = errors.New("data shorter than height × step")
	ErrCorrupt   = errors.New("compressed image does not decode")
)

// Error names the image's encoding and dimensions with the problem.
type Error struct {
	Encoding      string
	Width, Height int
	Detail        string
	Err           error
}

func (e *Error) Error() string {
	return fmt.Sprintf("imageconv: %s image %d×%d: %v%s", e.Encoding, e.Width, e.Height, e.Err, detail(e.Detail))
}

func (e *Error) Unwrap() error { return e.Err }

func detail(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
