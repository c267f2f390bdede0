package node

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// latencyWindow keeps the last samples of one stage in a ring, so that
// recording is allocation-free after the first lap.
const latencyWindow = 2048

type stage struct {
	ring  []time.Duration
	next  int
	count int64
	max   time.Duration
}

// Stats counts one node's frames. It is safe for concurrent use.
//
// A driver accounts for every input message of a topic: received (In) =
// processed (Processed) + dropped (DropTopic, by reason: "stale" when a
// newer frame superseded it, "queue full" when a queued input's oldest
// message made room for a new one (Topic.Queue), or the reason Handle
// gave) + still queued.
// Messages that never reached the node are counted apart (Lost), so that
// published = received + lost.
type Stats struct {
	mu        sync.Mutex
	in        map[string]int64
	out       map[string]int64
	dropped   map[string]int64
	byTopic   map[string]map[string]int64 // topic → reason → drops; "" for drops with no topic
	processed map[string]int64
	lost      map[string]int64
	lostRMW   map[string]int64
	stages    map[string]*stage
	order     []string
	lastError string
	extra     map[string]string
	numbers   map[string]*numberFact
}

// numberFact is a fact kept as numbers and formatted when a snapshot is
// taken, so that a node can update it every frame without allocating.
type numberFact struct {
	format string
	args   [4]float64
	n      int
}

// NewStats returns empty statistics.
func NewStats() *Stats {
	return &Stats{in: map[string]int64{}, out: map[string]int64{}, dropped: map[string]int64{},
		byTopic: map[string]map[string]int64{}, processed: map[string]int64{}, lost: map[string]int64{}, lostRMW: map[string]int64{},
		stages: map[string]*stage{}, extra: map[string]string{}, numbers: map[string]*numberFact{}}
}

// In counts an input frame on topic.
func (s *Stats) In(topic string) {
	s.mu.Lock()
	s.in[topic]++
	s.mu.Unlock()
}

// Out counts an output message on topic.
func (s *Stats) Out(topic string) {
	s.mu.Lock()
	s.out[topic]++
	s.mu.Unlock()
}

// Drop counts a dropped input with its reason and remembers the error. The
// drop is not tied to a topic (a node's deferred drop, or replay); drivers
// that know the topic use DropTopic.
func (s *Stats) Drop(reason string, err error) { s.DropTopic("", reason, err) }

// DropTopic counts a dropped input of topic with its reason and remembers
// the error.
func (s *Stats) DropTopic(topic, reason string, err error) {
	s.mu.Lock()
	s.dropped[reason]++
	m := s.byTopic[topic]
	if m == nil {
		m = map[string]int64{}
		s.byTopic[topic] = m
	}
	m[reason]++
	if err != nil {
		s.lastError = err.Error()
	}
	s.mu.Unlock()
}

// Processed counts an input of topic that the node handled without error.
func (s *Stats) Processed(topic string) {
	s.mu.Lock()
	s.processed[topic]++
	s.mu.Unlock()
}

// Lost counts n messages of topic that were published but never reached
// the node (sequence gaps, or the middleware's message-lost count where it
// gives no sequence numbers).
func (s *Stats) Lost(topic string, n int64) {
	s.mu.Lock()
	s.lost[topic] += n
	s.mu.Unlock()
}

// LostRMW records the middleware's own total of lost messages on topic (its
// message-lost event), reported beside Lost: the middleware does not count
// messages its history overwrote before the node took them.
func (s *Stats) LostRMW(topic string, total int64) {
	s.mu.Lock()
	s.lostRMW[topic] = total
	s.mu.Unlock()
}

// Stage records the latency of one pipeline stage ("decode", "projection",
// "inference", ...; "total" for the whole frame).
func (s *Stats) Stage(name string, d time.Duration) {
	s.mu.Lock()
	st := s.stages[name]
	if st == nil {
		st = &stage{ring: make([]time.Duration, 0, latencyWindow)}
		s.stages[name] = st
		s.order = append(s.order, name)
	}
	if len(st.ring) < latencyWindow {
		st.ring = append(st.ring, d)
	} else {
		st.ring[st.next] = d
		st.next = (st.next + 1) % latencyWindow
	}
	st.count++
	st.max = max(st.max, d)
	s.mu.Unlock()
}

// Timer starts timing a stage; call the returned function when it ends.
func (s *Stats) Timer(name string) func() {
	t0 := time.Now()
	return func() { s.Stage(name, time.Since(t0)) }
}

// Set records a fact for /diagnostics, e.g. ("execution_provider", "CPU").
func (s *Stats) Set(key, value string) {
	s.mu.Lock()
	s.extra[key] = value
	delete(s.numbers, key)
	s.mu.Unlock()
}

// SetNumbers records a fact made of up to four numbers, formatted with
// format (float64 verbs such as "%.0f") when a snapshot is taken: a
// per-frame count then costs no allocation.
func (s *Stats) SetNumbers(key, format string, args ...float64) {
	if len(args) > len(numberFact{}.args) {
		panic("node: SetNumbers takes at most four numbers")
	}
	s.mu.Lock()
	f := s.numbers[key]
	if f == nil {
		f = &numberFact{}
		s.numbers[key] = f
		delete(s.extra, key)
	}
	f.format = format
	f.n = copy(f.args[:], args)
	s.mu.Unlock()
}

// StageSummary is one stage's latency in milliseconds over the last
// samples (max over all).
type StageSummary struct {
	Name  string  `json:"name"`
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	Max   float64 `json:"max_ms"`
}

// Summary is a snapshot of Stats.
type Summary struct {
	In      map[string]int64 `json:"frames_in"`
	Out     map[string]int64 `json:"frames_out"`
	Dropped map[string]int64 `json:"dropped"`
	// DroppedBy splits the drops by topic, then reason ("" topic: drops a
	// node counted itself).
	DroppedBy map[string]map[string]int64 `json:"dropped_by_topic,omitempty"`
	Processed map[string]int64            `json:"processed,omitempty"`
	Lost      map[string]int64            `json:"lost,omitempty"`
	LostRMW   map[string]int64            `json:"lost_rmw,omitempty"`
	Stages    []StageSummary              `json:"stages"`
	LastError string                      `json:"last_error,omitempty"`
	Facts     map[string]string           `json:"facts,omitempty"`
}

// TotalIn returns the number of input frames.
func (s Summary) TotalIn() int64 { return sum(s.In) }

// TotalOut returns the number of output messages.
func (s Summary) TotalOut() int64 { return sum(s.Out) }

// TotalDropped returns the number of dropped inputs.
func (s Summary) TotalDropped() int64 { return sum(s.Dropped) }

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// Snapshot returns the current statistics.
func (s *Stats) Snapshot() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Summary{In: copyMap(s.in), Out: copyMap(s.out), Dropped: copyMap(s.dropped), LastError: s.lastError, Facts: map[string]string{},
		Processed: copyMap(s.processed), Lost: copyMap(s.lost), LostRMW: copyMap(s.lostRMW), DroppedBy: map[string]map[string]int64{}}
	for t, m := range s.byTopic {
		out.DroppedBy[t] = copyMap(m)
	}
	for k, v := range s.extra {
		out.Facts[k] = v
	}
	for k, f := range s.numbers {
		args := make([]any, f.n)
		for i := range args {
			args[i] = f.args[i]
		}
		out.Facts[k] = fmt.Sprintf(f.format, args...)
	}
	for _, name := range s.order {
		st := s.stages[name]
		sorted := append([]time.Duration(nil), st.ring...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		out.Stages = append(out.Stages, StageSummary{Name: name, Count: st.count,
			P50: ms(quantile(sorted, 0.5)), P95: ms(quantile(sorted, 0.95)), Max: ms(st.max)})
	}
	return out
}

func copyMap(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// quantile uses the nearest-rank method on sorted samples.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
