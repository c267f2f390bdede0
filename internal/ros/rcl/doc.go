//go:build ros2

// Package rcl is gopercept's thin layer over rclgo
// (github.com/tiiuae/rclgo/pkg/rclgo) for the perception nodes: a context
// and nodes that honour --ros-args and ROS_DOMAIN_ID, publishers and
// subscriptions that carry raw CDR bytes, QoS presets, a polled
// incompatible-QoS check, subscriber counts, rcl logging with /rosout, and
// services (NewService) with rclcpp's parameter services on top
// (Node.ServeParameters, which Run starts for every node).
//
// Messages never pass through rclgo's generated Go types: nodes encode and
// decode them with package cdr (types in package rosmsg), and this package
// hands the bytes to rcl as serialized messages. The rcl type support of a
// type name such as "sensor_msgs/msg/PointCloud2" is loaded at run time with
// dlopen from lib<pkg>__rosidl_typesupport_c.so, so any installed interface
// package works without generated Go bindings; the library must be on
// LD_LIBRARY_PATH (scripts/ros2-env.sh sets it up).
//
// The package builds only with the ros2 build tag and needs ROS 2 headers and
// libraries at build time:
//
//	eval "$(scripts/ros2-env.sh)"
//	go test -tags ros2 ./ros2/...
//
// Threading: Spin runs the subscription callbacks on the spinning goroutine,
// one at a time. Publish may be called from any goroutine. Subscriptions must
// be created before Spin starts; rclgo builds its wait set once.
//
// What rclgo (v0.0.0-20240131135202) lacks and this package adds:
//
//   - Services over run-time type support. rclgo's services exchange C
//     structs through generated bindings; NewService loads the service type
//     support and the C message constructors from the interface package's
//     libraries and converts with rmw_serialize/rmw_deserialize, so handlers
//     see CDR bytes like subscriptions do.
//   - Parameters. ServeParameters answers ~/list_parameters,
//     ~/get_parameters, ~/set_parameters, ~/set_parameters_atomically,
//     ~/describe_parameters and ~/get_parameter_types from a param.Set and
//     publishes /parameter_events. --params-file and -p are still read by
//     the node itself (Context.ParamsFiles, Context.ParamOverrides).
//   - /rosout. Every node gets rcl's /rosout publisher
//     (rcl_logging_rosout_init_publisher_for_node, as rclcpp does), so each
//     log line also goes out as rcl_interfaces/msg/Log with the Go caller's
//     file, function and line; --disable-rosout-logs turns it off.
//
// What rclgo cannot do, and so this package does not:
//
//   - QoS events. rclgo has no rcl_event_t support, so there is no callback
//     when rmw reports an incompatible QoS, a missed deadline or a lost
//     liveliness. Publisher.IncompatibleSubscriptions and
//     Subscription.IncompatiblePublishers compare QoS from the ROS graph
//     instead (reliability and durability, the two policies our presets
//     set); Node.WatchQoS polls them. This sees endpoints that discovery has
//     reported, so it lags discovery by up to the poll interval.
//   - Zero-copy or loaned messages. Every publish copies the CDR bytes once
//     into an rmw serialized message; every take copies them once into Go.
//   - Selecting the RMW at run time with the PyPI wheels: their rcl links
//     librmw_fastrtps_cpp directly, so RMW_IMPLEMENTATION can only be
//     rmw_fastrtps_cpp there. With a system ROS install it works as usual.
package rcl
