//go:build ros2

package rcl

import (
	"errors"
	"fmt"
)

// ErrTypeName is returned for a message type name that is not of the form
// "pkg/msg/Type".
var ErrTypeName = errors.New("ros2: message type name must be pkg/msg/Type")

// ErrTypeMismatch is returned by Publisher.PublishMessage for a message whose
// TypeName differs from the publisher's type.
var ErrTypeMismatch = errors.New("ros2: message type does not match the publisher")

// ErrClosed is returned when publishing on a closed publisher.
var ErrClosed = errors.New("ros2: closed")

// TypeSupportError reports that the rcl type support of a message type could
// not be loaded, typically because lib<pkg>__rosidl_typesupport_c.so is not
// on LD_LIBRARY_PATH or the package does not define the type.
type TypeSupportError struct {
	Type string // the ROS type name, e.g. "tf2_msgs/msg/TFMessage"
	Err  error  // the loader's error, from dlopen or dlsym
}

func (e *TypeSupportError) Error() string {
	return fmt.Sprintf("ros2: loading type support for %s: %v", e.Type, e.Err)
}

// Unwrap returns the loader's error.
func (e *TypeSupportError) Unwrap() error { return e.Err }

// EndpointError wraps a failure of rcl to create or use a publisher or a
// subscription.
type EndpointError struct {
	Op    string // "publisher", "subscription", "publish", "take", "count", "graph"
	Topic string // the topic name as given
	Type  string // the ROS type name
	Err   error  // rclgo's error
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("ros2: %s %s [%s]: %v", e.Op, e.Topic, e.Type, e.Err)
}

// Unwrap returns rclgo's error.
func (e *EndpointError) Unwrap() error { return e.Err }
