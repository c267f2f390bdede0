//go:build ros2

package rcl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/rosgraph_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gopkg.in/yaml.v3"
)

// RunConfig configures Run.
type RunConfig struct {
	// Node is the registered node name, e.g. "lidarseg"; it is also the ROS
	// node name unless --ros-args -r __node:=... renames it.
	Node string
	// Args are the process arguments (everything after the program name).
	Args []string
	// Root resolves relative model and config paths. Default: the
	// executable's share directory or the working directory.
	Root string
}

// Run runs one gopercept node on the live ROS 2 graph until ctx ends: it
// loads parameters (--params-file, -p), feeds /tf and /tf_static into the
// node's TF buffer, subscribes to the node's inputs (lazily, while an
// output has subscribers), processes the inputs in arrival order on a
// worker goroutine — of each input only the latest unprocessed frame (older
// ones are dropped and counted, so latency stays flat under overload), or
// for an input the node declares queued (node.Topic.Queue) up to that many
// in order — publishes the outputs and reports on /diagnostics.
func Run(ctx context.Context, cfg RunConfig) error {
	c, err := NewContext(cfg.Args)
	if err != nil {
		return err
	}
	defer c.Close()
	rn, err := c.NewNode(cfg.Node, "")
	if err != nil {
		return err
	}
	log := slog.New(&rclHandler{l: rn.Logger(), th: newThrottle(logThrottle)})

	// Files are matched against the fully qualified name, as rclcpp does
	// (launch_ros writes its overrides under /<ns>/<node>); a name only a
	// file gives that the node does not declare is ignored with a warning.
	files := map[string]any{}
	for _, f := range c.ParamsFiles() {
		v, err := param.LoadFile(f, rn.FullyQualifiedName())
		if err != nil {
			return err
		}
		for k, x := range v {
			files[k] = x
		}
	}
	overrides := map[string]any{}
	for k, s := range c.ParamOverrides() {
		var x any
		if err := yaml.Unmarshal([]byte(s), &x); err != nil {
			return fmt.Errorf("ros2: -p %s:=%s: %w", k, s, err)
		}
		overrides[k] = x
	}
	ps := param.Layered(cfg.Node, files, overrides)
	dp := declareDriverParams(ps)
	managed := ps.Bool("managed", false, managedDesc) // declared above; read here
	buffer, err := tf.New(tf.Config{})
	if err != nil {
		return err
	}
	stats := node.NewStats()
	f, err := node.Lookup(cfg.Node)
	if err != nil {
		return err
	}
	root := cfg.Root
	if root == "" {
		root, _ = os.Getwd()
	}
	env := node.Env{Name: cfg.Node, Params: ps, TF: buffer, Stats: stats, Log: log, Root: root, Resolve: rn.topicResolver()}
	// A managed node declares its parameters (Describe: nothing is loaded)
	// so the parameter services serve them before configure builds it.
	env.Describe = managed
	n, err := f(env)
	if err != nil {
		return fmt.Errorf("ros2: start %s: %w", cfg.Node, err)
	}
	if managed {
		if err := n.Close(); err != nil {
			return fmt.Errorf("ros2: %s: %w", cfg.Node, err)
		}
		n = nil
	}
	d := &driver{n: n, rn: rn, log: log, stats: stats, dp: dp, ps: ps, feeder: &node.TFFeeder{Buffer: buffer},
		wake: make(chan struct{}, 1), started: time.Now(), factory: f, env: env, managed: managed}
	defer d.cleanup()
	if err := ps.Err(); err != nil {
		return err
	}
	if w := ps.Warning(); w != "" {
		log.Warn(w)
	}
	d.period.Store(int64(dp.DiagnosticsPeriod * float64(time.Second)))
	return d.run(ctx)
}

// configure builds the node (a managed node's configure transition: the
// models load here), creates its output publishers and input slots.
func (d *driver) configure() error {
	d.nodeMu.Lock()
	defer d.nodeMu.Unlock()
	if d.n == nil {
		env := d.env
		env.Describe = false
		env.Params = d.ps.With(nil) // the values as the parameter services now hold them
		declareDriverParams(env.Params)
		n, err := d.factory(env)
		if err != nil {
			return fmt.Errorf("configure %s: %w", d.rn.Name(), err)
		}
		if err := env.Params.Err(); err != nil {
			return errors.Join(err, n.Close())
		}
		d.n = n
	}
	d.pubs = map[string]*Publisher{}
	for _, t := range d.n.Outputs() {
		q := d.qos(d.dp.OutputReliability, Reliable(10))
		if t.QoS == node.Static {
			q = TransientLocal(1)
		}
		q, err := d.endpointQoS(t.Name, param.Publisher, q)
		if err != nil {
			d.closeOutputs()
			return err
		}
		p, err := d.rn.NewPublisher(t.Name, t.Type, q)
		if err != nil {
			d.closeOutputs()
			return err
		}
		d.pubs[t.Name] = p
		d.outPubs = append(d.outPubs, p)
		d.addWatch(&watched{pub: p})
	}
	var slots []*slot
	for _, t := range d.n.Inputs() {
		resolved, err := d.rn.ResolveTopic(t.Name)
		if err != nil {
			d.closeOutputs()
			return err
		}
		slots = append(slots, newSlot(t, resolved))
	}
	d.mu.Lock()
	d.slots, d.pending = slots, nil
	d.mu.Unlock()
	return nil
}

// cleanup undoes configure: the pending frames go, the output publishers
// and the node are closed. The worker finishes its frame first (nodeMu).
func (d *driver) cleanup() error {
	d.active.Store(false)
	d.nodeMu.Lock()
	defer d.nodeMu.Unlock()
	d.mu.Lock()
	d.slots, d.pending = nil, nil
	d.mu.Unlock()
	d.applyMu.Lock()
	d.applies = nil // changes for the node that goes
	d.applyMu.Unlock()
	d.closeOutputs()
	if d.n == nil {
		return nil
	}
	err := d.n.Close()
	d.n = nil
	return err
}

// closeOutputs stops polling the output publishers and closes them.
func (d *driver) closeOutputs() {
	d.evMu.Lock()
	keep := d.watch[:0]
	for _, w := range d.watch {
		if w.pub == nil || d.pubs[w.pub.Topic()] != w.pub {
			keep = append(keep, w)
		}
	}
	d.watch = keep
	d.evMu.Unlock()
	for _, p := range d.outPubs {
		p.Close()
	}
	d.outPubs, d.pubs = nil, map[string]*Publisher{}
}

// lifecycle is a managed node's transitions.
func (d *driver) lifecycle() LifecycleCallbacks {
	return LifecycleCallbacks{
		OnConfigure: d.configure,
		OnActivate: func() error {
			d.active.Store(true)
			return nil
		},
		OnDeactivate: func() error {
			d.active.Store(false)
			return nil
		},
		OnCleanup:  d.cleanup,
		OnShutdown: d.cleanup,
		OnError:    d.cleanup,
	}
}

const managedDesc = "Run as a managed (lifecycle) node: start unconfigured; configure loads the models, activate subscribes and publishes, deactivate pauses, cleanup frees (ros2 lifecycle set)."

// declareDriverParams declares the driver's parameters with what the
// parameter services report of them: only the diagnostics period may change
// while the node runs.
func declareDriverParams(ps *param.Set) node.DriverParams {
	dp := node.DeclareDriverParams(ps)
	ps.Bool("managed", false, managedDesc)
	ps.Range("diagnostics_period", 0.01, 3600, 0)
	ps.Dynamic("diagnostics_period")
	return dp
}

// setParams takes parameter changes accepted by the parameter services: the
// node validates them (Reconfigure on its declarations with the new values)
// without being disturbed, and the worker applies them before the next
// frame, so Handle never sees a half-changed configuration.
func (d *driver) setParams(changes map[string]any) error {
	nps := d.ps.With(changes)
	dp := declareDriverParams(nps)
	nodeChange := false
	for k := range changes {
		if in, ok := nps.Info(k); !ok || k != "diagnostics_period" || !in.Dynamic {
			nodeChange = true
		}
	}
	var apply func()
	d.nodeMu.RLock()
	n := d.n
	d.nodeMu.RUnlock()
	// An unconfigured managed node has nothing to reconfigure: configure
	// builds it from the values the parameter services then hold.
	if nodeChange && n != nil {
		r, ok := n.(param.Reconfigurable)
		if !ok {
			return fmt.Errorf("%s cannot change its parameters while it runs", d.rn.Name())
		}
		var err error
		if apply, err = r.Reconfigure(nps); err != nil {
			return fmt.Errorf("%s refused the change: %w", d.rn.Name(), err)
		}
	}
	d.period.Store(int64(dp.DiagnosticsPeriod * float64(time.Second)))
	if apply != nil {
		d.applyMu.Lock()
		d.applies = append(d.applies, apply)
		d.applyMu.Unlock()
	}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, fmt.Sprintf("%s=%v", k, changes[k]))
	}
	sort.Strings(keys)
	d.log.Info(fmt.Sprintf("%s: parameters set: %s", d.rn.Name(), strings.Join(keys, ", ")))
	return nil
}

// applyPending runs the accepted parameter changes on the worker goroutine.
func (d *driver) applyPending() {
	d.applyMu.Lock()
	fs := d.applies
	d.applies = nil
	d.applyMu.Unlock()
	for _, f := range fs {
		f()
	}
}

// slot holds one input's unprocessed messages: a ring of copies (rcl
// reuses its buffer after the callback), at most depth of them — 1 for a
// latest-only input. The buffers go round between the ring and the node
// (handing), so a slot stops allocating once its buffers have grown to the
// largest message.
type slot struct {
	topic, typ string
	resolved   string // the topic's name on the graph (namespace, remapping)
	depth      int    // messages kept: 1 (latest only) or the topic's Queue
	dropReason string // "stale" (latest only) or "queue full"
	dropErr    error  // built once: a superseded frame is counted without allocating
	ring       []queued
	head, n    int          // ring[head] is the oldest of n queued messages
	handing    []byte       // the buffer of the message the node is handling
	lastRecv   atomic.Int64 // ns; for the stale check
}

type queued struct {
	data []byte
	recv int64 // ns
}

func newSlot(t node.Topic, resolved string) *slot {
	s := &slot{topic: t.Name, typ: t.Type, resolved: resolved, depth: 1, dropReason: "stale",
		dropErr: errors.New(resolved + ": superseded by a newer frame before it was processed")}
	if t.Queue > 0 {
		s.depth, s.dropReason = t.Queue, "queue full"
		s.dropErr = fmt.Errorf("%s: oldest of %d queued messages dropped for a new one before it was processed", resolved, t.Queue)
	}
	s.ring = make([]queued, s.depth)
	return s
}

// push copies b in as the newest message; when the ring is full the oldest
// goes first, and push reports that it did.
func (s *slot) push(b []byte, recv int64) (dropped bool) {
	if s.n == s.depth {
		s.head = (s.head + 1) % s.depth
		s.n--
		dropped = true
	}
	q := &s.ring[(s.head+s.n)%s.depth]
	q.data, q.recv = append(q.data[:0], b...), recv
	s.n++
	return dropped
}

// pop hands out the oldest message; its data stays valid until the next
// pop (the ring takes the previous message's buffer in exchange).
func (s *slot) pop() ([]byte, int64) {
	q := &s.ring[s.head]
	q.data, s.handing = s.handing, q.data
	s.head = (s.head + 1) % s.depth
	s.n--
	return s.handing, q.recv
}

type driver struct {
	// nodeMu guards n, pubs, outPubs and slots against the lifecycle's
	// configure and cleanup: the worker holds it for a frame.
	nodeMu  sync.RWMutex
	factory node.Factory
	env     node.Env
	managed bool
	active  atomic.Bool // subscribed and processing (always, unless managed)
	lc      *Lifecycle
	n       node.Node
	rn      *Node
	log     *slog.Logger
	stats   *node.Stats
	dp      node.DriverParams
	ps      *param.Set
	params  *ParamServer
	period  atomic.Int64 // ns between /diagnostics messages; a parameter

	applyMu sync.Mutex
	applies []func() // accepted parameter changes, for the worker
	feeder  *node.TFFeeder
	tfMu    sync.Mutex

	pubs    map[string]*Publisher
	outPubs []*Publisher
	diag    *Publisher

	mu    sync.Mutex
	slots []*slot
	// pending holds a slot index per queued message, in arrival order:
	// the k-th entry of a slot is its k-th oldest message.
	pending []int
	wake    chan struct{}

	clockMu sync.Mutex
	clock   builtin_interfaces.Time
	haveClk bool

	subs    []*Subscription
	started time.Time

	// Delivery facts (diagnostics.go): the endpoints whose rcl events are
	// polled, the transforms' counts, the previous period's snapshot.
	evMu         sync.Mutex
	watch        []*watched
	rmwLost      map[string]int64
	subscribedAt atomic.Int64 // ns; 0 while the inputs are unsubscribed
	noSeq        atomic.Bool  // the rmw gave a message without a sequence number
	tfIn, tfLost [2]atomic.Int64
	prev         node.Summary
	prevAt       time.Time
	tfPrev       [2]int64
}

func (d *driver) qos(rel string, def QoS) QoS {
	switch rel {
	case "reliable":
		def.Reliability = ReliabilityReliable
	case "best_effort":
		def.Reliability = ReliabilityBestEffort
	}
	return def
}

func (d *driver) run(ctx context.Context) error {
	var err error
	if d.diag, err = d.rn.NewPublisher("/diagnostics", diagnostic_msgs.DiagnosticArrayTypeName, Reliable(10)); err != nil {
		return err
	}
	d.addWatch(&watched{pub: d.diag})
	if d.params, err = d.rn.ServeParameters(d.ps, d.setParams, d.now); err != nil {
		return err
	}
	defer d.params.Close()
	// TF is always subscribed: nodes need the history when their inputs resume.
	tfSub, err := d.rn.NewSubscription("/tf", "tf2_msgs/msg/TFMessage", Reliable(100), func(b []byte, info MessageInfo) { d.feedTF(b, info, false) })
	if err != nil {
		return err
	}
	defer d.closeWatched(tfSub)
	d.addWatch(&watched{sub: tfSub})
	staticSub, err := d.rn.NewSubscription("/tf_static", "tf2_msgs/msg/TFMessage", TransientLocal(100), func(b []byte, info MessageInfo) { d.feedTF(b, info, true) })
	if err != nil {
		return err
	}
	defer d.closeWatched(staticSub)
	d.addWatch(&watched{sub: staticSub})
	if d.dp.UseSimTime {
		clk, err := d.rn.NewSubscription("/clock", rosgraph_msgs.ClockTypeName, Reliable(1), d.onClock)
		if err != nil {
			return err
		}
		defer d.closeWatched(clk)
		d.addWatch(&watched{sub: clk})
	}
	if d.managed {
		if d.lc, err = d.rn.ServeLifecycle(d.lifecycle()); err != nil {
			return err
		}
		defer d.lc.Close()
		d.log.Info(fmt.Sprintf("%s: managed (lifecycle) node, unconfigured; lazy=%v, inputs %s, outputs %s", d.rn.Name(), d.dp.Lazy, d.dp.InputReliability, d.dp.OutputReliability))
	} else {
		if err := d.configure(); err != nil {
			return err
		}
		d.active.Store(true)
		d.log.Info(fmt.Sprintf("%s: %d inputs, %d outputs, lazy=%v, inputs %s, outputs %s", d.rn.Name(), len(d.slots), len(d.outPubs), d.dp.Lazy, d.dp.InputReliability, d.dp.OutputReliability))
	}

	profile := ddsProfile()
	d.stats.Set("dds_profile", profile)
	d.log.Info(fmt.Sprintf("%s: DDS profile: %s", d.rn.Name(), profile))

	workerDone := make(chan struct{})
	go d.worker(ctx, workerDone)
	go d.diagnostics(ctx)
	go d.pollEvents(ctx)

	for {
		want := d.wantInputs()
		if want && d.subs == nil {
			if err := d.subscribe(); err != nil {
				return err
			}
		} else if !want && d.subs != nil {
			d.unsubscribe()
			if d.active.Load() {
				d.log.Info(d.rn.Name() + ": no output subscribers, inputs unsubscribed (lazy)")
			} else {
				d.log.Info(d.rn.Name() + ": inactive, inputs unsubscribed")
			}
		}
		spinCtx, cancel := context.WithCancel(ctx)
		// Re-evaluate laziness every half second: rclgo's wait set is built
		// when Spin starts, so subscriptions change between spins.
		go func() {
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-spinCtx.Done():
					return
				case <-t.C:
					if want := d.wantInputs(); want != (d.subs != nil) {
						cancel()
						return
					}
				}
			}
		}()
		err := d.rn.ctx.Spin(spinCtx)
		cancel()
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return err
		}
	}
	d.unsubscribe()
	<-workerDone
	d.log.Info(d.rn.Name() + ": shut down")
	return nil
}

// wantInputs reports whether the inputs should be subscribed: the node is
// active, and (when lazy) some output has a subscriber.
func (d *driver) wantInputs() bool {
	return d.active.Load() && (!d.dp.Lazy || d.outputSubscribers() > 0)
}

func (d *driver) outputSubscribers() int {
	d.nodeMu.RLock()
	defer d.nodeMu.RUnlock()
	total := 0
	for _, p := range d.outPubs {
		if n, err := p.SubscriptionCount(); err == nil {
			total += n
		}
	}
	return total
}

func (d *driver) subscribe() error {
	d.nodeMu.RLock()
	slots := d.slots
	d.nodeMu.RUnlock()
	for i, s := range slots {
		i := i
		q, err := d.endpointQoS(s.topic, param.Subscription, d.qos(d.dp.InputReliability, SensorData()))
		if err != nil {
			d.unsubscribe()
			return err
		}
		// onInput copies into the slot, so the subscription lends rcl's buffer.
		sub, err := d.rn.NewBorrowingSubscription(s.topic, s.typ, q, func(b []byte, info MessageInfo) { d.onInput(i, b, info) })
		if err != nil {
			d.unsubscribe()
			return err
		}
		d.subs = append(d.subs, sub)
		d.addWatch(&watched{sub: sub})
	}
	d.subscribedAt.Store(time.Now().UnixNano())
	d.log.Info(d.rn.Name() + ": subscribed to inputs")
	return nil
}

func (d *driver) unsubscribe() {
	if d.subs == nil {
		return
	}
	d.subscribedAt.Store(0)
	for _, s := range d.subs {
		d.closeWatched(s)
	}
	d.subs = nil
}

func (d *driver) feedTF(b []byte, info MessageInfo, static bool) {
	k := 0
	if static {
		k = 1
	}
	d.tfIn[k].Add(1)
	d.tfLost[k].Add(info.Lost)
	d.tfMu.Lock()
	_, err := d.feeder.Feed(b, static)
	d.tfMu.Unlock()
	if err != nil {
		d.stats.Set("last_tf_error", err.Error())
	}
}

func (d *driver) onClock(b []byte, _ MessageInfo) {
	var c rosgraph_msgs.Clock
	if cdr.Unmarshal(b, &c) == nil {
		d.clockMu.Lock()
		d.clock, d.haveClk = c.Clock, true
		d.clockMu.Unlock()
	}
}

func (d *driver) now() builtin_interfaces.Time {
	if d.dp.UseSimTime {
		d.clockMu.Lock()
		defer d.clockMu.Unlock()
		return d.clock
	}
	return node.TimeFromNS(time.Now().UnixNano())
}

// onInput queues a copy of a message: a latest-only input's newer message
// supersedes its unprocessed one, a queued input's drops its oldest when
// full. Either way the message counts in arrival order among all inputs.
func (d *driver) onInput(i int, b []byte, info MessageInfo) {
	d.mu.Lock()
	if i >= len(d.slots) { // cleaned up while the subscription is still there
		d.mu.Unlock()
		return
	}
	s := d.slots[i]
	d.stats.In(s.resolved)
	if info.Lost > 0 {
		d.stats.Lost(s.resolved, info.Lost)
	}
	if info.Sequence == 0 {
		d.noSeq.Store(true)
	}
	s.lastRecv.Store(time.Now().UnixNano())
	if !d.active.Load() { // deactivated; the subscription goes at the next spin
		d.stats.DropTopic(s.resolved, "inactive", nil)
		d.mu.Unlock()
		return
	}
	if s.push(b, time.Now().UnixNano()) {
		d.stats.DropTopic(s.resolved, s.dropReason, s.dropErr)
		// The slot's first entry now stands for its next message; the
		// new one takes a place at the end, as it arrived last.
		d.pending = removeFirst(d.pending, i)
	}
	d.pending = append(d.pending, i)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *driver) worker(ctx context.Context, done chan struct{}) {
	defer close(done)
	// One OS thread for every Handle, as in replay: ONNX Runtime's intra-op
	// pool runs a model at its one-thread speed when its caller's thread
	// changes from run to run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	msg := &node.Msg{}
	pub := &livePublisher{d: d}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		}
		for {
			d.mu.Lock()
			if len(d.pending) == 0 {
				d.mu.Unlock()
				break
			}
			i := d.pending[0]
			d.pending = removeFirst(d.pending, i)
			s := d.slots[i]
			msg.Data, msg.ReceiveTime = s.pop()
			msg.Topic, msg.Type = s.topic, s.typ
			d.mu.Unlock()
			d.applyPending()
			d.nodeMu.RLock()
			if d.n == nil || !d.active.Load() {
				d.stats.DropTopic(s.resolved, "inactive", nil)
			} else if err := d.handle(msg, pub); err != nil {
				d.stats.DropTopic(s.resolved, node.DropReason(err), err)
				d.log.Warn(fmt.Sprintf("%s: %s: %v", d.rn.Name(), s.resolved, err))
			} else {
				d.stats.Processed(s.resolved)
			}
			d.nodeMu.RUnlock()
		}
	}
}

// removeFirst removes the first i from p in place (no allocation: p's
// backing array is reused for the arrivals to come).
func removeFirst(p []int, i int) []int {
	for k, v := range p {
		if v == i {
			copy(p[k:], p[k+1:])
			return p[:len(p)-1]
		}
	}
	return p
}

func (d *driver) handle(msg *node.Msg, pub node.Publisher) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = node.Dropf("panic", fmt.Errorf("%v\n%s", p, debug.Stack()))
		}
	}()
	t0 := time.Now()
	err = d.n.Handle(msg, pub)
	d.stats.Stage("message", time.Since(t0)) // every input; nodes time their frames as "total"
	return err
}

type livePublisher struct {
	d   *driver
	buf []byte
}

// Listened implements node.Listener from the publisher's matched
// subscriptions (ros2 topic echo, rviz2, ros2 bag record all count).
func (p *livePublisher) Listened(topic string) bool {
	pb := p.d.pubs[topic]
	if pb == nil {
		return true // Publish will report the undeclared topic
	}
	n, err := pb.SubscriptionCount()
	return err != nil || n > 0
}

func (p *livePublisher) Publish(topic string, m cdr.Message) error {
	pb := p.d.pubs[topic]
	if pb == nil {
		return fmt.Errorf("ros2: %s published on undeclared topic %q", p.d.rn.Name(), topic)
	}
	p.buf = cdr.MarshalAppend(p.buf, m)
	p.d.stats.Out(pb.ResolvedName())
	return pb.Publish(p.buf)
}

// rclHandler sends slog records through rcl's logger; repeated WARN and
// ERROR lines are throttled per call site (th).
type rclHandler struct {
	l     *Logger
	th    *throttle
	attrs []slog.Attr
}

func (h *rclHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *rclHandler) Handle(_ context.Context, r slog.Record) error {
	var suppressed int
	if r.Level >= slog.LevelWarn && h.th != nil {
		var ok bool
		if ok, suppressed = h.th.allow(r.PC, r.Level, r.Time); !ok {
			return nil
		}
	}
	msg := r.Message
	add := func(a slog.Attr) bool { msg += " " + a.Key + "=" + a.Value.String(); return true }
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if suppressed > 0 {
		msg += fmt.Sprintf(" (%d more like this suppressed in the last %v)", suppressed, h.th.every)
	}
	sev := sevDebug
	switch {
	case r.Level >= slog.LevelError:
		sev = sevError
	case r.Level >= slog.LevelWarn:
		sev = sevWarn
	case r.Level >= slog.LevelInfo:
		sev = sevInfo
	}
	h.l.logAt(sev, r.PC, msg)
	return nil
}

func (h *rclHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &rclHandler{l: h.l, th: h.th, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *rclHandler) WithGroup(string) slog.Handler { return h }

// ddsProfile names the Fast DDS XML profile the process runs with (the
// launch files set launch/fastdds_shm.xml, whose shared-memory segment
// carries a 3 MB cloud; Fast DDS's default segment is too small for one, so
// clouds then cross UDP loopback), or says why there is none.
func ddsProfile() string {
	if rmw := os.Getenv("RMW_IMPLEMENTATION"); rmw != "" && rmw != "rmw_fastrtps_cpp" && rmw != "rmw_fastrtps_dynamic_cpp" {
		return "none (" + rmw + ")"
	}
	for _, env := range []string{"FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE"} {
		if f := os.Getenv(env); f != "" {
			return f
		}
	}
	return "Fast DDS defaults (clouds over UDP loopback; launch/fastdds_shm.xml puts them in shared memory)"
}
