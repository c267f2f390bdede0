//go:build ros2

package rcl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/tiiuae/rclgo/pkg/rclgo"
)

// Context is an initialized rcl context: one DDS participant that any number
// of nodes share.
type Context struct {
	rcl       *rclgo.Context
	rest      []string
	params    []string
	overrides map[string]string
	nodes     []*Node // for their /rosout publishers, removed before rcl goes
}

// NewContext initializes rcl with the ROS arguments in args: everything
// between "--ros-args" and "--" (or the end), such as "-r from:=to",
// "--params-file p.yaml", "-p name:=value" and "--log-level debug". Other
// arguments are left for the caller (see Rest). The domain is ROS_DOMAIN_ID,
// 0 when unset.
func NewContext(args []string) (*Context, error) {
	if err := checkDomainID(); err != nil {
		return nil, err
	}
	// A user's mistake gets a plain message: rclgo's errors carry a Go
	// stack trace, and rcl's for a missing file does not name the reason.
	params, _ := scanROSArgs(args)
	for _, p := range params {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("ros2: --params-file %s: %w", p, err)
		}
	}
	rclArgs, rest, err := rclgo.ParseArgs(args)
	if err != nil {
		return nil, fmt.Errorf("ros2: parsing --ros-args %q: %s", args, firstLine(err.Error()))
	}
	rc, err := rclgo.NewContextWithOpts(rclArgs, rclgo.NewDefaultContextOptions())
	if err != nil {
		return nil, fmt.Errorf("ros2: rcl init: %w", err)
	}
	c := &Context{rcl: rc, rest: rest}
	c.params, c.overrides = scanROSArgs(args)
	return c, nil
}

// checkDomainID validates ROS_DOMAIN_ID up front, so a typo is reported by
// name instead of as a failed rcl_init.
func checkDomainID() error {
	s, ok := os.LookupEnv("ROS_DOMAIN_ID")
	if !ok || strings.TrimSpace(s) == "" {
		return nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 || v > 232 {
		return fmt.Errorf("ros2: %w", configerr.New("ROS_DOMAIN_ID", strconv.Quote(s), "want an integer in [0, 232]"))
	}
	return nil
}

// scanROSArgs collects the --params-file paths and -p/--param overrides from
// the --ros-args sections of args, in order.
func scanROSArgs(args []string) (files []string, overrides map[string]string) {
	overrides = map[string]string{}
	in := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--ros-args":
			in = true
		case !in:
		case a == "--":
			in = false
		case a == "--params-file" && i+1 < len(args):
			i++
			files = append(files, args[i])
		case (a == "-p" || a == "--param") && i+1 < len(args):
			i++
			if k, v, ok := strings.Cut(args[i], ":="); ok {
				overrides[k] = v
			}
		}
	}
	return files, overrides
}

// Rest returns the arguments that were not ROS arguments.
func (c *Context) Rest() []string { return c.rest }

// ParamsFiles returns the --params-file paths given in --ros-args, in order.
// rclgo offers no parameter API, so nodes load these files themselves.
func (c *Context) ParamsFiles() []string { return c.params }

// ParamOverrides returns the -p name:=value overrides given in --ros-args;
// values are the raw YAML text after ":=".
func (c *Context) ParamOverrides() map[string]string { return c.overrides }

// NewNode creates a node in c. namespace may be "" for the root namespace.
func (c *Context) NewNode(name, namespace string) (*Node, error) {
	n, err := c.rcl.NewNode(name, namespace)
	if err != nil {
		return nil, fmt.Errorf("ros2: node %q in namespace %q: %w", name, namespace, err)
	}
	node := &Node{rcl: n, ctx: c}
	if err := node.initRosout(); err != nil {
		return nil, errors.Join(err, n.Close())
	}
	c.nodes = append(c.nodes, node)
	return node, nil
}

// Spin runs the callbacks of every subscription of every node in c until ctx
// is done; it returns nil then. Create subscriptions before calling Spin.
func (c *Context) Spin(ctx context.Context) error {
	err := c.rcl.Spin(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close destroys the nodes, publishers and subscriptions of c and shuts rcl
// down. Stop Spin first.
func (c *Context) Close() error {
	if c.rcl == nil {
		return nil
	}
	for _, n := range c.nodes {
		if n.rcl != nil {
			n.finiRosout()
		}
	}
	c.nodes = nil
	err := c.rcl.Close()
	c.rcl = nil
	return err
}
