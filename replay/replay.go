package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/gopercept/gopercept/bag"
	"github.com/gopercept/gopercept/cdr"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/param"
	"github.com/gopercept/gopercept/rosmsg"
	"github.com/gopercept/gopercept/tf"
)

// Config configures Run.
type Config struct {
	// Inputs are bag paths (.mcap, .db3 or bag directories). Required.
	Inputs []string
	// Output is the MCAP file to write; empty writes nothing (a dry run
	// that still runs the nodes and reports).
	Output string
	// Nodes are registered node names to run, in order. May be empty.
	Nodes []string
	// ParamsFile is a ROS 2 parameter YAML giving every node its values.
	ParamsFile string
	// ParamsFiles are more parameter files, applied after ParamsFile in
	// order (one per node is the usual layout: params/<node>.yaml).
	ParamsFiles []string
	// Params are extra values per node, applied over ParamsFile.
	Params map[string]map[string]any
	// Rate scales the bag's clock: 1 plays in real time, 2 twice as fast.
	// Ignored when Fast. Default 1.
	Rate float64
	// Fast runs as fast as the nodes allow.
	Fast bool
	// KeepInputs also writes the input messages to Output.
	KeepInputs bool
	// Compression of Output. Default zstd.
	Compression bag.Compression
	// Progress receives a progress bar (use a terminal); nil for none.
	Progress io.Writer
	// Log receives node logs. Default: discard.
	Log *slog.Logger
	// Root resolves relative model paths. Default: the working directory.
	Root string
	// OnOutput, when set, sees every message a node publishes, with the
	// log time of the input it came from, before it is written; m is only
	// valid during the call (the node reuses it): keep cdr.Clone(m).
	// Evaluations use it to score outputs in memory.
	OnOutput func(node, topic string, logTime int64, m cdr.Message)
}

// NodeSummary is one node's account of the replay.
type NodeSummary struct {
	Name string `json:"name"`
	node.Summary
}

// Summary is what a replay did.
type Summary struct {
	Inputs          []string         `json:"inputs"`
	Output          string           `json:"output,omitempty"`
	MessagesRead    int64            `json:"messages_read"`
	BytesRead       int64            `json:"bytes_read"`
	MessagesWritten uint64           `json:"messages_written"`
	SkippedRecords  map[string]int   `json:"skipped_records"`
	TFMessages      int64            `json:"tf_messages"`
	TFErrors        int64            `json:"tf_errors"`
	Unconsumed      map[string]int64 `json:"unconsumed_topics"`
	BagSeconds      float64          `json:"bag_seconds"`
	WallSeconds     float64          `json:"wall_seconds"`
	Nodes           []NodeSummary    `json:"nodes"`
}

type runner struct {
	name   string
	n      node.Node
	stats  *node.Stats
	inputs map[string]bool
}

// publisher writes a node's outputs at the current input's log time.
type publisher struct {
	r       *replay
	stats   *node.Stats
	allowed map[string]bool
	node    string
}

type replay struct {
	cfg     Config
	w       *bag.MCAPWriter
	chans   map[string]uint16
	logTime int64
	buf     []byte
}

func (p *publisher) Publish(topic string, m cdr.Message) error {
	if !p.allowed[topic] {
		return fmt.Errorf("replay: node %s published on undeclared topic %q", p.node, topic)
	}
	topic = ResolveTopic(topic, p.node)
	p.stats.Out(topic)
	if p.r.cfg.OnOutput != nil {
		p.r.cfg.OnOutput(p.node, topic, p.r.logTime, m)
	}
	return p.r.write(topic, m.TypeName(), m.Schema(), "", func(buf []byte) []byte { return cdr.MarshalAppend(buf, m) })
}

func (r *replay) write(topic, typ, schema, qos string, enc func([]byte) []byte) error {
	if r.w == nil {
		return nil
	}
	id, ok := r.chans[topic]
	if !ok {
		var err error
		id, err = r.w.AddTopic(bag.Topic{Name: topic, Type: typ, SchemaText: schema, QoS: qos})
		if err != nil {
			return fmt.Errorf("replay: add topic %s: %w", topic, err)
		}
		r.chans[topic] = id
	}
	r.buf = enc(r.buf[:0])
	return r.w.Write(id, r.logTime, r.logTime, r.buf)
}

// Run replays cfg.Inputs through cfg.Nodes.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if len(cfg.Inputs) == 0 {
		return nil, errors.New("replay: no input bags")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 1
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sum := &Summary{Inputs: cfg.Inputs, Output: cfg.Output, SkippedRecords: map[string]int{}, Unconsumed: map[string]int64{}}

	readers := make([]*bag.Reader, 0, len(cfg.Inputs))
	defer func() {
		for _, rd := range readers {
			rd.Close()
		}
	}()
	var totalMsgs uint64
	for _, in := range cfg.Inputs {
		rd, err := bag.Open(in, bag.ReaderConfig{})
		if err != nil {
			return nil, fmt.Errorf("replay: open %s: %w", in, err)
		}
		readers = append(readers, rd)
		for _, t := range rd.Topics() {
			totalMsgs += t.MessageCount
		}
	}

	buffer, err := tf.New(tf.Config{CacheDuration: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	feeder := &node.TFFeeder{Buffer: buffer}
	r := &replay{cfg: cfg, chans: map[string]uint16{}}

	var runners []*runner
	defer func() {
		for _, rn := range runners {
			rn.n.Close()
		}
	}()
	for _, name := range cfg.Nodes {
		f, err := node.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		values := map[string]any{}
		for _, pf := range append([]string{cfg.ParamsFile}, cfg.ParamsFiles...) {
			if pf == "" {
				continue
			}
			v, err := param.LoadFile(pf, name)
			if err != nil {
				return nil, fmt.Errorf("replay: params for %s: %w", name, err)
			}
			for k, x := range v {
				values[k] = x
			}
		}
		for k, v := range cfg.Params[name] {
			values[k] = v
		}
		ps := param.New(name, values)
		node.DeclareDriverParams(ps) // live-only settings; accepted so one params file serves both
		st := node.NewStats()
		n, err := f(node.Env{Name: name, Params: ps, TF: buffer, Stats: st, Log: cfg.Log.With("node", name), Root: cfg.Root})
		if err != nil {
			return nil, fmt.Errorf("replay: start %s: %w", name, err)
		}
		rn := &runner{name: name, n: n, stats: st, inputs: map[string]bool{}}
		runners = append(runners, rn)
		if err := ps.Err(); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		for _, t := range n.Inputs() {
			rn.inputs[ResolveTopic(t.Name, name)] = true
		}
	}
	pubs := make([]*publisher, len(runners))
	for i, rn := range runners {
		allowed := map[string]bool{}
		for _, t := range rn.n.Outputs() {
			allowed[t.Name] = true
		}
		pubs[i] = &publisher{r: r, stats: rn.stats, allowed: allowed, node: rn.name}
	}

	if cfg.Output != "" {
		w, err := bag.CreateMCAP(cfg.Output, bag.WriterConfig{Compression: cfg.Compression})
		if err != nil {
			return nil, fmt.Errorf("replay: create %s: %w", cfg.Output, err)
		}
		r.w = w
		// Declare the nodes' outputs first, in node order, so every output
		// file lists its channels the same way whatever the data.
		for _, rn := range runners {
			for _, t := range rn.n.Outputs() {
				m, err := rosmsg.New(t.Type)
				if err != nil {
					return nil, fmt.Errorf("replay: node %s output %s: %w", rn.name, t.Name, err)
				}
				name := ResolveTopic(t.Name, rn.name)
				id, err := w.AddTopic(bag.Topic{Name: name, Type: m.TypeName(), SchemaText: m.Schema(), QoS: qosYAML(t)})
				if err != nil {
					return nil, err
				}
				r.chans[name] = id
			}
		}
	}

	merged := newMerger(readers)
	prog := newProgress(cfg.Progress, totalMsgs)
	wallStart := time.Now()
	var bagStart, bagEnd int64 = -1, 0
	msg := &node.Msg{}
	for {
		if err := ctx.Err(); err != nil {
			break
		}
		m, err := merged.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay: read: %w", err)
		}
		sum.MessagesRead++
		sum.BytesRead += int64(len(m.Data))
		if bagStart < 0 {
			bagStart = m.LogTime
		}
		bagEnd = m.LogTime
		if !cfg.Fast {
			due := wallStart.Add(time.Duration(float64(m.LogTime-bagStart) / cfg.Rate))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		r.logTime = m.LogTime
		if cfg.KeepInputs {
			schema := m.SchemaText
			if schema == "" {
				schema, _ = rosmsg.Schema(m.Type)
			}
			data := m.Data
			if err := r.write(m.Topic, m.Type, schema, bag.DefaultQoS(m.Topic), func(b []byte) []byte { return append(b, data...) }); err != nil {
				return nil, err
			}
		}
		consumed := false
		if isTF, static := node.IsTFTopic(m.Topic); isTF {
			consumed = true
			sum.TFMessages++
			if _, err := feeder.Feed(m.Data, static); err != nil {
				sum.TFErrors++
				cfg.Log.Warn("replay: bad TF message", "topic", m.Topic, "log_time", m.LogTime, "err", err)
			}
		}
		msg.Topic, msg.Type, msg.Data, msg.ReceiveTime = m.Topic, m.Type, m.Data, m.LogTime
		for i, rn := range runners {
			if !rn.inputs[m.Topic] {
				continue
			}
			consumed = true
			rn.stats.In(m.Topic)
			if err := handle(rn, msg, pubs[i]); err != nil {
				rn.stats.Drop(node.DropReason(err), err)
			}
		}
		if !consumed {
			sum.Unconsumed[m.Topic]++
		}
		prog.update(sum.MessagesRead, m.LogTime-bagStart)
	}
	prog.done(sum.MessagesRead)
	for _, rd := range readers {
		for k, v := range rd.SkipCounts() {
			sum.SkippedRecords[k] += v
		}
	}
	if r.w != nil {
		if err := r.w.Close(); err != nil {
			return nil, fmt.Errorf("replay: finish %s: %w", cfg.Output, err)
		}
		sum.MessagesWritten = r.w.MessageCount()
	}
	if bagStart >= 0 {
		sum.BagSeconds = float64(bagEnd-bagStart) / 1e9
	}
	sum.WallSeconds = time.Since(wallStart).Seconds()
	for _, rn := range runners {
		sum.Nodes = append(sum.Nodes, NodeSummary{Name: rn.name, Summary: rn.stats.Snapshot()})
	}
	return sum, ctx.Err()
}

// handle runs one input through a node; a panic is turned into a drop so
// that one bad frame never ends a replay.
func handle(rn *runner, msg *node.Msg, pub node.Publisher) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = node.Dropf("panic", fmt.Errorf("%v\n%s", p, debug.Stack()))
		}
	}()
	t0 := time.Now()
	err = rn.n.Handle(msg, pub)
	// "message" times every input (image, camera_info, depth alike); nodes
	// time their own frames as "total".
	rn.stats.Stage("message", time.Since(t0))
	return err
}

func qosYAML(t node.Topic) string {
	switch t.QoS {
	case node.Static:
		return bag.QoSYAML(bag.QoSProfile{Depth: 1, Durability: bag.DurabilityTransient})
	case node.SensorData:
		return bag.QoSYAML(bag.QoSProfile{Depth: 5, Reliability: bag.ReliabilityBestEffort})
	}
	return bag.QoSYAML(bag.QoSProfile{Depth: 10})
}

// merger yields the messages of several readers in log-time order (ties by
// input order), so multiple bags replay as one.
type merger struct {
	rds  []*bag.Reader
	cur  []*bag.Message
	init bool
	last int
}

func newMerger(rds []*bag.Reader) *merger {
	return &merger{rds: rds, cur: make([]*bag.Message, len(rds)), last: -1}
}

func (g *merger) next() (*bag.Message, error) {
	if !g.init {
		g.init = true
		for i, rd := range g.rds {
			m, err := rd.Next()
			if err != nil && err != io.EOF {
				return nil, err
			}
			g.cur[i] = m
		}
	} else if g.last >= 0 {
		m, err := g.rds[g.last].Next()
		if err != nil && err != io.EOF {
			return nil, err
		}
		g.cur[g.last] = m
	}
	best := -1
	for i, m := range g.cur {
		if m != nil && (best < 0 || m.LogTime < g.cur[best].LogTime) {
			best = i
		}
	}
	g.last = best
	if best < 0 {
		return nil, io.EOF
	}
	return g.cur[best], nil
}

// progress draws a one-line bar on a terminal.
type progress struct {
	w     io.Writer
	total uint64
	last  time.Time
}

func newProgress(w io.Writer, total uint64) *progress {
	if w == nil {
		return &progress{}
	}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
			return &progress{} // not a terminal: no bar in logs
		}
	}
	return &progress{w: w, total: total}
}

func (p *progress) update(n int64, bagNS int64) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(n)/float64(p.total), 1)
	}
	const width = 30
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d/%d msgs  bag %.1f s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*frac, n, p.total, float64(bagNS)/1e9)
}

func (p *progress) done(n int64) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r[%s] 100%%  %d msgs\n", strings.Repeat("=", 30), n)
}

// WriteText prints the summary for people.
func (s *Summary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "replay: %d messages (%.1f MB) from %s over %.1f s of bag in %.2f s", s.MessagesRead, float64(s.BytesRead)/1e6, strings.Join(s.Inputs, ", "), s.BagSeconds, s.WallSeconds)
	if s.WallSeconds > 0 {
		fmt.Fprintf(w, " (%.0f MB/s)", float64(s.BytesRead)/1e6/s.WallSeconds)
	}
	fmt.Fprintln(w)
	if s.Output != "" {
		fmt.Fprintf(w, "  wrote %d messages to %s\n", s.MessagesWritten, s.Output)
	}
	if len(s.SkippedRecords) > 0 {
		fmt.Fprintf(w, "  skipped damaged records: %s\n", formatCounts(s.SkippedRecords))
	}
	fmt.Fprintf(w, "  tf: %d messages, %d errors\n", s.TFMessages, s.TFErrors)
	if len(s.Unconsumed) > 0 {
		var msgs int64
		names := make([]string, 0, len(s.Unconsumed))
		for k, v := range s.Unconsumed {
			msgs += v
			names = append(names, k)
		}
		sort.Strings(names)
		if len(names) > 4 {
			names = append(names[:4], "…")
		}
		fmt.Fprintf(w, "  %d topics (%d messages) no node consumes: %s\n", len(s.Unconsumed), msgs, strings.Join(names, ", "))
	}
	for _, n := range s.Nodes {
		processed := n.TotalIn() - n.TotalDropped()
		fmt.Fprintf(w, "  node %s: %d frames in, %d processed, %d dropped, %d out\n", n.Name, n.TotalIn(), processed, n.TotalDropped(), n.TotalOut())
		if len(n.Dropped) > 0 {
			m := map[string]int{}
			for k, v := range n.Dropped {
				m[k] = int(v)
			}
			fmt.Fprintf(w, "    dropped: %s\n", formatCounts(m))
			if n.LastError != "" {
				fmt.Fprintf(w, "    last error: %s\n", firstLine(n.LastError))
			}
		}
		for _, st := range n.Stages {
			fmt.Fprintf(w, "    %-14s p50 %8.2f ms  p95 %8.2f ms  max %8.2f ms  (%d)\n", st.Name, st.P50, st.P95, st.Max, st.Count)
		}
	}
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ResolveTopic expands a node's topic name as ROS 2 does in the root
// namespace: "points" → "/points", "~/labelled" → "/<node>/labelled".
func ResolveTopic(name, nodeName string) string {
	switch {
	case strings.HasPrefix(name, "/"):
		return name
	case strings.HasPrefix(name, "~/"):
		return "/" + nodeName + "/" + name[2:]
	}
	return "/" + name
}
