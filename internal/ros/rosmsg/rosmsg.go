package rosmsg

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gopercept/gopercept/internal/ros/cdr"
)

// NormalizeType turns "pkg/Name" or "pkg/msg/Name" into "pkg/msg/Name".
func NormalizeType(name string) string {
	if strings.Count(name, "/") == 1 {
		pkg, n, _ := strings.Cut(name, "/")
		return pkg + "/msg/" + n
	}
	return name
}

// New returns a new zero message of the named type ("sensor_msgs/msg/Image"
// or "sensor_msgs/Image").
func New(typeName string) (cdr.Message, error) {
	f, ok := registry[NormalizeType(typeName)]
	if !ok {
		return nil, fmt.Errorf("rosmsg: unknown message type %q", typeName)
	}
	return f(), nil
}

// Schema returns the ros2msg schema text of the named type.
func Schema(typeName string) (string, error) {
	m, err := New(typeName)
	if err != nil {
		return "", err
	}
	return m.Schema(), nil
}

// TypeNames lists every known type name, sorted.
func TypeNames() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
