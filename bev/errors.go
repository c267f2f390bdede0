package bev

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// ErrInvalidGrid is the shared configerr.ErrInvalid: Grid.Validate reports
// a bad Grid as a *configerr.Error named "bev.Grid.<field>". Kept so that
// callers testing for it still match; test for configerr.ErrInvalid.
var ErrInvalidGrid = configerr.ErrInvalid

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
