//go:build ros2

package rcl

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/ros/param"
)

// ApplyQoSOverride returns q with rclcpp's standard qos_overrides
// parameters of ps for topic (fully qualified, after remapping, as the
// parameter names it) and entity e applied:
//
//	qos_overrides./veh1/lidarseg/labelled.publisher.depth: 3
//
// Policies not given keep q's; ok reports whether any was given.
func ApplyQoSOverride(ps *param.Set, topic string, e param.Entity, q QoS) (out QoS, ok bool) {
	o, ok := ps.QoSOverride(topic, e)
	if !ok {
		return q, false
	}
	switch o.Reliability {
	case "reliable":
		q.Reliability = ReliabilityReliable
	case "best_effort":
		q.Reliability = ReliabilityBestEffort
	case "system_default":
		q.Reliability = ReliabilitySystemDefault
	}
	switch o.Durability {
	case "volatile":
		q.Durability = DurabilityVolatile
	case "transient_local":
		q.Durability = DurabilityTransientLocal
	case "system_default":
		q.Durability = DurabilitySystemDefault
	}
	switch o.History {
	case "keep_last":
		q.History = HistoryKeepLast
	case "keep_all":
		q.History = HistoryKeepAll
	case "system_default":
		q.History = HistorySystemDefault
	}
	if o.Depth > 0 {
		q.Depth = o.Depth
	}
	return q, true
}

// endpointQoS is the QoS of the node's publisher (e = param.Publisher) or
// subscription on name: def with the qos_overrides given for the name's
// resolved form, as rclcpp applies them when it creates the endpoint.
func (d *driver) endpointQoS(name string, e param.Entity, def QoS) (QoS, error) {
	resolved, err := d.rn.ResolveTopic(name)
	if err != nil {
		return def, err
	}
	q, ok := ApplyQoSOverride(d.ps, resolved, e, def)
	if ok {
		d.log.Info(fmt.Sprintf("%s: qos_overrides: %s %s %s (default %s)", d.rn.Name(), resolved, e, q, def))
	}
	return q, nil
}
