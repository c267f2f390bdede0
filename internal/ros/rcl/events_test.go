//go:build ros2

package rcl

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

// spinWhile spins n in the background until the returned stop is called.
func spinWhile(t *testing.T, n *Node) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Spin(ctx) }()
	return func() { cancel(); <-done }
}

// TestSequenceGaps: messages overwritten in a subscription's history before
// the node took them are counted from the publisher's sequence numbers, so
// published = received + lost; rmw's message-lost event is read as well.
func TestSequenceGaps(t *testing.T) {
	n, err := NewNode("gap_probe", "/gopercept_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	pub, err := n.NewPublisher("gaps", std_msgs.HeaderTypeName, Reliable(100))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []MessageInfo
	// Depth 1: while the node does not spin, each new message replaces the
	// one waiting, as a busy callback would see under load.
	sub, err := n.NewSubscription("gaps", std_msgs.HeaderTypeName, Reliable(1), func(_ []byte, info MessageInfo) {
		mu.Lock()
		got = append(got, info)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if sub.ResolvedName() != "/gopercept_test/gaps" || pub.ResolvedName() != "/gopercept_test/gaps" {
		t.Fatalf("resolved names %q, %q", sub.ResolvedName(), pub.ResolvedName())
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	waitFor(t, 10*time.Second, "the pair to match", func() bool { k, _ := pub.SubscriptionCount(); return k == 1 })
	stop := spinWhile(t, n)
	published := 0
	waitFor(t, 10*time.Second, "a first message", func() bool {
		if count() > 0 {
			return true
		}
		published++
		pub.PublishMessage(&std_msgs.Header{FrameID: "first"})
		time.Sleep(50 * time.Millisecond)
		return false
	})
	time.Sleep(200 * time.Millisecond) // let a second "first" in flight arrive
	stop()
	before := count()
	for i := 0; i < 10; i++ {
		if err := pub.PublishMessage(&std_msgs.Header{FrameID: "burst"}); err != nil {
			t.Fatal(err)
		}
		published++
	}
	time.Sleep(300 * time.Millisecond)
	stop = spinWhile(t, n)
	waitFor(t, 10*time.Second, "the burst's last message", func() bool { return count() > before })
	time.Sleep(200 * time.Millisecond)
	stop()

	mu.Lock()
	defer mu.Unlock()
	var lost int64
	for _, in := range got {
		if in.Sequence == 0 {
			t.Fatal("Fast DDS gives sequence numbers; got none")
		}
		lost += in.Lost
	}
	last := got[len(got)-1]
	if last.Sequence != uint64(published) {
		t.Errorf("last sequence %d, published %d", last.Sequence, published)
	}
	if int64(len(got))+lost != int64(published) || lost < 9 {
		t.Errorf("received %d + lost %d != published %d (want the 9 overwritten counted)", len(got), lost, published)
	}
	st, err := sub.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.LostTotal < 0 {
		t.Error("rmw_fastrtps has a message-lost event; Status reports none")
	}
	if st.Unmatched != 0 || st.IncompatibleTotal != 0 {
		t.Errorf("status %+v for a compatible pair", st)
	}
}

// TestIncompatibleQoSEvents: both ends of an incompatible pair get rcl's
// incompatible-QoS events naming the policy, and the state clears once the
// peer leaves.
func TestIncompatibleQoSEvents(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := c.NewNode("qos_events_sub", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.NewNode("qos_events_pub", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.NewSubscription("/gopercept_test/qos_events", std_msgs.HeaderTypeName, TransientLocal(10), func([]byte, MessageInfo) {})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := b.NewPublisher("/gopercept_test/qos_events", std_msgs.HeaderTypeName, Reliable(10))
	if err != nil {
		t.Fatal(err)
	}
	var subQ, pubQ IncompatibleQoS
	waitFor(t, 10*time.Second, "incompatible-QoS events on both ends", func() bool {
		ss, err := sub.Status()
		if err != nil {
			t.Fatal(err)
		}
		ps, err := pub.Status()
		if err != nil {
			t.Fatal(err)
		}
		subQ.Update(ss)
		pubQ.Update(ps)
		return subQ.Active && pubQ.Active
	})
	if subQ.Policy != "DURABILITY" || pubQ.Policy != "DURABILITY" {
		t.Errorf("policies %q, %q; want DURABILITY", subQ.Policy, pubQ.Policy)
	}
	// Still incompatible while the peer stays.
	for i := 0; i < 5; i++ {
		ss, _ := sub.Status()
		subQ.Update(ss)
		time.Sleep(100 * time.Millisecond)
	}
	if !subQ.Active {
		t.Fatal("incompatibility cleared while the peer is still there")
	}
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the incompatibility to clear after the publisher left", func() bool {
		ss, err := sub.Status()
		if err != nil {
			t.Fatal(err)
		}
		subQ.Update(ss)
		return !subQ.Active
	})
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Status(); err == nil {
		t.Error("Status of a closed subscription did not fail")
	}
}
