// Package tf is a TF2-style transform buffer for gopercept that knows
// nothing of ROS messages: nodes convert geometry_msgs/TransformStamped at
// their edge and feed plain values into a Buffer.
//
// # Conventions
//
// Frames follow REP-103: x forward, y left, z up for bodies, and for camera
// optical frames (suffix "_optical") z forward, x right, y down. A Transform
// stored for the edge parent->child maps points expressed in the child frame
// into the parent frame (parent←child), exactly like
// geometry_msgs/TransformStamped with header.frame_id = parent and
// child_frame_id = child. Rotations are unit quaternions (gonum's
// quat.Number with Real = w, Imag = x, Jmag = y, Kmag = z); translations are
// r3.Vec in metres.
//
// Stamps are int64 nanoseconds since the Unix epoch (the ROS 2
// builtin_interfaces/Time of a header is sec*1e9 + nanosec). Durations in
// Config are time.Duration, which is also nanoseconds.
//
// # Lookups
//
// Buffer.Lookup(target, source, stamp) returns the transform target←source at
// stamp: it walks the frame tree from both frames to their common ancestor,
// interpolating every dynamic edge at stamp (linear interpolation of the
// translation, shortest-path slerp of the rotation). Static edges are valid
// at all times. A dynamic edge is valid only inside the range of its samples;
// a single sample is valid only at its own stamp. Asking outside that range
// is an extrapolation error, exactly like tf2: there is no tolerance.
//
// Stamp 0 (the constant Latest) asks for the latest time at which every edge
// on the path has data, like tf2's TimePointZero. Nodes in gopercept must
// pass the header stamp of the data they transform instead: "latest" silently
// pairs a lidar sweep with a pose from another time.
//
// Buffer.LookupFull answers the time-travel question of tf2's advanced
// lookupTransform: where is a point seen in source at sourceStamp, in target
// at targetStamp, assuming it stayed still in the fixed frame. This is what
// de-skews a lidar sweep with ego motion (fixed frame "odom").
//
// Buffer.WaitForTransform is Lookup that waits, until a context is done, for
// the data a lookup lacks, like tf2's canTransform with a timeout.
//
// # Errors
//
// Lookup failures are *LookupError values naming the frames, the stamps and,
// for extrapolation, the edge and the range of its data; errors.Is matches
// them against ErrUnknownFrame, ErrNotConnected and ErrExtrapolation.
// SetTransform failures are *SetError values matching ErrInvalidTransform,
// ErrOldData or ErrTooManyFrames.
//
// # Concurrency
//
// A Buffer is safe for concurrent use: /tf and /tf_static callbacks write
// while nodes look up. Lookups take a read lock and do not allocate.
package tf
