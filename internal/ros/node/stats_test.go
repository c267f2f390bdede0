package node

import (
	"errors"
	"fmt"
	"testing"
)

// TestStatsPerTopic: drops split by topic and reason add up to the totals
// by reason, and the per-topic accounting (received = processed + dropped)
// holds for what a driver records.
func TestStatsPerTopic(t *testing.T) {
	s := NewStats()
	for i := 0; i < 7; i++ {
		s.In("/cam/image")
	}
	s.In("/cam/info")
	for i := 0; i < 4; i++ {
		s.Processed("/cam/image")
	}
	s.Processed("/cam/info")
	s.DropTopic("/cam/image", "stale", nil)
	s.DropTopic("/cam/image", "stale", nil)
	s.DropTopic("/cam/image", "decode", errors.New("truncated"))
	s.Drop("out of sync", nil) // a node's own deferred drop: no topic
	s.Lost("/cam/image", 3)
	s.Lost("/cam/image", 2)
	s.LostRMW("/cam/image", 4)
	s.LostRMW("/cam/image", 5) // a total, not an increment

	sum := s.Snapshot()
	img := sum.DroppedBy["/cam/image"]
	if img["stale"] != 2 || img["decode"] != 1 || len(img) != 2 {
		t.Fatalf("drops of /cam/image: %v", img)
	}
	if sum.DroppedBy[""]["out of sync"] != 1 || sum.Dropped["stale"] != 2 || sum.Dropped["out of sync"] != 1 || sum.TotalDropped() != 4 {
		t.Fatalf("drops: %v by topic %v", sum.Dropped, sum.DroppedBy)
	}
	if got := sum.Processed["/cam/image"] + img["stale"] + img["decode"]; got != sum.In["/cam/image"] {
		t.Fatalf("processed+dropped %d != received %d", got, sum.In["/cam/image"])
	}
	if sum.Lost["/cam/image"] != 5 || sum.LostRMW["/cam/image"] != 5 || sum.Lost["/cam/info"] != 0 {
		t.Fatalf("lost %v, rmw %v", sum.Lost, sum.LostRMW)
	}
	if sum.LastError != "truncated" {
		t.Fatalf("last error %q", sum.LastError)
	}
	// The snapshot is a copy: later counts do not change it.
	s.DropTopic("/cam/image", "stale", nil)
	if sum.DroppedBy["/cam/image"]["stale"] != 2 {
		t.Fatal("snapshot shares its maps with Stats")
	}
}

// TestSetNumbers: a number fact reads as its format gives it, a later Set
// of the same key replaces it (and the other way round), and updating it
// allocates nothing once the key exists.
func TestSetNumbers(t *testing.T) {
	s := NewStats()
	s.SetNumbers("detections", "%.0f (of %.0f peaks)", 12, 500)
	s.SetNumbers("share", "%.3f", 2.0/3)
	s.Set("mode", "fused")
	f := s.Snapshot().Facts
	if f["detections"] != "12 (of 500 peaks)" || f["share"] != "0.667" || f["mode"] != "fused" {
		t.Fatalf("facts %v", f)
	}
	s.Set("share", "n/a")
	s.SetNumbers("mode", "%.0f", 3)
	f = s.Snapshot().Facts
	if f["share"] != "n/a" || f["mode"] != "3" || len(f) != 3 {
		t.Fatalf("after switching kinds: %v", f)
	}
	k := 0.0
	if a := testing.AllocsPerRun(100, func() {
		k++
		s.SetNumbers("detections", "%.0f (of %.0f peaks)", k, 2*k)
	}); a != 0 {
		t.Fatalf("SetNumbers allocates %v times", a)
	}
	if got := s.Snapshot().Facts["detections"]; got != fmt.Sprintf("%.0f (of %.0f peaks)", k, 2*k) {
		t.Fatalf("detections %q after %v updates", got, k)
	}
}
