//go:build ros2

package rcl

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// picNode republishes each cloud on /lazytest/out, and on /lazytest/pic
// only while node.Wanted says someone subscribes there, counting both.
type picNode struct{}

var picSent, picSkipped atomic.Int64

func (p *picNode) Inputs() []node.Topic {
	return []node.Topic{{Name: "/lazytest/in", Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
}
func (p *picNode) Outputs() []node.Topic {
	return []node.Topic{{Name: "/lazytest/out", Type: sensor_msgs.PointCloud2TypeName}, {Name: "/lazytest/pic", Type: sensor_msgs.ImageTypeName}}
}
func (p *picNode) Close() error { return nil }
func (p *picNode) Handle(in *node.Msg, pub node.Publisher) error {
	if err := pub.Publish("/lazytest/out", testCloud()); err != nil {
		return err
	}
	if !node.Wanted(pub, "/lazytest/pic") {
		picSkipped.Add(1)
		return nil
	}
	picSent.Add(1)
	return pub.Publish("/lazytest/pic", &sensor_msgs.Image{Width: 1, Height: 1, Encoding: "mono8", Step: 1, Data: []byte{7}})
}

func init() {
	node.Register("lazytest", func(env node.Env) (node.Node, error) {
		return &picNode{}, nil
	})
}

// TestListenedLive: through rcl, the live publisher tells a node that an
// output has no subscriber (node.Wanted false, nothing rendered) and that
// it has one as soon as a subscription matches.
func TestListenedLive(t *testing.T) {
	defer startNode(t, RunConfig{Node: "lazytest"})()
	tn, err := NewNode("lazytest_peer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	in, err := tn.NewPublisher("/lazytest/in", sensor_msgs.PointCloud2TypeName, SensorData())
	if err != nil {
		t.Fatal(err)
	}
	var outs, pics atomic.Int64
	out, err := tn.NewSubscription("/lazytest/out", sensor_msgs.PointCloud2TypeName, Reliable(10), func([]byte, MessageInfo) { outs.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	// Cleanup in order: stop spinning, then close the subscriptions.
	var stopSpin func()
	closers := []func(){func() { out.Close() }}
	defer func() {
		if stopSpin != nil {
			stopSpin()
		}
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	spin := func() func() { return spinPeer(context.Background(), tn) }
	stopSpin = spin()

	feed := func(what string, ok func() bool) {
		t.Helper()
		waitFor(t, 20*time.Second, what, func() bool {
			_ = in.PublishMessage(testCloud())
			time.Sleep(100 * time.Millisecond)
			return ok()
		})
	}
	feed("three outputs with no picture subscriber", func() bool { return outs.Load() >= 3 })
	if s, k := picSent.Load(), picSkipped.Load(); s != 0 || k == 0 {
		t.Fatalf("no picture subscriber: %d pictures sent, %d skipped; want 0 sent", s, k)
	}

	stopSpin()
	stopSpin = nil
	sub, err := tn.NewSubscription("/lazytest/pic", sensor_msgs.ImageTypeName, Reliable(10), func([]byte, MessageInfo) { pics.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	closers = append(closers, func() { sub.Close() })
	stopSpin = spin()
	feed("pictures once subscribed", func() bool { return pics.Load() >= 2 })
	// Nodes ask every frame: the count must not allocate.
	if a := testing.AllocsPerRun(50, func() { _, _ = in.SubscriptionCount() }); a != 0 {
		t.Errorf("SubscriptionCount allocates %v a call", a)
	}
	if picSent.Load() < 2 {
		t.Errorf("%d pictures sent once subscribed", picSent.Load())
	}
}
