package bev

import (
	"errors"
	"fmt"
)

// ErrInvalidGrid reports a Grid with a non-finite or non-positive extent or
// resolution. Errors returned by Grid.Validate wrap it in a *GridError.
var ErrInvalidGrid = errors.New("invalid BEV grid")

// GridError names the Grid field that is wrong.
type GridError struct {
	// Field is the Go name of the offending field, such as "Resolution".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *GridError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidGrid, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidGrid.
func (e *GridError) Unwrap() error { return ErrInvalidGrid }
