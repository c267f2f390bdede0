//go:build ros2

package ros2

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopercept/gopercept/cdr"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/rosmsg/tf2_msgs"
)

// echoBase is a test node: it decodes each cloud, checks that TF knows its
// frame at the cloud's stamp, and republishes it in base_link.
type echoBase struct {
	env node.Env
	pc  sensor_msgs.PointCloud2
}

func (e *echoBase) Inputs() []node.Topic {
	return []node.Topic{{Name: "/drivertest/in", Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
}
func (e *echoBase) Outputs() []node.Topic {
	return []node.Topic{{Name: "/drivertest/out", Type: sensor_msgs.PointCloud2TypeName}}
}
func (e *echoBase) Close() error { return nil }
func (e *echoBase) Handle(in *node.Msg, pub node.Publisher) error {
	if err := cdr.Unmarshal(in.Data, &e.pc); err != nil {
		return node.Dropf("decode", err)
	}
	if _, err := e.env.TF.Lookup("base_link", e.pc.Header.FrameID, node.StampNS(e.pc.Header.Stamp)); err != nil {
		return node.Dropf("tf", err)
	}
	e.pc.Header.FrameID = "base_link"
	return pub.Publish("/drivertest/out", &e.pc)
}

func init() {
	node.Register("drivertest", func(env node.Env) (node.Node, error) {
		env.Params.Float("gain", 1, "A parameter the test sets with -p.")
		return &echoBase{env: env}, nil
	})
}

func TestDriverLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, RunConfig{Node: "drivertest", Args: []string{"--ros-args", "-p", "gain:=2.5", "-p", "diagnostics_period:=0.2"}})
	}()
	defer func() {
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop on cancel")
		}
	}()

	tn, err := NewNode("drivertest_peer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	in, err := tn.NewPublisher("/drivertest/in", sensor_msgs.PointCloud2TypeName, SensorData())
	if err != nil {
		t.Fatal(err)
	}
	static, err := tn.NewPublisher("/tf_static", "tf2_msgs/msg/TFMessage", TransientLocal(1))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var outs []sensor_msgs.PointCloud2
	var diags []diagnostic_msgs.DiagnosticStatus
	outSub := func() *Subscription {
		s, err := tn.NewSubscription("/drivertest/out", sensor_msgs.PointCloud2TypeName, Reliable(10), func(b []byte, _ MessageInfo) {
			var pc sensor_msgs.PointCloud2
			if err := cdr.Unmarshal(b, &pc); err == nil {
				mu.Lock()
				outs = append(outs, pc)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := tn.NewSubscription("/diagnostics", diagnostic_msgs.DiagnosticArrayTypeName, Reliable(10), func(b []byte, _ MessageInfo) {
		var a diagnostic_msgs.DiagnosticArray
		if err := cdr.Unmarshal(b, &a); err == nil {
			mu.Lock()
			diags = append(diags, a.Status...)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	// Lazy: with no subscriber on the output the node must not subscribe
	// to its input.
	// spin runs the peer until the returned stop is called, and stop waits
	// for Spin to return: closing a node while it spins crashes rcl.
	spin := func() (stop func()) {
		c, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); tn.Spin(c) }()
		return func() { cancel(); <-done }
	}
	stopSpin := spin()
	time.Sleep(2 * time.Second)
	if n, _ := in.SubscriptionCount(); n != 0 {
		t.Fatalf("lazy node subscribed to its input with no output subscriber (%d)", n)
	}
	stopSpin()
	sub := outSub()
	defer sub.Close()
	stopSpin = spin()
	defer stopSpin()
	waitFor(t, 20*time.Second, "the node to subscribe once the output has a subscriber", func() bool {
		n, _ := in.SubscriptionCount()
		return n == 1
	})

	tfm := &tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{{Header: std_msgs.Header{Stamp: stamp, FrameID: "base_link"}, ChildFrameID: "lidar_top"}}}
	tfm.Transforms[0].Transform.Rotation.W = 1
	if err := static.PublishMessage(tfm); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	good := testCloud()
	bad := cdr.Marshal(good)
	bad = bad[:len(bad)-9]
	for i := 0; i < 3; i++ {
		if err := in.PublishMessage(good); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		if err := in.Publish(bad); err != nil { // truncated: the node must survive it
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, "three outputs and a diagnostic naming the broken cloud", func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(outs) < 3 {
			return false
		}
		for _, d := range diags {
			if d.Name == "gopercept/drivertest" && d.Level == diagnostic_msgs.DiagnosticStatus_WARN && strings.Contains(d.Message, "dropped (decode)") {
				return true
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	for _, o := range outs {
		if o.Header.FrameID != "base_link" || o.Header.Stamp != stamp || len(o.Data) != len(good.Data) {
			t.Fatalf("output %+v", o.Header)
		}
	}
	last := diags[len(diags)-1]
	var keys []string
	for _, kv := range last.Values {
		keys = append(keys, kv.Key+"="+kv.Value)
	}
	joined := strings.Join(keys, "; ")
	for _, want := range []string{"input /drivertest/in frames=6", "dropped decode=3", "output /drivertest/out messages=3", "latency message"} {
		if !strings.Contains(joined, want) {
			t.Errorf("diagnostics lack %q: %s", want, joined)
		}
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
