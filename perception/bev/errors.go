package bev

import (
	"errors"
	"fmt"
)

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
