//go:build ros2

package rcl

import (
	"fmt"

	"github.com/tiiuae/rclgo/pkg/rclgo"
)

// Reliability is the DDS reliability policy.
type Reliability int

// Reliability policies.
const (
	ReliabilityReliable      Reliability = iota // resend until acknowledged
	ReliabilityBestEffort                       // drop what is lost
	ReliabilitySystemDefault                    // the middleware's default
)

func (r Reliability) String() string {
	switch r {
	case ReliabilityReliable:
		return "reliable"
	case ReliabilityBestEffort:
		return "best_effort"
	case ReliabilitySystemDefault:
		return "system_default"
	}
	return fmt.Sprintf("Reliability(%d)", int(r))
}

// Durability is the DDS durability policy.
type Durability int

// Durability policies.
const (
	DurabilityVolatile       Durability = iota // late joiners get nothing old
	DurabilityTransientLocal                   // late joiners get the last Depth messages
	DurabilitySystemDefault                    // the middleware's default
)

func (d Durability) String() string {
	switch d {
	case DurabilityVolatile:
		return "volatile"
	case DurabilityTransientLocal:
		return "transient_local"
	case DurabilitySystemDefault:
		return "system_default"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// History is the DDS history policy.
type History int

// History policies.
const (
	HistoryKeepLast      History = iota // keep the last Depth messages
	HistoryKeepAll                      // keep every message (up to the middleware's limits)
	HistorySystemDefault                // the middleware's default
)

func (h History) String() string {
	switch h {
	case HistoryKeepLast:
		return "keep_last"
	case HistoryKeepAll:
		return "keep_all"
	case HistorySystemDefault:
		return "system_default"
	}
	return fmt.Sprintf("History(%d)", int(h))
}

// QoS is the quality of service of a publisher or subscription. The zero
// value is reliable, volatile, keep last 10 (rclcpp's default).
type QoS struct {
	Reliability Reliability
	Durability  Durability
	History     History
	// Depth is the history depth in messages (keep last); 0 means 10.
	Depth int
}

// SensorData returns the preset for sensor streams (rclcpp's
// SensorDataQoS): best effort, volatile, keep last 5.
func SensorData() QoS {
	return QoS{Reliability: ReliabilityBestEffort, Durability: DurabilityVolatile, Depth: 5}
}

// Reliable returns reliable, volatile, keep last depth.
func Reliable(depth int) QoS {
	return QoS{Reliability: ReliabilityReliable, Durability: DurabilityVolatile, Depth: depth}
}

// TransientLocal returns reliable, transient local, keep last depth: the
// preset for latched topics such as /tf_static (tf2_ros broadcasts with depth
// 1 and listens with depth 100).
func TransientLocal(depth int) QoS {
	return QoS{Reliability: ReliabilityReliable, Durability: DurabilityTransientLocal, Depth: depth}
}

func (q QoS) depth() int {
	if q.Depth <= 0 {
		return 10
	}
	return q.Depth
}

func (q QoS) String() string {
	if q.History == HistoryKeepLast {
		return fmt.Sprintf("%s/%s/keep_last(%d)", q.Reliability, q.Durability, q.depth())
	}
	return fmt.Sprintf("%s/%s/%s", q.Reliability, q.Durability, q.History)
}

func (q QoS) rcl() rclgo.QosProfile {
	p := rclgo.NewDefaultQosProfile()
	p.History = rclgo.HistoryKeepLast
	switch q.History {
	case HistoryKeepAll:
		p.History = rclgo.HistoryKeepAll
	case HistorySystemDefault:
		p.History = rclgo.HistorySystemDefault
	}
	p.Depth = q.depth()
	p.Reliability = rclgo.ReliabilityReliable
	switch q.Reliability {
	case ReliabilityBestEffort:
		p.Reliability = rclgo.ReliabilityBestEffort
	case ReliabilitySystemDefault:
		p.Reliability = rclgo.ReliabilitySystemDefault
	}
	p.Durability = rclgo.DurabilityVolatile
	switch q.Durability {
	case DurabilityTransientLocal:
		p.Durability = rclgo.DurabilityTransientLocal
	case DurabilitySystemDefault:
		p.Durability = rclgo.DurabilitySystemDefault
	}
	return p
}

// Incompatibility is a pair of endpoints on one topic whose QoS prevents them
// from matching: a subscription that requests more than a publisher offers.
type Incompatibility struct {
	Topic string
	// Local is the endpoint of ours that saw it: "publisher" or
	// "subscription".
	Local  string
	Policy string // "reliability" or "durability"
	// Offered is the publisher's policy, Requested the subscription's.
	Offered, Requested string
	// Node is the fully qualified name of the other endpoint's node.
	Node string
}

func (i Incompatibility) String() string {
	return fmt.Sprintf("%s (our %s): %s offered %s, requested %s (other node %s)", i.Topic, i.Local, i.Policy, i.Offered, i.Requested, i.Node)
}

// incompatible lists the policies for which a publisher offering pub cannot
// serve a subscription requesting sub; the rules are the DDS request/offer
// rules for the two policies our presets set.
func incompatible(pub, sub rclgo.QosProfile) (policy, offered, requested string, bad bool) {
	if sub.Reliability == rclgo.ReliabilityReliable && pub.Reliability == rclgo.ReliabilityBestEffort {
		return "reliability", "best_effort", "reliable", true
	}
	if sub.Durability == rclgo.DurabilityTransientLocal && pub.Durability == rclgo.DurabilityVolatile {
		return "durability", "volatile", "transient_local", true
	}
	return "", "", "", false
}
