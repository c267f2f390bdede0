package bag

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// QoS policy names as rosbag2 (metadata version 9, ROS 2 Jazzy) writes them in
// offered_qos_profiles.
const (
	ReliabilityReliable   = "reliable"
	ReliabilityBestEffort = "best_effort"
	DurabilityVolatile    = "volatile"
	DurabilityTransient   = "transient_local"
	HistoryKeepLast       = "keep_last"
	HistoryKeepAll        = "keep_all"
)

// QoSProfile is one offered QoS profile of a recorded publisher. Deadline,
// lifespan and liveliness lease are written as infinite and liveliness as
// automatic, as rosbag2 records them for ordinary publishers.
type QoSProfile struct {
	// History is HistoryKeepLast or HistoryKeepAll; empty means keep_last.
	History string
	// Depth is the history depth in messages; 0 is written as is.
	Depth int
	// Reliability is ReliabilityReliable or ReliabilityBestEffort; empty
	// means reliable.
	Reliability string
	// Durability is DurabilityVolatile or DurabilityTransient; empty means
	// volatile.
	Durability string
}

// infiniteDuration is rmw's RMW_DURATION_INFINITE split into sec and nsec, as
// rosbag2 serialises it.
const infiniteDuration = "    sec: 9223372036\n    nsec: 854775807\n"

// String renders p as one entry of a YAML sequence, the way yaml-cpp dumps
// it, without a trailing newline.
func (p QoSProfile) String() string {
	h, r, d := p.History, p.Reliability, p.Durability
	if h == "" {
		h = HistoryKeepLast
	}
	if r == "" {
		r = ReliabilityReliable
	}
	if d == "" {
		d = DurabilityVolatile
	}
	var b strings.Builder
	fmt.Fprintf(&b, "- history: %s\n  depth: %d\n  reliability: %s\n  durability: %s\n", h, p.Depth, r, d)
	b.WriteString("  deadline:\n" + infiniteDuration)
	b.WriteString("  lifespan:\n" + infiniteDuration)
	b.WriteString("  liveliness: automatic\n")
	b.WriteString("  liveliness_lease_duration:\n" + infiniteDuration)
	b.WriteString("  avoid_ros_namespace_conventions: false")
	return b.String()
}

// QoSYAML renders profiles as the offered_qos_profiles YAML string rosbag2
// stores in MCAP channel metadata and in sqlite3 topics.
func QoSYAML(profiles ...QoSProfile) string {
	if len(profiles) == 0 {
		return "[]"
	}
	parts := make([]string, len(profiles))
	for i, p := range profiles {
		parts[i] = p.String()
	}
	return strings.Join(parts, "\n")
}

// DefaultQoS returns the offered_qos_profiles YAML used when a Topic has no
// QoS: reliable, volatile, keep_last 10, except /tf_static, which is
// reliable, transient_local, keep_last 1 like tf2_ros's static broadcaster.
func DefaultQoS(topic string) string {
	if topic == "/tf_static" || strings.HasSuffix(topic, "/tf_static") {
		return QoSYAML(QoSProfile{Depth: 1, Durability: DurabilityTransient})
	}
	return QoSYAML(QoSProfile{Depth: 10})
}

// validateQoS checks that s is empty or a YAML sequence.
func validateQoS(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidQoS, err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.SequenceNode {
		return fmt.Errorf("%w: not a sequence", ErrInvalidQoS)
	}
	return nil
}

// ParseQoS reads an offered_qos_profiles YAML sequence as rosbag2 stores it:
// policies as names (metadata version 9, Jazzy) or as the rmw enum numbers
// of older versions (history 1 keep_last, 2 keep_all; reliability 1
// reliable, 2 best_effort; durability 1 transient_local, 2 volatile; 0 and
// 3 "system_default"/"unknown" kept as names). Empty text gives no profiles.
func ParseQoS(text string) ([]QoSProfile, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var raw []map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidQoS, err)
	}
	policy := func(n yaml.Node, names ...string) (string, error) {
		if n.Kind == 0 {
			return "", nil
		}
		if n.Kind != yaml.ScalarNode {
			return "", fmt.Errorf("%w: policy is not a scalar (line %d)", ErrInvalidQoS, n.Line)
		}
		var i int
		if err := n.Decode(&i); err == nil {
			if i < 0 || i >= len(names) {
				return "", fmt.Errorf("%w: policy value %d (line %d)", ErrInvalidQoS, i, n.Line)
			}
			return names[i], nil
		}
		return n.Value, nil
	}
	out := make([]QoSProfile, 0, len(raw))
	for _, m := range raw {
		var p QoSProfile
		var err error
		if p.History, err = policy(m["history"], "system_default", HistoryKeepLast, HistoryKeepAll, "unknown"); err != nil {
			return nil, err
		}
		if p.Reliability, err = policy(m["reliability"], "system_default", ReliabilityReliable, ReliabilityBestEffort, "unknown", "best_available"); err != nil {
			return nil, err
		}
		if p.Durability, err = policy(m["durability"], "system_default", DurabilityTransient, DurabilityVolatile, "unknown", "best_available"); err != nil {
			return nil, err
		}
		if d, ok := m["depth"]; ok {
			if err := d.Decode(&p.Depth); err != nil || p.Depth < 0 {
				return nil, fmt.Errorf("%w: depth %q (line %d)", ErrInvalidQoS, d.Value, d.Line)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
