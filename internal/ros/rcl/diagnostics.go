//go:build ros2

package rcl

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/diagnostic_msgs"
)

const (
	// stalePeriods: an input silent for this many diagnostics periods
	// (while subscribed) is reported stale.
	stalePeriods = 5
	// eventPoll is how often the endpoints' rcl events are read.
	eventPoll = 250 * time.Millisecond
	// logThrottle: a WARN or ERROR call site logs at most once per this
	// interval, as rclcpp's RCLCPP_WARN_THROTTLE; the next line it logs
	// says how many were suppressed.
	logThrottle = 5 * time.Second
)

// watched is an endpoint whose rcl events the driver polls.
type watched struct {
	sub     *Subscription
	pub     *Publisher
	q       IncompatibleQoS
	rmwLost int64 // the endpoint's last message-lost total
}

func (w *watched) topic() string {
	if w.sub != nil {
		return w.sub.ResolvedName()
	}
	return w.pub.ResolvedName()
}

func (w *watched) side() string {
	if w.sub != nil {
		return "subscription"
	}
	return "publisher"
}

func (d *driver) addWatch(w *watched) {
	d.evMu.Lock()
	d.watch = append(d.watch, w)
	d.evMu.Unlock()
}

// closeWatched stops polling s and closes it.
func (d *driver) closeWatched(s *Subscription) {
	d.evMu.Lock()
	for i, w := range d.watch {
		if w.sub == s {
			d.watch = append(d.watch[:i], d.watch[i+1:]...)
			break
		}
	}
	d.evMu.Unlock()
	s.Close()
}

// pollEvents reads every watched endpoint's events until ctx ends.
func (d *driver) pollEvents(ctx context.Context) {
	t := time.NewTicker(eventPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.pollOnce()
	}
}

func (d *driver) pollOnce() {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	if d.rmwLost == nil {
		d.rmwLost = map[string]int64{}
	}
	for _, w := range d.watch {
		var st EndpointStatus
		var err error
		if w.sub != nil {
			st, err = w.sub.Status()
		} else {
			st, err = w.pub.Status()
		}
		if err != nil {
			continue // closed between the copy and the read: gone next poll
		}
		if st.LostTotal > w.rmwLost {
			delta := st.LostTotal - w.rmwLost
			w.rmwLost = st.LostTotal
			d.rmwLost[st.Topic] += delta
			d.stats.LostRMW(st.Topic, d.rmwLost[st.Topic])
			if d.noSeq.Load() { // no sequence numbers to count gaps from: rmw's count is all there is
				d.stats.Lost(st.Topic, delta)
			}
		}
		if !w.q.Update(st) {
			continue
		}
		if w.q.Active {
			d.rn.Logger().Warnf("%s: incompatible QoS on %s (our %s): %s%s; no messages flow between them", d.rn.Name(), st.Topic, w.side(), w.q.Policy, d.peers(w))
		} else {
			d.rn.Logger().Infof("%s: incompatible QoS on %s (our %s) cleared: the peer left", d.rn.Name(), st.Topic, w.side())
		}
	}
}

// peers names the incompatible peers of w from the graph, for the two
// policies whose offered and requested values the graph shows.
func (d *driver) peers(w *watched) string {
	var in []Incompatibility
	if w.sub != nil {
		in, _ = w.sub.IncompatiblePublishers()
	} else {
		in, _ = w.pub.IncompatibleSubscriptions()
	}
	var out []string
	for _, x := range in {
		out = append(out, fmt.Sprintf("%s offers %s, %s requested", x.Node, x.Offered, x.Requested))
		if w.pub != nil {
			out[len(out)-1] = fmt.Sprintf("%s requests %s, %s offered", x.Node, x.Requested, x.Offered)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, "; ") + ")"
}

// diagnostics publishes the node's statuses every period.
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

// Status builds the node's DiagnosticArray, diagnostic_updater's way: one
// status per part, named "<node>: <part>" — each input, /tf, /tf_static,
// /clock, each output, and the processing. A level says what happened in
// the last period (since the previous call), not all history: WARN for
// messages lost or dropped in it, an input silent for stalePeriods periods
// (stale), or an incompatible QoS that is still there. Counts are totals.
func (d *driver) Status(now time.Time) *diagnostic_msgs.DiagnosticArray {
	s := d.stats.Snapshot()
	prev := d.prev
	dt := now.Sub(d.prevAt).Seconds()
	if d.prevAt.IsZero() {
		dt = now.Sub(d.started).Seconds()
	}
	dt = max(dt, 1e-3)
	period := time.Duration(d.period.Load())
	name := d.rn.Name()
	qos := d.qosStates()
	arr := &diagnostic_msgs.DiagnosticArray{}
	newStatus := func(part string) *diagnostic_msgs.DiagnosticStatus {
		arr.Status = append(arr.Status, diagnostic_msgs.DiagnosticStatus{Name: name + ": " + part, HardwareID: d.rn.FullyQualifiedName(), Level: diagnostic_msgs.DiagnosticStatus_OK})
		return &arr.Status[len(arr.Status)-1]
	}
	kv := func(st *diagnostic_msgs.DiagnosticStatus, k, v string) {
		st.Values = append(st.Values, diagnostic_msgs.KeyValue{Key: k, Value: v})
	}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	// finish sets the level and message from the problems found.
	finish := func(st *diagnostic_msgs.DiagnosticStatus, problems []string) {
		if len(problems) == 0 {
			st.Message = "ok"
			return
		}
		st.Level = diagnostic_msgs.DiagnosticStatus_WARN
		st.Message = strings.Join(problems, "; ")
	}
	qosProblems := func(st *diagnostic_msgs.DiagnosticStatus, topic string) []string {
		var out []string
		for _, q := range qos[topic] {
			kv(st, "incompatible QoS ("+q.side+")", q.policy)
			out = append(out, fmt.Sprintf("incompatible QoS (our %s): %s", q.side, q.policy))
		}
		return out
	}
	subAt := d.subscribedAt.Load()
	d.nodeMu.RLock()
	defer d.nodeMu.RUnlock()
	for _, sl := range d.slots {
		t := sl.resolved
		st := newStatus("input " + t)
		var problems []string
		in, pin := s.In[t], prev.In[t]
		kv(st, "received", i64(in))
		kv(st, "rate_hz", strconv.FormatFloat(float64(in-pin)/dt, 'f', 2, 64))
		kv(st, "processed", i64(s.Processed[t]))
		if sl.depth > 1 {
			kv(st, "queue", strconv.Itoa(sl.depth)) // delivered in order; latest only when absent
		}
		kv(st, "lost", i64(s.Lost[t]))
		if v, ok := s.LostRMW[t]; ok {
			kv(st, "lost (rmw message_lost)", i64(v))
		}
		drops := s.DroppedBy[t]
		var dropNow []string
		var nDrop int64
		for _, r := range sortedKeys(drops) {
			kv(st, "dropped "+r, i64(drops[r]))
			if n := drops[r] - prev.DroppedBy[t][r]; n > 0 {
				dropNow = append(dropNow, fmt.Sprintf("%s %d", r, n))
				nDrop += n
			}
		}
		if lost := s.Lost[t] - prev.Lost[t]; lost > 0 {
			problems = append(problems, fmt.Sprintf("%d lost before the node in the last %.1f s", lost, dt))
		}
		if nDrop > 0 {
			msg := fmt.Sprintf("%d of %d frames dropped in the last %.1f s (%s)", nDrop, in-pin, dt, strings.Join(dropNow, ", "))
			if len(dropNow) > 1 || !(strings.HasPrefix(dropNow[0], "stale ") || strings.HasPrefix(dropNow[0], "queue full ")) {
				msg += "; last: " + firstLine(s.LastError)
			}
			problems = append(problems, msg)
		}
		if subAt == 0 {
			kv(st, "subscribed", "no (lazy: no output subscribers)")
		} else {
			last := max(sl.lastRecv.Load(), subAt)
			silent := now.Sub(time.Unix(0, last))
			if period > 0 && silent > stalePeriods*period {
				what := "no message since subscribing"
				if sl.lastRecv.Load() > subAt {
					what = "no message"
				}
				problems = append(problems, fmt.Sprintf("stale: %s for %.1f s", what, silent.Seconds()))
			}
		}
		problems = append(problems, qosProblems(st, t)...)
		finish(st, problems)
	}
	tfTopics := []string{"/tf", "/tf_static"}
	for k, t := range tfTopics {
		st := newStatus(t)
		in := d.tfIn[k].Load()
		kv(st, "received", i64(in))
		kv(st, "rate_hz", strconv.FormatFloat(float64(in-d.tfPrev[k])/dt, 'f', 2, 64))
		kv(st, "lost", i64(d.tfLost[k].Load()))
		if v, ok := s.LostRMW[t]; ok {
			kv(st, "lost (rmw message_lost)", i64(v))
		}
		d.tfPrev[k] = in
		finish(st, qosProblems(st, t))
	}
	if d.dp.UseSimTime {
		st := newStatus("/clock")
		finish(st, qosProblems(st, "/clock"))
	}
	for _, p := range append(append([]*Publisher(nil), d.outPubs...), d.diag) {
		t := p.ResolvedName()
		st := newStatus("output " + t)
		kv(st, "messages", i64(s.Out[t]))
		kv(st, "rate_hz", strconv.FormatFloat(float64(s.Out[t]-prev.Out[t])/dt, 'f', 2, 64))
		if n, err := p.SubscriptionCount(); err == nil {
			kv(st, "subscribers", strconv.Itoa(n))
		}
		finish(st, qosProblems(st, t))
	}
	st := newStatus("processing")
	for _, sg := range s.Stages {
		kv(st, "latency "+sg.Name+" ms p50/p95/max", fmt.Sprintf("%.2f/%.2f/%.2f", sg.P50, sg.P95, sg.Max))
	}
	var problems []string
	own := s.DroppedBy[""] // drops a node counted itself, after Handle returned
	for _, r := range sortedKeys(own) {
		kv(st, "dropped "+r, i64(own[r]))
		if n := own[r] - prev.DroppedBy[""][r]; n > 0 {
			problems = append(problems, fmt.Sprintf("%d dropped (%s) in the last %.1f s; last: %s", n, r, dt, firstLine(s.LastError)))
		}
	}
	facts := make([]string, 0, len(s.Facts))
	for k := range s.Facts {
		facts = append(facts, k)
	}
	sort.Strings(facts)
	for _, k := range facts {
		kv(st, k, s.Facts[k])
	}
	if s.LastError != "" {
		kv(st, "last_error", firstLine(s.LastError))
	}
	if d.lc != nil {
		_, label := d.lc.State()
		kv(st, "lifecycle_state", label)
	}
	finish(st, problems)
	d.prev, d.prevAt = s, now
	arr.Header.Stamp = d.now()
	return arr
}

type qosState struct{ side, policy string }

// qosStates returns the incompatibilities still there, by topic.
func (d *driver) qosStates() map[string][]qosState {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	out := map[string][]qosState{}
	for _, w := range d.watch {
		if w.q.Active {
			out[w.topic()] = append(out[w.topic()], qosState{w.side(), w.q.Policy})
		}
	}
	return out
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// throttle limits each (call site, level) to one line per interval.
type throttle struct {
	every time.Duration
	mu    sync.Mutex
	sites map[throttleKey]*throttleSite
}

type throttleKey struct {
	pc    uintptr
	level slog.Level
}

type throttleSite struct {
	last       time.Time
	suppressed int
}

func newThrottle(every time.Duration) *throttle {
	return &throttle{every: every, sites: map[throttleKey]*throttleSite{}}
}

// allow reports whether a line from pc may be logged at t, and how many
// lines of that site were suppressed since the last one logged.
func (th *throttle) allow(pc uintptr, level slog.Level, t time.Time) (ok bool, suppressed int) {
	if pc == 0 {
		return true, 0
	}
	if t.IsZero() {
		t = time.Now()
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	k := throttleKey{pc, level}
	s := th.sites[k]
	if s == nil {
		th.sites[k] = &throttleSite{last: t}
		return true, 0
	}
	if t.Sub(s.last) < th.every {
		s.suppressed++
		return false, 0
	}
	n := s.suppressed
	s.last, s.suppressed = t, 0
	return true, n
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
