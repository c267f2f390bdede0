//go:build ros2

package rcl

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/testfix"
)

// gateNode records every message it is handed; a trigger message blocks
// in Handle until the test lets it go, so the test controls when the node
// is busy.
type gateNode struct {
	busy chan struct{} // receives when a trigger's Handle starts
	gate chan struct{} // a trigger's Handle returns on a receive
	mu   sync.Mutex
	got  []string // topic:payload in delivery order
}

func (g *gateNode) Inputs() []node.Topic {
	return []node.Topic{{Name: "trigger", Type: "std_msgs/msg/String"}, {Name: "cam", Type: "std_msgs/msg/String", Queue: 4}}
}
func (g *gateNode) Outputs() []node.Topic { return nil }
func (g *gateNode) Close() error          { return nil }
func (g *gateNode) Handle(in *node.Msg, _ node.Publisher) error {
	g.mu.Lock()
	g.got = append(g.got, in.Topic+":"+string(in.Data)) // a copy: Data is the driver's buffer
	g.mu.Unlock()
	if in.Topic == "trigger" {
		g.busy <- struct{}{}
		<-g.gate
	}
	return nil
}

func (g *gateNode) delivered() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.got...)
}

// TestQueuedInputDelivery drives the live driver's input handling and
// worker directly (no graph): while the node is busy with a trigger, a
// queued input's messages are all delivered afterwards, in arrival order
// among the inputs, while the latest-only trigger keeps its newest; past
// the queue's depth the oldest are dropped and counted as "queue full".
func TestQueuedInputDelivery(t *testing.T) {
	g := &gateNode{busy: make(chan struct{}), gate: make(chan struct{})}
	stats := node.NewStats()
	d := &driver{n: g, stats: stats, wake: make(chan struct{}, 1)}
	d.active.Store(true)
	for _, tp := range g.Inputs() {
		d.slots = append(d.slots, newSlot(tp, "/"+tp.Name))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go d.worker(ctx, done)
	defer func() { cancel(); <-done }()

	// rcl hands each callback the same buffer, rewritten: the driver must
	// copy, or every delivered message would read as the last.
	buf := make([]byte, 0, 16)
	send := func(i int, payload string) {
		buf = append(buf[:0], payload...)
		d.onInput(i, buf, MessageInfo{Sequence: 1})
		clear(buf[:cap(buf)])
	}
	const trig, cam = 0, 1
	waitBusy := func() {
		select {
		case <-g.busy:
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not hand the node its trigger")
		}
	}
	release := func() {
		select {
		case g.gate <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatal("the node is not waiting in a trigger")
		}
	}

	// Round 1: the queue (depth 4) is filled, not overrun; t1 is superseded.
	send(trig, "t0")
	waitBusy()
	send(cam, "c1")
	send(cam, "c2")
	send(trig, "t1")
	send(cam, "c3")
	send(trig, "t2")
	send(cam, "c4")
	release() // t0 returns; c1, c2, c3 follow, then t2 (busy again)
	waitBusy()
	// Round 2, while t2 is being handled: c4 is queued; five more make
	// six in a queue of four, so c4 and c5 go.
	for k := 5; k <= 9; k++ {
		send(cam, fmt.Sprintf("c%d", k))
	}
	release() // t2 returns; c6–c9 follow
	waitFor(t, 10*time.Second, "every queued message delivered", func() bool { return len(g.delivered()) >= 9 })
	time.Sleep(50 * time.Millisecond) // anything more would be a defect

	want := []string{"trigger:t0", "cam:c1", "cam:c2", "cam:c3", "trigger:t2", "cam:c6", "cam:c7", "cam:c8", "cam:c9"}
	if got := g.delivered(); !reflect.DeepEqual(got, want) {
		t.Errorf("delivered\n %v\nwant\n %v", got, want)
	}
	s := stats.Snapshot()
	// received = processed + dropped, per input, exactly.
	for _, c := range []struct {
		topic, reason        string
		in, processed, drops int64
	}{
		{"/trigger", "stale", 3, 2, 1},
		{"/cam", "queue full", 9, 7, 2},
	} {
		if s.In[c.topic] != c.in || s.Processed[c.topic] != c.processed || s.DroppedBy[c.topic][c.reason] != c.drops || len(s.DroppedBy[c.topic]) != 1 {
			t.Errorf("%s: received %d processed %d dropped %v, want %d, %d, %s %d", c.topic, s.In[c.topic], s.Processed[c.topic], s.DroppedBy[c.topic], c.in, c.processed, c.reason, c.drops)
		}
	}
}

// TestQueuedInputNoAllocs checks that once a queued input's buffers have
// grown, receiving (with and without overflow) and handing out messages
// allocate nothing.
func TestQueuedInputNoAllocs(t *testing.T) {
	d := &driver{stats: node.NewStats(), wake: make(chan struct{}, 1)}
	d.active.Store(true)
	d.slots = []*slot{newSlot(node.Topic{Name: "cam", Queue: 4}, "/cam")}
	msg := make([]byte, 4096)
	s := d.slots[0]
	cycle := func() {
		for k := 0; k < 6; k++ { // two past the depth: two drops
			d.onInput(0, msg, MessageInfo{Sequence: 1})
		}
		for len(d.pending) > 0 { // the worker's side
			d.pending = removeFirst(d.pending, d.pending[0])
			if data, _ := s.pop(); len(data) != len(msg) {
				t.Fatalf("popped %d bytes, want %d", len(data), len(msg))
			}
		}
	}
	cycle() // buffers grow, counters' keys appear
	if n := testing.AllocsPerRun(50, cycle); n != 0 {
		t.Errorf("%.1f allocations per cycle of 6 messages in and 4 out, want 0", n)
	}
}

// threadNode records the OS thread of every Handle and blocks in each
// (testfix.Block), which lets the Go scheduler move an unlocked goroutine.
type threadNode struct {
	tids    []int
	handled chan struct{}
}

func (n *threadNode) Inputs() []node.Topic {
	return []node.Topic{{Name: "in", Type: "std_msgs/msg/String"}}
}
func (n *threadNode) Outputs() []node.Topic { return nil }
func (n *threadNode) Close() error          { return nil }
func (n *threadNode) Handle(*node.Msg, node.Publisher) error {
	testfix.Block()
	n.tids = append(n.tids, syscall.Gettid())
	n.handled <- struct{}{}
	return nil
}

// TestWorkerStaysOnOneThread checks that the worker calls every Handle
// from one OS thread: ONNX Runtime's intra-op pool ran models at their
// one-thread speed when the calling thread changed from run to run.
func TestWorkerStaysOnOneThread(t *testing.T) {
	n := &threadNode{handled: make(chan struct{})}
	d := &driver{n: n, stats: node.NewStats(), wake: make(chan struct{}, 1)}
	d.active.Store(true)
	d.slots = append(d.slots, newSlot(n.Inputs()[0], "/in"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go d.worker(ctx, done)
	defer func() { cancel(); <-done }()
	const frames = 200
	for i := range frames {
		d.onInput(0, []byte("x"), MessageInfo{Sequence: uint64(i + 1)})
		select {
		case <-n.handled:
		case <-time.After(10 * time.Second):
			t.Fatalf("frame %d not handled", i)
		}
	}
	seen := map[int]int{}
	for _, tid := range n.tids {
		seen[tid]++
	}
	if len(seen) != 1 {
		t.Fatalf("Handle ran on %d OS threads (frames per thread id: %v), want one", len(seen), seen)
	}
}
