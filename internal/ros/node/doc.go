// Package node is the contract between gopercept's perception nodes and the
// two things that drive them: the live ROS 2 graph (package internal/ros/rcl, build tag
// ros2) and `gopercept replay`. A Node declares its inputs and outputs,
// receives each input as CDR bytes with its topic and receive time, and
// publishes outputs through a Publisher; TF arrives in a shared tf.Buffer
// that the driver fills from /tf and /tf_static before any other message
// with a later stamp is handled. Because both drivers call the same Handle,
// a replayed bag exercises exactly the code a vehicle runs.
//
// Every input is accounted for: Handle returns nil when the frame was
// processed and a *Drop naming the reason otherwise, and Stats keeps the
// counts, the per-stage latencies and the last error for /diagnostics and
// for replay's summary.
package node
