package pose

import "errors"

// Sentinels; functions of this package wrap one of them with context.
var (
	// ErrSingular reports an affine transform that cannot be inverted.
	ErrSingular = errors.New("pose: singular affine transform")
	// ErrKeypointCount reports a keypoint slice of the wrong length.
	ErrKeypointCount = errors.New("pose: wrong number of keypoints")
)
