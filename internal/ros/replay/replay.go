package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
	"github.com/gopercept/gopercept/internal/tf"
)

// Config configures Run.
type Config struct {
	// Inputs are bag paths (.mcap, .db3 or bag directories). Required.
	Inputs []string
	// Output is the MCAP file to write; empty writes nothing (a dry run
	// that still runs the nodes and reports). It is written under a
	// temporary name (PartialName) and renamed when the run completes; it
	// must not be, or lie inside, one of the Inputs.
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
	// Remap renames topics as ROS's -r from:=to does, per node name; the
	// key "" applies to every node. Names are resolved (absolute).
	Remap map[string]map[string]string
	// MaxGap caps how long real-time playback waits across a jump in log
	// time (an outlier stamp, two bags on different clocks). Default 1 s.
	MaxGap time.Duration
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
	Inputs          []string       `json:"inputs"`
	Output          string         `json:"output,omitempty"`
	MessagesRead    int64          `json:"messages_read"`
	BytesRead       int64          `json:"bytes_read"`
	MessagesWritten uint64         `json:"messages_written"`
	SkippedRecords  map[string]int `json:"skipped_records"`
	// Damage lists every damaged record skipped: file, offset, record
	// kind and, for messages, topic and log time.
	Damage []bag.Damage `json:"damage,omitempty"`
	// Warnings are what reading worked around (a broken metadata.yaml).
	Warnings   []string         `json:"warnings,omitempty"`
	TFMessages int64            `json:"tf_messages"`
	TFErrors   int64            `json:"tf_errors"`
	Unconsumed map[string]int64 `json:"unconsumed_topics"`
	// TimeGaps are jumps in log time longer than Config.MaxGap; real-time
	// playback waited MaxGap across each. GapCount counts all of them,
	// TimeGaps lists the first few.
	GapCount int       `json:"gap_count"`
	TimeGaps []TimeGap `json:"time_gaps,omitempty"`
	// Drops names the frames the nodes dropped (the first
	// maxDropsListed; DropCount counts all), each with its reason.
	DropCount int            `json:"drop_count"`
	Drops     []DroppedFrame `json:"drops,omitempty"`
	// Partial names the incomplete output a failed run left behind.
	Partial     string        `json:"partial_output,omitempty"`
	BagSeconds  float64       `json:"bag_seconds"`
	WallSeconds float64       `json:"wall_seconds"`
	Nodes       []NodeSummary `json:"nodes"`
}

// maxDropsListed bounds Summary.Drops: a bag whose every frame fails
// should not make a summary larger than the bag.
const maxDropsListed = 1000

// DroppedFrame is one input a node dropped.
type DroppedFrame struct {
	Node    string `json:"node"`
	Topic   string `json:"topic"`
	LogTime int64  `json:"log_time"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
}

// TimeGap is one jump in log time between consecutive messages.
type TimeGap struct {
	LogTime int64   `json:"log_time"` // of the message after the jump
	Topic   string  `json:"topic"`
	Seconds float64 `json:"seconds"` // negative: the clock went back
}

type runner struct {
	name string
	n    node.Node
	// inputs maps the bag topic (after remapping) to the node's own name
	// for it as the node declares it (lidar/points, not /lidar/points),
	// which is what the node sees in Msg.Topic, as under the live driver.
	inputs map[string]string
	remap  map[string]string
	stats  *node.Stats
}

// publisher writes a node's outputs at the current input's log time.
type publisher struct {
	r       *replay
	stats   *node.Stats
	allowed map[string]bool
	node    string
	names   map[string]string // remapping of the node's resolved names
}

func (p *publisher) remap(topic string) string {
	if to, ok := p.names[topic]; ok {
		return to
	}
	return topic
}

type replay struct {
	cfg     Config
	w       *bag.MCAPWriter
	chans   map[string]uint16
	logTime int64
	buf     []byte
	// writeErr is the first failed write: it ends the run (a full disk
	// must not turn every later frame into a "drop").
	writeErr error
}

func (p *publisher) Publish(topic string, m cdr.Message) error {
	if !p.allowed[topic] {
		return fmt.Errorf("replay: node %s published on undeclared topic %q", p.node, topic)
	}
	topic = p.remap(ResolveTopic(topic, p.node))
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
	if r.writeErr != nil {
		return r.writeErr
	}
	err := r.writeMsg(topic, typ, schema, qos, enc)
	if err != nil {
		r.writeErr = fmt.Errorf("replay: write %s: %w", r.cfg.Output, err)
		return r.writeErr
	}
	return nil
}

func (r *replay) writeMsg(topic, typ, schema, qos string, enc func([]byte) []byte) error {
	id, ok := r.chans[topic]
	if !ok {
		var err error
		id, err = r.w.AddTopic(bag.Topic{Name: topic, Type: typ, SchemaText: schema, QoS: qos})
		if err != nil {
			return fmt.Errorf("add topic %s: %w", topic, err)
		}
		r.chans[topic] = id
	}
	r.buf = enc(r.buf[:0])
	return r.w.Write(id, r.logTime, r.logTime, r.buf)
}

// Run replays cfg.Inputs through cfg.Nodes. On an error after the replay
// started (a failed write, a node that received nothing) it returns the
// summary of what was done with the error.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	// Every Handle runs on this goroutine, kept on one OS thread: ONNX
	// Runtime's intra-op pool, called from a different thread run to run
	// (a goroutine moves between threads when it blocks), often ran the
	// model at its one-thread speed (pose2d's detector 11.2 against 6.4 ms).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if len(cfg.Inputs) == 0 {
		return nil, errors.New("replay: no input bags")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 1
	}
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Output != "" {
		if err := CheckOutput(cfg.Output, cfg.Inputs); err != nil {
			return nil, err
		}
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
		rd, err := bag.Open(in, bag.ReaderConfig{OnDamage: func(d bag.Damage) {
			cfg.Log.Warn("replay: damaged record skipped", "file", d.File, "offset", d.Offset, "kind", d.Kind, "reason", d.Reason, "topic", d.Topic, "log_time", d.LogTime)
		}})
		if err != nil {
			return nil, fmt.Errorf("replay: open %s: %w", in, err)
		}
		readers = append(readers, rd)
		for _, w := range rd.Warnings() {
			sum.Warnings = append(sum.Warnings, w.Error())
			cfg.Log.Warn("replay: " + w.Error())
		}
		for _, t := range rd.Topics() {
			totalMsgs += t.MessageCount
		}
	}

	for _, pf := range append([]string{cfg.ParamsFile}, cfg.ParamsFiles...) {
		if pf == "" {
			continue
		}
		bad, err := param.Unmatched(pf, node.Names())
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		for _, sec := range bad {
			w := fmt.Sprintf("params file %s: section %s names no node (have %s): its values go nowhere", pf, sec, strings.Join(node.Names(), ", "))
			sum.Warnings = append(sum.Warnings, w)
			cfg.Log.Warn("replay: " + w)
		}
	}
	types, err := topicTypes(cfg.Inputs, readers)
	if err != nil {
		return nil, err
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
		rn, err := startNode(cfg, name, buffer, &sum.Warnings)
		if err != nil {
			return nil, err
		}
		runners = append(runners, rn)
	}
	for _, rn := range runners {
		for bagTopic := range rn.inputs {
			if len(types[bagTopic]) > 1 {
				return nil, fmt.Errorf("replay: node %s reads %s, which the bags carry as %s: replay the bags separately or remap one", rn.name, bagTopic, strings.Join(types[bagTopic], " and "))
			}
		}
	}
	if cfg.KeepInputs {
		for topic, ts := range types {
			if len(ts) > 1 {
				return nil, fmt.Errorf("replay: --keep-inputs: topic %s has types %s in the bags; one output channel cannot hold both", topic, strings.Join(ts, " and "))
			}
		}
	}
	pubs := make([]*publisher, len(runners))
	for i, rn := range runners {
		allowed := map[string]bool{}
		for _, t := range rn.n.Outputs() {
			allowed[t.Name] = true
		}
		pubs[i] = &publisher{r: r, stats: rn.stats, allowed: allowed, node: rn.name, names: rn.remap}
	}

	partial := ""
	if cfg.Output != "" {
		partial = PartialName(cfg.Output)
		w, err := bag.CreateMCAP(partial, bag.WriterConfig{Compression: cfg.Compression, FileName: filepath.Base(cfg.Output)})
		if err != nil {
			os.Remove(partial)
			return nil, fmt.Errorf("replay: create %s: %w", cfg.Output, err)
		}
		r.w = w
		// Declare the nodes' outputs first, in node order, so every output
		// file lists its channels the same way whatever the data.
		for i, rn := range runners {
			for _, t := range rn.n.Outputs() {
				m, err := rosmsg.New(t.Type)
				if err != nil {
					w.Close()
					os.Remove(partial)
					return nil, fmt.Errorf("replay: node %s output %s: %w", rn.name, t.Name, err)
				}
				name := pubs[i].remap(ResolveTopic(t.Name, rn.name))
				id, err := w.AddTopic(bag.Topic{Name: name, Type: m.TypeName(), SchemaText: m.Schema(), QoS: qosYAML(t)})
				if err != nil {
					w.Close()
					os.Remove(partial)
					return nil, fmt.Errorf("replay: %s: %w", cfg.Output, err)
				}
				r.chans[name] = id
			}
		}
	}
	wallStart := time.Now()
	var bagStart, bagEnd, prev int64 = -1, 0, 0
	// fail ends a started run: the summary so far, the partial output kept
	// readable under a name that says so.
	fail := func(err error) (*Summary, error) {
		finish(sum, runners, readers)
		if bagStart >= 0 {
			sum.BagSeconds = float64(bagEnd-bagStart) / 1e9
		}
		sum.WallSeconds = time.Since(wallStart).Seconds()
		if r.w != nil {
			r.w.Close()
			sum.MessagesWritten = r.w.MessageCount()
			r.w = nil
			sum.Partial = partial
			err = fmt.Errorf("%w (partial output kept at %s)", err, partial)
		}
		return sum, err
	}

	merged := newMerger(readers)
	prog := newProgress(cfg.Progress, totalMsgs)
	var clock time.Duration // bag time played so far, gaps capped at MaxGap
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
			return fail(fmt.Errorf("replay: read: %w", err))
		}
		sum.MessagesRead++
		sum.BytesRead += int64(len(m.Data))
		if bagStart < 0 {
			bagStart, prev = m.LogTime, m.LogTime
		}
		bagEnd = m.LogTime
		step := time.Duration(m.LogTime - prev)
		if step > cfg.MaxGap || step < -cfg.MaxGap {
			if sum.GapCount++; len(sum.TimeGaps) < 10 {
				sum.TimeGaps = append(sum.TimeGaps, TimeGap{LogTime: m.LogTime, Topic: m.Topic, Seconds: step.Seconds()})
			}
			cfg.Log.Warn("replay: jump in log time", "topic", m.Topic, "log_time", m.LogTime, "seconds", step.Seconds())
			step = min(max(step, 0), cfg.MaxGap)
		}
		clock += max(step, 0)
		prev = m.LogTime
		if !cfg.Fast {
			due := wallStart.Add(time.Duration(float64(clock) / cfg.Rate))
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
				return fail(err)
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
		msg.Type, msg.Data, msg.ReceiveTime = m.Type, m.Data, m.LogTime
		for i, rn := range runners {
			own, ok := rn.inputs[m.Topic]
			if !ok {
				continue
			}
			consumed = true
			msg.Topic = own
			rn.stats.In(m.Topic) // counted under the resolved name, after remapping
			if err := handle(rn, msg, pubs[i]); err != nil {
				reason := node.DropReason(err)
				rn.stats.Drop(reason, err)
				// Every dropped frame is named: node, topic, log time, reason.
				if sum.DropCount++; len(sum.Drops) < maxDropsListed {
					sum.Drops = append(sum.Drops, DroppedFrame{Node: rn.name, Topic: m.Topic, LogTime: m.LogTime, Reason: reason, Error: firstLine(err.Error())})
				}
				cfg.Log.Warn("replay: frame dropped", "node", rn.name, "topic", m.Topic, "log_time", m.LogTime, "reason", reason, "err", err)
			}
			if r.writeErr != nil {
				return fail(r.writeErr)
			}
		}
		if !consumed {
			sum.Unconsumed[m.Topic]++
		}
		prog.update(sum.MessagesRead, m.LogTime-bagStart)
	}
	prog.done(sum.MessagesRead)
	if bagStart >= 0 {
		sum.BagSeconds = float64(bagEnd-bagStart) / 1e9
	}
	sum.WallSeconds = time.Since(wallStart).Seconds()
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("replay: interrupted: %w", err))
	}
	finish(sum, runners, readers)
	for i, rd := range readers {
		if err := rd.Status(); errors.Is(err, bag.ErrEmpty) {
			return fail(fmt.Errorf("replay: %s: %w", cfg.Inputs[i], err))
		}
	}
	if err := idle(sum, runners, readers); err != nil {
		return fail(err)
	}
	if r.w != nil {
		w := r.w
		r.w = nil
		err := w.Close()
		sum.MessagesWritten = w.MessageCount()
		if err != nil {
			sum.Partial = partial
			return sum, fmt.Errorf("replay: finish %s: %w (partial output kept at %s)", cfg.Output, err, partial)
		}
		if err := os.Rename(partial, cfg.Output); err != nil {
			sum.Partial = partial
			return sum, fmt.Errorf("replay: %w (complete output kept at %s)", err, partial)
		}
	}
	return sum, nil
}

// startNode builds one node with its parameters and topic remapping.
func startNode(cfg Config, name string, buffer *tf.Buffer, warnings *[]string) (*runner, error) {
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
	// As the live node: a name only a file gives that the node does not
	// declare is ignored with a warning; a -p of one is an error.
	ps := param.Layered(name, values, cfg.Params[name])
	node.DeclareDriverParams(ps) // live-only settings; accepted so one params file serves both
	st := node.NewStats()
	remap := map[string]string{}
	for _, m := range []map[string]string{cfg.Remap[""], cfg.Remap[name]} {
		for from, to := range m {
			remap[ResolveTopic(from, name)] = ResolveTopic(to, name)
		}
	}
	// The node names topics in its messages as the bag and output have them.
	resolve := func(topic string) string {
		r := ResolveTopic(topic, name)
		if to, ok := remap[r]; ok {
			return to
		}
		return r
	}
	n, err := f(node.Env{Name: name, Params: ps, TF: buffer, Stats: st, Log: cfg.Log.With("node", name), Root: cfg.Root, Resolve: resolve})
	if err != nil {
		return nil, fmt.Errorf("replay: start %s: %w", name, err)
	}
	if err := ps.Err(); err != nil {
		n.Close()
		return nil, fmt.Errorf("replay: %w", err)
	}
	if w := ps.Warning(); w != "" {
		cfg.Log.Warn(w, "node", name)
		*warnings = append(*warnings, "node "+name+": "+w)
	}
	rn := &runner{name: name, n: n, stats: st, inputs: map[string]string{}, remap: remap}
	for _, t := range n.Inputs() {
		own := ResolveTopic(t.Name, name)
		bagTopic := own
		if to, ok := rn.remap[own]; ok {
			bagTopic = to
		}
		rn.inputs[bagTopic] = t.Name
	}
	return rn, nil
}

// topicTypes lists each topic's types across the bags, with the bag each
// came from when there are several.
func topicTypes(paths []string, readers []*bag.Reader) (map[string][]string, error) {
	out := map[string][]string{}
	for i, rd := range readers {
		for _, t := range rd.Topics() {
			have := out[t.Name]
			known := false
			for _, h := range have {
				known = known || strings.HasPrefix(h, t.Type+" ")
			}
			if !known {
				out[t.Name] = append(have, t.Type+" ("+paths[i]+")")
			}
		}
	}
	return out, nil
}

// finish fills the summary's per-node and per-reader accounts.
func finish(sum *Summary, runners []*runner, readers []*bag.Reader) {
	clear(sum.SkippedRecords)
	sum.Damage = sum.Damage[:0]
	for _, rd := range readers {
		for k, v := range rd.SkipCounts() {
			sum.SkippedRecords[k] += v
		}
		sum.Damage = append(sum.Damage, rd.Damage()...)
	}
	sum.Nodes = sum.Nodes[:0]
	for _, rn := range runners {
		sum.Nodes = append(sum.Nodes, NodeSummary{Name: rn.name, Summary: rn.stats.Snapshot()})
	}
}

// idle is the error for a run in which a node did nothing useful: it
// received no input (it names the node's topics, the bag's topics of the
// same types and the -r that connects them) or processed none.
func idle(sum *Summary, runners []*runner, readers []*bag.Reader) error {
	byType := map[string][]string{}
	for _, rd := range readers {
		for _, t := range rd.Topics() {
			if !slices.Contains(byType[t.Type], t.Name) {
				byType[t.Type] = append(byType[t.Type], t.Name)
			}
		}
	}
	var problems []string
	for i, rn := range runners {
		s := sum.Nodes[i].Summary
		if s.TotalIn() > 0 {
			if s.TotalIn() == s.TotalDropped() {
				problems = append(problems, fmt.Sprintf("node %s processed none of its %d input messages (dropped: %s)", rn.name, s.TotalIn(), formatCounts64(s.Dropped)))
			}
			continue
		}
		var wants, hints []string
		for _, t := range rn.n.Inputs() {
			own := ResolveTopic(t.Name, rn.name)
			from := own
			for bagTopic, o := range rn.inputs {
				if o == t.Name {
					from = bagTopic
				}
			}
			wants = append(wants, fmt.Sprintf("%s (%s)", from, t.Type))
			for _, have := range byType[t.Type] {
				if have != from {
					hints = append(hints, fmt.Sprintf("-r %s:%s:=%s", rn.name, own, have))
				}
			}
		}
		p := fmt.Sprintf("node %s received no messages: it subscribes to %s", rn.name, strings.Join(wants, ", "))
		if len(hints) > 0 {
			p += "; the bags have those types on other topics: connect them with " + strings.Join(hints, " ")
		} else {
			p += "; the bags have no topic of those types"
		}
		problems = append(problems, p)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("replay: %s", strings.Join(problems, "; "))
}

func formatCounts64(m map[string]int64) string {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = int(v)
	}
	return formatCounts(c)
}

// PartialName is where Run writes output before renaming it to output when
// the run completes; a failed run leaves it there.
func PartialName(output string) string {
	ext := filepath.Ext(output)
	return strings.TrimSuffix(output, ext) + ".partial" + ext
}

// CheckOutput refuses an output that is one of the inputs (same path or
// same file) or lies inside an input directory, before anything is opened
// for writing.
func CheckOutput(output string, inputs []string) error {
	out, err := filepath.Abs(output)
	if err != nil {
		return fmt.Errorf("replay: output %s: %w", output, err)
	}
	outInfo, outErr := os.Stat(out)
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			return fmt.Errorf("replay: input %s: %w", in, err)
		}
		if abs == out {
			return fmt.Errorf("replay: the output %s is also an input; write elsewhere", output)
		}
		info, err := os.Stat(abs)
		if err != nil {
			continue // bag.Open reports it
		}
		if outErr == nil && os.SameFile(info, outInfo) {
			return fmt.Errorf("replay: the output %s is the input %s (same file); write elsewhere", output, in)
		}
		if info.IsDir() {
			if rel, err := filepath.Rel(abs, out); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return fmt.Errorf("replay: the output %s lies inside the input bag directory %s; write elsewhere", output, in)
			}
			if outErr == nil {
				entries, _ := os.ReadDir(abs)
				for _, e := range entries {
					if fi, err := os.Stat(filepath.Join(abs, e.Name())); err == nil && os.SameFile(fi, outInfo) {
						return fmt.Errorf("replay: the output %s is a file of the input bag %s; write elsewhere", output, in)
					}
				}
			}
		}
	}
	return nil
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
	for _, x := range s.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", x)
	}
	if len(s.SkippedRecords) > 0 {
		fmt.Fprintf(w, "  skipped damaged records: %s\n", formatCounts(s.SkippedRecords))
		for i, d := range s.Damage {
			if i == 5 {
				fmt.Fprintf(w, "    … %d more (all of them in --json)\n", len(s.Damage)-i)
				break
			}
			fmt.Fprintf(w, "    %s\n", d)
		}
	}
	if s.GapCount > 0 {
		fmt.Fprintf(w, "  %d jumps in log time over --max-gap:", s.GapCount)
		for _, g := range s.TimeGaps {
			fmt.Fprintf(w, " %+.3g s before %s at %d;", g.Seconds, g.Topic, g.LogTime)
		}
		fmt.Fprintln(w)
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
	for i, d := range s.Drops {
		if i == 0 {
			fmt.Fprintf(w, "  %d frames dropped, the first:\n", s.DropCount)
		}
		if i == 5 {
			fmt.Fprintf(w, "    … %d more (up to %d of them in --json)\n", s.DropCount-i, maxDropsListed)
			break
		}
		fmt.Fprintf(w, "    %s %s at %d: %s: %s\n", d.Node, d.Topic, d.LogTime, d.Reason, d.Error)
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
