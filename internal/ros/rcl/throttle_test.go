//go:build ros2

package rcl

import (
	"log/slog"
	"testing"
	"time"
)

// TestThrottle: one line per call site and level per interval; the next
// line logged says how many were suppressed; other sites are independent.
func TestThrottle(t *testing.T) {
	th := newThrottle(time.Second)
	t0 := time.Unix(1000, 0)
	if ok, n := th.allow(1, slog.LevelWarn, t0); !ok || n != 0 {
		t.Fatal("first line suppressed")
	}
	for i := 1; i <= 9; i++ {
		if ok, _ := th.allow(1, slog.LevelWarn, t0.Add(time.Duration(i)*100*time.Millisecond-time.Millisecond)); ok {
			t.Fatalf("line %d within the interval logged", i)
		}
	}
	if ok, _ := th.allow(2, slog.LevelWarn, t0); !ok {
		t.Fatal("another call site throttled")
	}
	if ok, _ := th.allow(1, slog.LevelError, t0); !ok {
		t.Fatal("another level of the same site throttled")
	}
	if ok, n := th.allow(1, slog.LevelWarn, t0.Add(time.Second)); !ok || n != 9 {
		t.Fatalf("after the interval: logged %v, suppressed %d; want true, 9", ok, n)
	}
	if ok, _ := th.allow(0, slog.LevelWarn, t0); !ok {
		t.Fatal("a line without a call site was throttled")
	}
}
