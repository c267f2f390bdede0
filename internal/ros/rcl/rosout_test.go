//go:build ros2

package rcl

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	rcl "github.com/gopercept/gopercept/internal/ros/rosmsg/rcl_interfaces"
)

// TestRosout: a node's log lines, through its Logger and through the slog
// handler the driver uses, arrive on /rosout as rcl_interfaces/msg/Log with
// the node's name, level and the Go caller's file, function and line; a
// DEBUG line below the default level does not.
func TestRosout(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	talker, err := c.NewNode("rosout_talker", "/gopercept_test")
	if err != nil {
		t.Fatal(err)
	}
	listener, err := c.NewNode("rosout_listener", "")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan rcl.Log, 100)
	if _, err := listener.NewSubscription("/rosout", rcl.LogTypeName, Reliable(100), func(b []byte, _ MessageInfo) {
		var l rcl.Log
		if err := cdr.Unmarshal(b, &l); err != nil {
			t.Errorf("decode /rosout: %v", err)
			return
		}
		if l.Name == "gopercept_test.rosout_talker" {
			got <- l
		}
	}); err != nil {
		t.Fatal(err)
	}
	spin(t, c) // closes c when the test ends
	// Wait until the subscription matched the talker's /rosout publisher:
	// log a probe line until one arrives.
	waitFor(t, 20*time.Second, "a /rosout probe line", func() bool {
		talker.Logger().Infof("probe")
		select {
		case <-got:
			return true
		case <-time.After(100 * time.Millisecond):
			return false
		}
	})
	time.Sleep(200 * time.Millisecond)
	for len(got) > 0 {
		<-got
	}

	log := slog.New(&rclHandler{l: talker.Logger()})
	talker.Logger().Debugf("below the level")
	_, _, line, _ := runtime.Caller(0)
	talker.Logger().Warnf("warn %d", 42)
	log.Error("from slog", "topic", "/x")
	_, _, slogLine, _ := runtime.Caller(0)

	want := []struct {
		level uint8
		msg   string
		line  int
	}{{rcl.Log_WARN, "warn 42", line + 1}, {rcl.Log_ERROR, "from slog topic=/x", slogLine - 1}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, w := range want {
		select {
		case l := <-got:
			if l.Level != w.level || l.Msg != w.msg || !strings.HasSuffix(l.File, "rcl/rosout_test.go") ||
				!strings.HasSuffix(l.Function, ".TestRosout") || int(l.Line) != w.line || l.Stamp.Sec == 0 {
				t.Errorf("/rosout got level %d msg %q at %s:%d in %s, stamp %v; want level %d msg %q at line %d of TestRosout",
					l.Level, l.Msg, l.File, l.Line, l.Function, l.Stamp, w.level, w.msg, w.line)
			}
		case <-ctx.Done():
			t.Fatalf("no /rosout line %q in 10 s", w.msg)
		}
	}
	select {
	case l := <-got:
		t.Errorf("unexpected /rosout line %+v", l)
	case <-time.After(300 * time.Millisecond):
	}
}
