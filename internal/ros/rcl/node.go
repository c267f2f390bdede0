//go:build ros2

package rcl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tiiuae/rclgo/pkg/rclgo"
	"github.com/tiiuae/rclgo/pkg/rclgo/types"
)

// Node is a ROS 2 node.
type Node struct {
	rcl     *rclgo.Node
	ctx     *Context
	ownsCtx bool
	rosout  bool // rcl's logging publishes the node's log lines on /rosout
}

// NewNode creates a context from args (see NewContext) and a node in it; the
// node owns the context and Close closes both. Use Context.NewNode for
// several nodes in one participant.
func NewNode(name, namespace string, args []string) (*Node, error) {
	c, err := NewContext(args)
	if err != nil {
		return nil, err
	}
	n, err := c.NewNode(name, namespace)
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	n.ownsCtx = true
	return n, nil
}

// Context returns the context n belongs to.
func (n *Node) Context() *Context { return n.ctx }

// Name returns the node name.
func (n *Node) Name() string { return n.rcl.Name() }

// FullyQualifiedName returns namespace and name, e.g. "/perception/detector".
func (n *Node) FullyQualifiedName() string { return n.rcl.FullyQualifiedName() }

// Spin runs the callbacks of n's subscriptions until ctx is done; it returns
// nil then. Create subscriptions before calling Spin.
func (n *Node) Spin(ctx context.Context) error {
	err := n.rcl.Spin(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close destroys n with its publishers and subscriptions, and its context if
// NewNode created it. Stop Spin first.
func (n *Node) Close() error {
	if n.rcl == nil {
		return nil
	}
	n.finiRosout()
	err := n.rcl.Close()
	n.rcl = nil
	if n.ownsCtx {
		err = errors.Join(err, n.ctx.Close())
	}
	return err
}

// Logger returns n's rcl logger (named after the node). Lines go through
// rcl's logging: the console, the log file and /rosout.
func (n *Node) Logger() *Logger { return &Logger{l: n.rcl.Logger()} }

// Logger writes through rcl's logging with the node's logger name, honouring
// --ros-args --log-level, with the Go caller's file, function and line.
type Logger struct{ l *rclgo.Logger }

// Debugf logs at DEBUG severity.
func (l *Logger) Debugf(format string, a ...any) { l.logf(sevDebug, format, a) }

// Infof logs at INFO severity.
func (l *Logger) Infof(format string, a ...any) { l.logf(sevInfo, format, a) }

// Warnf logs at WARN severity.
func (l *Logger) Warnf(format string, a ...any) { l.logf(sevWarn, format, a) }

// Errorf logs at ERROR severity.
func (l *Logger) Errorf(format string, a ...any) { l.logf(sevError, format, a) }

// splitTypeName splits "pkg/msg/Type" into "pkg" and "Type".
func splitTypeName(typeName string) (pkg, msg string, err error) {
	parts := strings.Split(typeName, "/")
	if len(parts) != 3 || parts[1] != "msg" || !isIdent(parts[0]) || !isIdent(parts[2]) {
		return "", "", fmt.Errorf("%w: %q", ErrTypeName, typeName)
	}
	return parts[0], parts[2], nil
}

// isIdent reports whether s is a non-empty C identifier, the form rosidl
// requires of package and type names (and dlsym needs).
func isIdent(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// loadTypeSupport loads the rcl type support of typeName.
func loadTypeSupport(typeName string) (types.MessageTypeSupport, error) {
	pkg, msg, err := splitTypeName(typeName)
	if err != nil {
		return nil, err
	}
	ts, err := rclgo.LoadDynamicMessageTypeSupport(pkg, msg)
	if err != nil {
		return nil, &TypeSupportError{Type: typeName, Err: err}
	}
	return ts, nil
}
