package preprocess

import "errors"

// Sentinels; every error returned wraps one, or configerr.ErrInvalid for a
// bad configuration (a *configerr.Error naming the field, e.g.
// "preprocess.CropConfig.Width").
var (
	// ErrImage reports an image whose size and pixel buffer disagree, or an empty one.
	ErrImage = errors.New("preprocess: invalid image")
	// ErrTensor reports a destination tensor of the wrong length.
	ErrTensor = errors.New("preprocess: destination tensor has the wrong length")
	// ErrBox reports a person box that is empty, inverted or not finite.
	ErrBox = errors.New("preprocess: invalid box")
)
