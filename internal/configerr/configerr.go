// Package configerr is the one configuration error of gopercept: every
// package, ROS-free or not, reports a bad setting as an *Error naming the
// parameter, the value it was given and why it cannot be used, so a node
// can report any of them the same way and callers test for them with
// errors.Is(err, ErrInvalid) or errors.As(err, **Error).
package configerr

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every *Error.
var ErrInvalid = errors.New("invalid configuration")

// Error is a setting that cannot be used.
type Error struct {
	// Param names the setting as its user knows it: a ROS parameter
	// ("projection.height"), or a Go config field qualified by its package
	// ("lss.Config.DepthBins").
	Param string
	// Value is what it was given; nil when there is no single value to show
	// (a combination of settings, a missing one).
	Value any
	// Reason says why it cannot be used.
	Reason string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%v: %s: %s", ErrInvalid, e.Param, e.Reason)
	}
	return fmt.Sprintf("%v: %s = %v: %s", ErrInvalid, e.Param, e.Value, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// New returns an *Error for param with value, its reason formatted.
func New(param string, value any, format string, args ...any) error {
	return &Error{Param: param, Value: value, Reason: fmt.Sprintf(format, args...)}
}
