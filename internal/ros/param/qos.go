package param

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Entity is the side of a topic a QoS override applies to.
type Entity string

// The two entities of rclcpp's qos_overrides parameters.
const (
	Publisher    Entity = "publisher"
	Subscription Entity = "subscription"
)

// QoSOverride is what the standard qos_overrides parameters set for one
// topic and entity:
//
//	qos_overrides./lidarseg/labels.publisher.reliability: best_effort
//
// (in YAML, nested: qos_overrides: /lidarseg/labels: publisher: ...). Empty
// strings and a zero Depth mean "not given, keep the node's own".
type QoSOverride struct {
	Reliability string // "reliable", "best_effort" or "system_default"
	Durability  string // "volatile", "transient_local" or "system_default"
	History     string // "keep_last", "keep_all" or "system_default"
	Depth       int    // history depth, > 0
}

// The policies gopercept honours and their valid values (rclcpp's names).
var qosValues = map[string][]string{
	"reliability": {"reliable", "best_effort", "system_default"},
	"durability":  {"volatile", "transient_local", "system_default"},
	"history":     {"keep_last", "keep_all", "system_default"},
	"depth":       nil, // a positive integer
}

// splitQoSOverride splits "qos_overrides.<topic>.<entity>.<policy>"; ok is
// false for any other name, or an unknown entity or policy.
func splitQoSOverride(name string) (topic string, e Entity, policy string, ok bool) {
	rest, found := strings.CutPrefix(name, "qos_overrides.")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "/") {
		return "", "", "", false
	}
	e = Entity(parts[1])
	if e != Publisher && e != Subscription {
		return "", "", "", false
	}
	if _, known := qosValues[parts[2]]; !known {
		return "", "", "", false
	}
	return parts[0], e, parts[2], true
}

// QoSOverride returns the qos_overrides given for topic (its fully
// qualified name after remapping, as rclcpp names the parameter) and
// entity; ok is false when none is given. Invalid values are reported by
// Err and left out here.
func (s *Set) QoSOverride(topic string, e Entity) (o QoSOverride, ok bool) {
	for k, v := range s.values {
		t, ent, policy, valid := splitQoSOverride(k)
		if !valid || t != topic || ent != e || checkQoS(policy, v) != nil {
			continue
		}
		ok = true
		switch policy {
		case "reliability":
			o.Reliability = v.(string)
		case "durability":
			o.Durability = v.(string)
		case "history":
			o.History = v.(string)
		case "depth":
			o.Depth = v.(int)
		}
	}
	return o, ok
}

// QoSOverrideTopics lists, sorted, the topics that have a valid
// qos_overrides value for entity e.
func (s *Set) QoSOverrideTopics(e Entity) []string {
	seen := map[string]bool{}
	var out []string
	for k, v := range s.values {
		t, ent, policy, valid := splitQoSOverride(k)
		if valid && ent == e && checkQoS(policy, v) == nil && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

func checkQoS(policy string, v any) error {
	if policy == "depth" {
		if d, ok := v.(int); ok && d > 0 {
			return nil
		}
		return fmt.Errorf("is %T, want a positive integer", v)
	}
	str, _ := v.(string)
	for _, ok := range qosValues[policy] {
		if str == ok {
			return nil
		}
	}
	return fmt.Errorf("is %T, want one of %s", v, strings.Join(qosValues[policy], ", "))
}

// qosErrs reports invalid values of well-formed qos_overrides parameters
// (rclcpp refuses them when the publisher or subscription is created).
func (s *Set) qosErrs() []error {
	var names []string
	for k := range s.values {
		if _, _, _, ok := splitQoSOverride(k); ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var errs []error
	for _, k := range names {
		_, _, policy, _ := splitQoSOverride(k)
		if err := checkQoS(policy, s.values[k]); err != nil {
			errs = append(errs, fmt.Errorf("param: %s: %w", s.node, configerr.New(k, s.values[k], "%v", err)))
		}
	}
	return errs
}
