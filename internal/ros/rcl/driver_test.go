//go:build ros2

package rcl

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/diagnostic_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
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
	spin := func() func() { return spinPeer(ctx, tn) }
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
	const inStatus, outStatus = "drivertest: input /drivertest/in", "drivertest: output /drivertest/out"
	waitFor(t, 20*time.Second, "three outputs and a diagnostic naming the broken cloud", func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(outs) < 3 {
			return false
		}
		for _, d := range diags {
			if d.Name == inStatus && d.Level == diagnostic_msgs.DiagnosticStatus_WARN && strings.Contains(d.Message, "(decode 1)") {
				return true
			}
		}
		return false
	})
	// Good clouds only: the level reflects the last period, so it recovers.
	n0 := len(diags)
	recovered := false
	for i := 0; i < 30 && !recovered; i++ {
		if err := in.PublishMessage(good); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		for _, d := range diags[n0:] {
			recovered = recovered || (d.Name == inStatus && d.Level == diagnostic_msgs.DiagnosticStatus_OK && i > 5)
		}
		mu.Unlock()
	}
	if !recovered {
		t.Error("the input's status did not return to OK while only good clouds came")
	}
	mu.Lock()
	for _, o := range outs {
		if o.Header.FrameID != "base_link" || o.Header.Stamp != stamp || len(o.Data) != len(good.Data) {
			mu.Unlock()
			t.Fatalf("output %+v", o.Header)
		}
	}
	last := map[string]diagnostic_msgs.DiagnosticStatus{}
	for _, d := range diags {
		last[d.Name] = d
	}
	nOut := len(outs)
	mu.Unlock()
	joined := func(d diagnostic_msgs.DiagnosticStatus) string {
		var keys []string
		for _, kv := range d.Values {
			keys = append(keys, kv.Key+"="+kv.Value)
		}
		return strings.Join(keys, "; ")
	}
	// Every received cloud is either processed or dropped (nothing is
	// pending between frames 100 ms apart).
	st := joined(last[inStatus])
	var received, processed int
	for _, kv := range last[inStatus].Values {
		switch kv.Key {
		case "received":
			received, _ = strconv.Atoi(kv.Value)
		case "processed":
			processed, _ = strconv.Atoi(kv.Value)
		}
	}
	if received < 9 || processed != received-3 || !strings.Contains(st, "dropped decode=3") || !strings.Contains(st, "lost=0") {
		t.Errorf("input status: %s", st)
	}
	// Each processed cloud was published once; the peer got them all (reliable).
	if o := joined(last[outStatus]); !strings.Contains(o, fmt.Sprintf("messages=%d", processed)) || nOut < processed {
		t.Errorf("output status: %s (processed %d, peer received %d)", o, processed, nOut)
	}
	if p := joined(last["drivertest: processing"]); !strings.Contains(p, "latency message") {
		t.Errorf("processing status: %s", p)
	}
	for _, name := range []string{"drivertest: /tf", "drivertest: /tf_static", "drivertest: output /diagnostics"} {
		if d, ok := last[name]; !ok || d.Level != diagnostic_msgs.DiagnosticStatus_OK {
			t.Errorf("status %q: %+v", name, d)
		}
	}
	if tfs := joined(last["drivertest: /tf_static"]); !strings.Contains(tfs, "received=1") {
		t.Errorf("/tf_static status: %s", tfs)
	}
	// Silence: after stalePeriods periods (0.2 s each) the input is stale.
	waitFor(t, 10*time.Second, "the silent input reported stale", func() bool {
		mu.Lock()
		defer mu.Unlock()
		d := diags[len(diags)-1]
		for _, d2 := range diags[len(diags)-min(len(diags), 8):] {
			if d2.Name == inStatus {
				d = d2
			}
		}
		return d.Name == inStatus && d.Level == diagnostic_msgs.DiagnosticStatus_WARN && strings.Contains(d.Message, "stale: no message for")
	})
}

// spinPeer spins tn until the returned stop is called, and stop waits for
// Spin to return: closing a node or its endpoints while it spins crashes
// rcl.
func spinPeer(ctx context.Context, tn *Node) (stop func()) {
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); tn.Spin(c) }()
	return func() { cancel(); <-done }
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
