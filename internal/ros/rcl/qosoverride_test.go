//go:build ros2

package rcl

import (
	"context"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/tiiuae/rclgo/pkg/rclgo"
)

func TestApplyQoSOverride(t *testing.T) {
	ps := param.New("x", map[string]any{
		"qos_overrides./a.publisher.reliability":    "best_effort",
		"qos_overrides./a.publisher.durability":     "transient_local",
		"qos_overrides./a.publisher.history":        "keep_last",
		"qos_overrides./a.publisher.depth":          3,
		"qos_overrides./a.subscription.history":     "keep_all",
		"qos_overrides./b.subscription.reliability": "system_default",
		"qos_overrides./b.subscription.durability":  "system_default",
	})
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		topic string
		e     param.Entity
		want  QoS
		ok    bool
	}{
		{"/a", param.Publisher, QoS{Reliability: ReliabilityBestEffort, Durability: DurabilityTransientLocal, History: HistoryKeepLast, Depth: 3}, true},
		{"/a", param.Subscription, QoS{Reliability: ReliabilityReliable, Durability: DurabilityVolatile, History: HistoryKeepAll, Depth: 10}, true},
		{"/b", param.Subscription, QoS{Reliability: ReliabilitySystemDefault, Durability: DurabilitySystemDefault, Depth: 10}, true},
		{"/b", param.Publisher, Reliable(10), false},
		{"/c", param.Subscription, Reliable(10), false},
	} {
		got, ok := ApplyQoSOverride(ps, c.topic, c.e, Reliable(10))
		if got != c.want || ok != c.ok {
			t.Errorf("%s %s: %v (given %v), want %v (%v)", c.topic, c.e, got, ok, c.want, c.ok)
		}
	}
	p := QoS{Reliability: ReliabilitySystemDefault, Durability: DurabilitySystemDefault, History: HistoryKeepAll}.rcl()
	if p.Reliability != rclgo.ReliabilitySystemDefault || p.Durability != rclgo.DurabilitySystemDefault || p.History != rclgo.HistoryKeepAll {
		t.Errorf("rcl profile %+v", p)
	}
}

// qosNode has a relative input and an output under its name, so that the
// overrides must name them resolved: in the namespace, after remapping.
type qosNode struct{}

func (qosNode) Inputs() []node.Topic {
	return []node.Topic{{Name: "in", Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
}
func (qosNode) Outputs() []node.Topic {
	return []node.Topic{{Name: "~/out", Type: sensor_msgs.PointCloud2TypeName, QoS: node.Reliable}}
}
func (qosNode) Close() error                           { return nil }
func (qosNode) Handle(*node.Msg, node.Publisher) error { return nil }

func init() {
	node.Register("qostest", func(node.Env) (node.Node, error) { return qosNode{}, nil })
}

// TestQoSOverrideLive runs the driver with qos_overrides for its output
// (resolved under its namespace and name) and its remapped input, and
// reads the endpoints' QoS from the graph as another process sees it.
// Discovery carries reliability and durability, not history or depth.
func TestQoSOverrideLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, RunConfig{Node: "qostest", Args: []string{"--ros-args", "-r", "__ns:=/qosns", "-r", "in:=/remapped/in",
			"-p", "lazy:=false",
			"-p", "qos_overrides./qosns/qostest/out.publisher.reliability:=best_effort",
			"-p", "qos_overrides./qosns/qostest/out.publisher.durability:=transient_local",
			"-p", "qos_overrides./qosns/qostest/out.publisher.depth:=3",
			"-p", "qos_overrides./remapped/in.subscription.reliability:=reliable",
			"-p", "qos_overrides./remapped/in.subscription.durability:=transient_local"}})
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
	peer, err := NewNode("qostest_peer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	find := func(infos []rclgo.TopicEndpointInfo) *rclgo.TopicEndpointInfo {
		for i := range infos {
			if infos[i].NodeName == "qostest" && infos[i].NodeNamespace == "/qosns" {
				return &infos[i]
			}
		}
		return nil
	}
	var pub, sub *rclgo.TopicEndpointInfo
	deadline := time.Now().Add(15 * time.Second)
	for (pub == nil || sub == nil) && time.Now().Before(deadline) {
		select {
		case err := <-runErr:
			t.Fatalf("the driver stopped: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		pubs, err := peer.rcl.GetPublishersInfoByTopic("/qosns/qostest/out", true) // true: a ROS name
		if err != nil {
			t.Fatal(err)
		}
		subs, err := peer.rcl.GetSubscriptionsInfoByTopic("/remapped/in", true)
		if err != nil {
			t.Fatal(err)
		}
		pub, sub = find(pubs), find(subs)
	}
	if pub == nil || sub == nil {
		t.Fatalf("the graph shows no publisher of /qosns/qostest/out (%v) or subscription of /remapped/in (%v) of /qosns/qostest", pub != nil, sub != nil)
	}
	// The defaults are reliable/volatile outputs and best-effort/volatile inputs.
	if pub.QosProfile.Reliability != rclgo.ReliabilityBestEffort || pub.QosProfile.Durability != rclgo.DurabilityTransientLocal {
		t.Errorf("output publisher QoS %+v, want best effort, transient local", pub.QosProfile)
	}
	if sub.QosProfile.Reliability != rclgo.ReliabilityReliable || sub.QosProfile.Durability != rclgo.DurabilityTransientLocal {
		t.Errorf("input subscription QoS %+v, want reliable, transient local", sub.QosProfile)
	}
}
