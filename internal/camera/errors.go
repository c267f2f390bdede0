package camera

import (
	"errors"
	"fmt"
)

// Sentinels; every error from this package wraps one of them.
var (
	// ErrSize reports a zero image width or height.
	ErrSize = errors.New("image size must be positive")
	// ErrFocalLength reports a focal length that is zero, negative or not finite.
	ErrFocalLength = errors.New("focal length must be positive and finite")
	// ErrPrincipalPoint reports a principal point that is not finite.
	ErrPrincipalPoint = errors.New("principal point must be finite")
	// ErrDistortionModel reports a distortion model this package does not know.
	ErrDistortionModel = errors.New("unknown distortion model")
	// ErrDistortionLength reports a D whose length does not fit its model.
	ErrDistortionLength = errors.New("distortion coefficient count does not fit the model")
	// ErrDistortionValue reports a coefficient that is not finite.
	ErrDistortionValue = errors.New("distortion coefficient must be finite")
	// ErrScale reports a non-positive or non-finite resize factor.
	ErrScale = errors.New("scale factor must be positive and finite")
)

// CalibrationError names the CameraInfo field that is wrong and its value.
type CalibrationError struct {
	Field string // Field is the CameraInfo field, e.g. "K[0] (fx)" or "D".
	Value string // Value is the offending value as text.
	Err   error  // Err is one of the sentinels above.
}

// Error implements error.
func (e *CalibrationError) Error() string {
	return fmt.Sprintf("camera: %s = %s: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the sentinel.
func (e *CalibrationError) Unwrap() error { return e.Err }

func calibErr(field string, value any, err error) error {
	return &CalibrationError{Field: field, Value: fmt.Sprint(value), Err: err}
}
