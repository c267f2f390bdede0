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

// ErrInvalidCamera reports a Camera that cannot be used for BEV geometry.
// Errors returned by Camera.Validate wrap it in a *CameraError.
var ErrInvalidCamera = errors.New("invalid BEV camera")

// CameraError names the camera and the field that is wrong.
type CameraError struct {
	// Camera is Camera.Name.
	Camera string
	// Field is the Go name of the offending Camera field.
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *CameraError) Error() string {
	return fmt.Sprintf("%v %q: %s: %s", ErrInvalidCamera, e.Camera, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidCamera.
func (e *CameraError) Unwrap() error { return ErrInvalidCamera }
