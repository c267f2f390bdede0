package node

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/tf"
)

// QoS names the quality-of-service class of a topic; the live driver maps
// it to a profile (and a parameter may override reliability).
type QoS int

const (
	// SensorData is best effort, keep last 5, volatile: sensor inputs.
	SensorData QoS = iota
	// Reliable is reliable, keep last 10, volatile: node outputs.
	Reliable
	// Static is reliable, keep last 1, transient local: /tf_static.
	Static
)

// Topic is one input or output of a node. Relative names are resolved in
// the node's namespace.
type Topic struct {
	Name string
	Type string // ROS type name, e.g. "sensor_msgs/msg/PointCloud2"
	QoS  QoS
	// Queue is how many unprocessed messages of this input the live driver
	// keeps for a busy node, delivered in arrival order (the oldest beyond
	// it dropped as "queue full"). 0 keeps only the latest, superseding an
	// unprocessed one ("stale"): right for the input that triggers the
	// work, so latency stays flat; an input the node only buffers and
	// matches by stamp (camera images for a lidar cloud) needs its messages
	// near the trigger's stamp, which latest-only would replace before the
	// node sees them. Replay delivers every message whatever Queue says.
	Queue int
}

// Msg is one input message.
type Msg struct {
	Topic string
	Type  string
	// Data is the CDR payload; it is only valid during Handle.
	Data []byte
	// ReceiveTime is when the message arrived (the bag's log time in
	// replay), in nanoseconds since the Unix epoch.
	ReceiveTime int64
}

// Publisher sends a node's outputs.
type Publisher interface {
	// Publish sends m on topic; replay writes the output at the receive
	// time of the input it came from. Nodes reuse their output messages
	// frame to frame, so m and everything it points to is only valid during
	// the call: a publisher that keeps it (evaluation, a queue) keeps
	// cdr.Clone(m).
	Publish(topic string, m cdr.Message) error
}

// Listener is implemented by a publisher that knows whether an output topic
// has subscribers: the live driver. Replay and evaluation keep every output.
type Listener interface {
	// Listened reports whether topic has at least one matched subscription
	// now; true when that cannot be told.
	Listened(topic string) bool
}

// Wanted reports whether anyone reads output topic through pub: true unless
// pub is a Listener that says no one subscribes. Nodes skip rendering the
// pictures that only people look at (a stitched camera image, a range image,
// an overlay) while no viewer subscribes, as image_transport's lazy
// publishers do: on a vehicle nobody watches most of the time.
func Wanted(pub Publisher, topic string) bool {
	l, ok := pub.(Listener)
	return !ok || l.Listened(topic)
}

// Node is a perception node's ROS-independent core.
type Node interface {
	// Inputs lists the topics the node subscribes to.
	Inputs() []Topic
	// Outputs lists the topics the node publishes.
	Outputs() []Topic
	// Handle processes one input. It returns nil when the frame was
	// processed, a *Drop when it was dropped on purpose, or another error
	// (counted as a drop with reason "error"). It must not panic on any
	// input and must not keep in.Data after returning.
	Handle(in *Msg, pub Publisher) error
	// Close releases the node's resources.
	Close() error
}

// Env is what a driver hands a node at construction.
type Env struct {
	Name   string     // node name, e.g. "lidarseg"
	Params *param.Set // declared by the node's constructor
	TF     *tf.Buffer // filled by the driver from /tf and /tf_static
	Stats  *Stats     // the node's counters
	Log    *slog.Logger
	// Root is the project (or installed share) directory that relative
	// model and config paths resolve against.
	Root string
	// Describe asks only for the node's topics and declared parameters
	// (for `gopercept nodes`, the README tables and launch-file checks): a
	// node built with it set must declare every parameter but need not load
	// models or other files, and is never handed a message.
	Describe bool
	// Resolve gives a topic's name as the graph shows it (namespace and
	// remapping applied), so a node's errors, logs and facts name the topic
	// a user sees; nil leaves names as declared. Use Topic, which is nil-safe.
	Resolve func(name string) string
}

// Topic returns name as the driver resolves it (see Resolve), or name
// unchanged when the driver gave no resolver.
func (e Env) Topic(name string) string {
	if e.Resolve == nil || name == "" {
		return name
	}
	return e.Resolve(name)
}

// Factory builds a node.
type Factory func(env Env) (Node, error)

var (
	regMu    sync.Mutex
	registry = map[string]Factory{}
)

// Register makes a node available to drivers under name. Node packages call
// it from init.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("node: " + name + " registered twice")
	}
	registry[name] = f
}

// Lookup returns the factory registered under name.
func Lookup(name string) (Factory, error) {
	regMu.Lock()
	defer regMu.Unlock()
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("node: no node named %q (have %v)", name, namesLocked())
	}
	return f, nil
}

// Names lists the registered nodes.
func Names() []string {
	regMu.Lock()
	defer regMu.Unlock()
	return namesLocked()
}

func namesLocked() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Drop is returned by Handle for a frame it did not process.
type Drop struct {
	Reason string // short, stable, countable: "decode", "tf", "stale", "invalid cloud", ...
	Err    error  // the detail, for logs and /diagnostics
}

func (d *Drop) Error() string {
	if d.Err == nil {
		return "dropped: " + d.Reason
	}
	return fmt.Sprintf("dropped (%s): %v", d.Reason, d.Err)
}

func (d *Drop) Unwrap() error { return d.Err }

// Dropf builds a *Drop with a formatted detail.
func Dropf(reason string, err error) error { return &Drop{Reason: reason, Err: err} }

// DropReason returns the countable reason of an error returned by Handle.
func DropReason(err error) string {
	var d *Drop
	if errors.As(err, &d) {
		return d.Reason
	}
	return "error"
}

// StampNS converts a ROS time to nanoseconds since the epoch.
func StampNS(t builtin_interfaces.Time) int64 {
	return int64(t.Sec)*1_000_000_000 + int64(t.Nanosec)
}

// TimeFromNS converts nanoseconds since the epoch to a ROS time.
func TimeFromNS(ns int64) builtin_interfaces.Time {
	sec := ns / 1_000_000_000
	nsec := ns % 1_000_000_000
	if nsec < 0 {
		sec--
		nsec += 1_000_000_000
	}
	return builtin_interfaces.Time{Sec: int32(sec), Nanosec: uint32(nsec)}
}

// DriverParams are the parameters every driver (live or replay) declares
// for a node besides the node's own, so one params file serves both.
type DriverParams struct {
	UseSimTime        bool    // use /clock for stamps of /diagnostics
	Lazy              bool    // subscribe to inputs only while outputs have subscribers
	InputReliability  string  // "best_effort" (sensor data, default) or "reliable"
	OutputReliability string  // "reliable" (default) or "best_effort"
	DiagnosticsPeriod float64 // seconds between /diagnostics messages
	Managed           bool    // start as a lifecycle node (live driver only)
}

// DeclareDriverParams declares the driver parameters on ps.
func DeclareDriverParams(ps *param.Set) DriverParams {
	return DriverParams{
		UseSimTime:        ps.Bool("use_sim_time", false, "Take time from /clock (bag playback) instead of the system clock."),
		Lazy:              ps.Bool("lazy", true, "Subscribe to inputs only while some output has a subscriber."),
		InputReliability:  ps.String("qos.input_reliability", "best_effort", "Reliability of input subscriptions: best_effort (sensor data) or reliable."),
		OutputReliability: ps.String("qos.output_reliability", "reliable", "Reliability of output publishers: reliable or best_effort."),
		DiagnosticsPeriod: ps.Float("diagnostics_period", 1.0, "Seconds between /diagnostics messages."),
		Managed:           ps.Bool("managed", false, "Run as a managed (lifecycle) node: start unconfigured; configure loads the models, activate subscribes and publishes, deactivate pauses, cleanup frees (ros2 lifecycle set). Live only."),
	}
}
