// Package lift turns 2D keypoints into 3D with an aligned depth image and
// the colour camera's calibration.
//
// For each keypoint the depth is the median of the valid depths (finite,
// inside [MinDepth, MaxDepth], not 0) in a Window×Window patch around the
// keypoint's pixel, after rejecting samples farther than MADK robust
// standard deviations (1.4826 × median absolute deviation) from the first
// median. The pixel is undistorted through the full camera model
// (camera.Model.Undistort) and back-projected as P = z·(x, y, 1) in the
// camera optical frame (REP-103: z forward, x right, y down, metres).
//
// Covariance model. P depends on the normalised coordinates (x, y) and on
// the depth z. The pixel position has an isotropic standard deviation
// σ_px = PixelSigma / max(score, 0.1) pixels, mapped to normalised
// coordinates by the numerical Jacobian J of Undistort (central
// differences at ±0.5 px), giving Σ_xy = σ_px² J Jᵀ. The depth has
// σ_z² = max(1.4826·MAD_kept, DepthNoise·z², MinDepthSigma)², i.e. the spread
// of the accepted depths but never below the sensor's quadratic noise
// (structured light and stereo: σ ∝ z²). With A = ∂P/∂(x, y, z) =
// [[z, 0, x], [0, z, y], [0, 0, 1]], the joint covariance is
// Σ_P = A · blockdiag(Σ_xy, σ_z²) · Aᵀ, in m². Transforming into another
// frame rotates it: Σ' = R Σ Rᵀ.
//
// Transformation into a target frame looks the transform up in a tf.Buffer
// at the image's own stamp, never the latest; a missing transform is an
// error and nothing is returned in the wrong frame.
package lift
