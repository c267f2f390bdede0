// Package camera is the calibrated camera model shared by the pose and BEV
// pipelines: the pinhole intrinsics and lens distortion of a
// sensor_msgs/CameraInfo, with projection from the camera optical frame
// (REP-103 optical convention: z forward, x right, y down, metres) to
// distorted pixels and back.
//
// Pixel coordinates follow ROS and OpenCV: the centre of pixel (i, j) is at
// (u, v) = (i, j); u grows to the right and v downwards.
//
// Supported distortion models, with D ordered as CameraInfo carries it:
//
//   - "plumb_bob": k1, k2, p1, p2, k3 (Brown–Conrady, radial polynomial plus
//     tangential terms);
//   - "rational_polynomial": k1, k2, p1, p2, k3, k4, k5, k6, the radial factor
//     being (1 + k1 r² + k2 r⁴ + k3 r⁶) / (1 + k4 r² + k5 r⁴ + k6 r⁶);
//   - "equidistant": k1, k2, k3, k4 (OpenCV fisheye, θd = θ (1 + k1 θ² +
//     k2 θ⁴ + k3 θ⁶ + k4 θ⁸));
//   - "none" or "": no distortion.
//
// A D that is empty means no distortion for every model, as image_geometry
// treats it. The skew entry K[1] is ignored.
//
// Each model is valid only where its distortion is monotone in the radius;
// FromCameraInfo finds that limit once, Project reports points beyond it as
// not projectable and Undistort returns NaN for pixels beyond it.
package camera
