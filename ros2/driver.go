//go:build ros2

package ros2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopercept/gopercept/cdr"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/param"
	"github.com/gopercept/gopercept/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/rosmsg/rosgraph_msgs"
	"github.com/gopercept/gopercept/tf"
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
// output has subscribers), processes the latest frame of each input on a
// worker goroutine (older unprocessed frames are dropped and counted, so
// latency stays flat under overload), publishes the outputs and reports on
// /diagnostics.
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
	log := slog.New(&rclHandler{l: rn.Logger()})

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
	n, err := f(node.Env{Name: cfg.Node, Params: ps, TF: buffer, Stats: stats, Log: log, Root: root})
	if err != nil {
		return fmt.Errorf("ros2: start %s: %w", cfg.Node, err)
	}
	defer n.Close()
	if err := ps.Err(); err != nil {
		return err
	}
	if w := ps.Warning(); w != "" {
		log.Warn(w)
	}
	d := &driver{n: n, rn: rn, log: log, stats: stats, dp: dp, ps: ps, pubs: map[string]*Publisher{}, feeder: &node.TFFeeder{Buffer: buffer},
		wake: make(chan struct{}, 1), started: time.Now()}
	d.period.Store(int64(dp.DiagnosticsPeriod * float64(time.Second)))
	return d.run(ctx)
}

// declareDriverParams declares the driver's parameters with what the
// parameter services report of them: only the diagnostics period may change
// while the node runs.
func declareDriverParams(ps *param.Set) node.DriverParams {
	dp := node.DeclareDriverParams(ps)
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
	if nodeChange {
		r, ok := d.n.(param.Reconfigurable)
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

type slot struct {
	topic, typ string
	staleErr   error // built once: a stale frame is counted without allocating
	data       []byte
	spare      []byte
	recv       int64
	full       bool
}

type driver struct {
	n      node.Node
	rn     *Node
	log    *slog.Logger
	stats  *node.Stats
	dp     node.DriverParams
	ps     *param.Set
	params *ParamServer
	period atomic.Int64 // ns between /diagnostics messages; a parameter

	applyMu sync.Mutex
	applies []func() // accepted parameter changes, for the worker
	feeder  *node.TFFeeder
	tfMu    sync.Mutex

	pubs    map[string]*Publisher
	outPubs []*Publisher
	diag    *Publisher

	mu      sync.Mutex
	slots   []*slot
	pending []int // slot indexes in arrival order
	wake    chan struct{}

	clockMu sync.Mutex
	clock   builtin_interfaces.Time
	haveClk bool

	subs    []*Subscription
	started time.Time
	lastIn  map[string]int64
	lastAt  time.Time
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
	for _, t := range d.n.Outputs() {
		q := d.qos(d.dp.OutputReliability, Reliable(10))
		if t.QoS == node.Static {
			q = TransientLocal(1)
		}
		p, err := d.rn.NewPublisher(t.Name, t.Type, q)
		if err != nil {
			return err
		}
		d.pubs[t.Name] = p
		d.outPubs = append(d.outPubs, p)
	}
	var err error
	if d.diag, err = d.rn.NewPublisher("/diagnostics", diagnostic_msgs.DiagnosticArrayTypeName, Reliable(10)); err != nil {
		return err
	}
	if d.params, err = d.rn.ServeParameters(d.ps, d.setParams, d.now); err != nil {
		return err
	}
	defer d.params.Close()
	// TF is always subscribed: nodes need the history when their inputs resume.
	tfSub, err := d.rn.NewSubscription("/tf", "tf2_msgs/msg/TFMessage", Reliable(100), func(b []byte, _ MessageInfo) { d.feedTF(b, false) })
	if err != nil {
		return err
	}
	defer tfSub.Close()
	staticSub, err := d.rn.NewSubscription("/tf_static", "tf2_msgs/msg/TFMessage", TransientLocal(100), func(b []byte, _ MessageInfo) { d.feedTF(b, true) })
	if err != nil {
		return err
	}
	defer staticSub.Close()
	if d.dp.UseSimTime {
		clk, err := d.rn.NewSubscription("/clock", rosgraph_msgs.ClockTypeName, Reliable(1), d.onClock)
		if err != nil {
			return err
		}
		defer clk.Close()
	}
	for _, t := range d.n.Inputs() {
		d.slots = append(d.slots, &slot{topic: t.Name, typ: t.Type,
			staleErr: errors.New(t.Name + ": superseded by a newer frame before it was processed")})
	}
	d.log.Info(fmt.Sprintf("%s: %d inputs, %d outputs, lazy=%v, inputs %s, outputs %s", d.rn.Name(), len(d.slots), len(d.outPubs), d.dp.Lazy, d.dp.InputReliability, d.dp.OutputReliability))

	workerDone := make(chan struct{})
	go d.worker(ctx, workerDone)
	go d.diagnostics(ctx)

	for {
		want := !d.dp.Lazy || d.outputSubscribers() > 0
		if want && d.subs == nil {
			if err := d.subscribe(); err != nil {
				return err
			}
		} else if !want && d.subs != nil {
			d.unsubscribe()
			d.log.Info(d.rn.Name() + ": no output subscribers, inputs unsubscribed (lazy)")
		}
		spinCtx, cancel := context.WithCancel(ctx)
		watchDone := make(chan struct{})
		go func() {
			defer close(watchDone)
			d.rn.WatchQoS(spinCtx, 2*time.Second, d.outPubs, d.subs, d.onIncompatible)
		}()
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
					if want := !d.dp.Lazy || d.outputSubscribers() > 0; want != (d.subs != nil) {
						cancel()
						return
					}
				}
			}
		}()
		err := d.rn.ctx.Spin(spinCtx)
		cancel()
		<-watchDone
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

func (d *driver) outputSubscribers() int {
	total := 0
	for _, p := range d.outPubs {
		if n, err := p.SubscriptionCount(); err == nil {
			total += n
		}
	}
	return total
}

func (d *driver) subscribe() error {
	for i, s := range d.slots {
		i := i
		sub, err := d.rn.NewSubscription(s.topic, s.typ, d.qos(d.dp.InputReliability, SensorData()), func(b []byte, info MessageInfo) { d.onInput(i, b) })
		if err != nil {
			d.unsubscribe()
			return err
		}
		d.subs = append(d.subs, sub)
	}
	d.log.Info(d.rn.Name() + ": subscribed to inputs")
	return nil
}

func (d *driver) unsubscribe() {
	if d.subs == nil {
		return
	}
	for _, s := range d.subs {
		s.Close()
	}
	d.subs = nil
}

func (d *driver) feedTF(b []byte, static bool) {
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

// onInput keeps only the latest unprocessed frame of each input.
func (d *driver) onInput(i int, b []byte) {
	s := d.slots[i]
	d.stats.In(s.topic)
	d.mu.Lock()
	if s.full {
		d.stats.Drop("stale", s.staleErr)
	} else {
		d.pending = append(d.pending, i)
	}
	s.data = append(s.data[:0], b...)
	s.recv = time.Now().UnixNano()
	s.full = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *driver) worker(ctx context.Context, done chan struct{}) {
	defer close(done)
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
			d.pending = d.pending[1:]
			s := d.slots[i]
			s.data, s.spare = s.spare, s.data
			s.full = false
			msg.Topic, msg.Type, msg.Data, msg.ReceiveTime = s.topic, s.typ, s.spare, s.recv
			d.mu.Unlock()
			d.applyPending()
			if err := d.handle(msg, pub); err != nil {
				d.stats.Drop(node.DropReason(err), err)
				d.log.Warn(fmt.Sprintf("%s: %s: %v", d.rn.Name(), msg.Topic, err))
			}
		}
	}
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

func (p *livePublisher) Publish(topic string, m cdr.Message) error {
	pb := p.d.pubs[topic]
	if pb == nil {
		return fmt.Errorf("ros2: %s published on undeclared topic %q", p.d.rn.Name(), topic)
	}
	p.buf = cdr.MarshalAppend(p.buf, m)
	p.d.stats.Out(topic)
	return pb.Publish(p.buf)
}

func (d *driver) onIncompatible(in Incompatibility) {
	d.log.Warn(fmt.Sprintf("%s: incompatible QoS: %s", d.rn.Name(), in.String()))
	d.stats.Drop("qos_incompatible", errors.New(in.String()))
	d.stats.Set("qos_incompatible", in.String())
}

// diagnostics publishes one DiagnosticStatus for the node every period.
func (d *driver) diagnostics(ctx context.Context) {
	period := time.Duration(d.period.Load())
	if period <= 0 {
		period = time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if p := time.Duration(d.period.Load()); p > 0 && p != period {
			period = p
			t.Reset(p)
		}
		arr := d.Status(time.Now())
		if err := d.diag.PublishMessage(arr); err != nil {
			d.log.Warn(fmt.Sprintf("publish /diagnostics: %v", err))
		}
	}
}

// Status builds the node's DiagnosticArray from its statistics.
func (d *driver) Status(now time.Time) *diagnostic_msgs.DiagnosticArray {
	s := d.stats.Snapshot()
	st := diagnostic_msgs.DiagnosticStatus{Name: "gopercept/" + d.rn.Name(), HardwareID: d.rn.FullyQualifiedName(), Level: diagnostic_msgs.DiagnosticStatus_OK, Message: "ok"}
	kv := func(k, v string) { st.Values = append(st.Values, diagnostic_msgs.KeyValue{Key: k, Value: v}) }
	dt := now.Sub(d.lastAt).Seconds()
	if d.lastIn == nil {
		dt = now.Sub(d.started).Seconds()
	}
	for _, topic := range sortedKeys(s.In) {
		rate := float64(s.In[topic]-d.lastIn[topic]) / max(dt, 1e-3)
		kv("input "+topic+" rate_hz", strconv.FormatFloat(rate, 'f', 2, 64))
		kv("input "+topic+" frames", strconv.FormatInt(s.In[topic], 10))
	}
	d.lastIn, d.lastAt = s.In, now
	for _, topic := range sortedKeys(s.Out) {
		kv("output "+topic+" messages", strconv.FormatInt(s.Out[topic], 10))
	}
	for _, r := range sortedKeys(s.Dropped) {
		kv("dropped "+r, strconv.FormatInt(s.Dropped[r], 10))
	}
	for _, sg := range s.Stages {
		kv("latency "+sg.Name+" ms p50/p95/max", fmt.Sprintf("%.2f/%.2f/%.2f", sg.P50, sg.P95, sg.Max))
	}
	facts := make([]string, 0, len(s.Facts))
	for k := range s.Facts {
		facts = append(facts, k)
	}
	sort.Strings(facts)
	for _, k := range facts {
		kv(k, s.Facts[k])
	}
	if s.LastError != "" {
		kv("last_error", firstLine(s.LastError))
		if s.TotalDropped() > 0 {
			st.Level = diagnostic_msgs.DiagnosticStatus_WARN
			st.Message = fmt.Sprintf("%d of %d input frames dropped; last: %s", s.TotalDropped(), s.TotalIn(), firstLine(s.LastError))
		}
	}
	if _, bad := s.Facts["qos_incompatible"]; bad {
		st.Level = diagnostic_msgs.DiagnosticStatus_WARN
		st.Message = "incompatible QoS: " + s.Facts["qos_incompatible"]
	}
	arr := &diagnostic_msgs.DiagnosticArray{Status: []diagnostic_msgs.DiagnosticStatus{st}}
	arr.Header.Stamp = d.now()
	return arr
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// rclHandler sends slog records through rcl's logger.
type rclHandler struct {
	l     *Logger
	attrs []slog.Attr
}

func (h *rclHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *rclHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	add := func(a slog.Attr) bool { msg += " " + a.Key + "=" + a.Value.String(); return true }
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
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
	return &rclHandler{l: h.l, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *rclHandler) WithGroup(string) slog.Handler { return h }
