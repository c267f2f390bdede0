package node

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/tf2_msgs"
	"github.com/gopercept/gopercept/internal/tf"
)

func TestStatsSummary(t *testing.T) {
	s := NewStats()
	for i := 0; i < 10; i++ {
		s.In("/a")
	}
	s.Out("/b")
	s.Drop("tf", errors.New("no transform"))
	s.Drop("tf", nil)
	s.Drop("decode", errors.New("truncated"))
	for i := 1; i <= 100; i++ {
		s.Stage("inference", time.Duration(i)*time.Millisecond)
	}
	s.Set("execution_provider", "CPUExecutionProvider")
	sum := s.Snapshot()
	if sum.TotalIn() != 10 || sum.TotalOut() != 1 || sum.TotalDropped() != 3 || sum.Dropped["tf"] != 2 {
		t.Fatalf("counts %+v", sum)
	}
	if sum.LastError != "truncated" || sum.Facts["execution_provider"] != "CPUExecutionProvider" {
		t.Fatalf("facts %+v", sum)
	}
	st := sum.Stages[0]
	if st.Name != "inference" || st.Count != 100 || st.P50 != 50 || st.P95 != 95 || st.Max != 100 {
		t.Fatalf("stage %+v", st)
	}
}

func TestStageRingIsAllocationFree(t *testing.T) {
	s := NewStats()
	for i := 0; i < 2*latencyWindow; i++ {
		s.Stage("x", time.Millisecond)
	}
	if a := testing.AllocsPerRun(1000, func() { s.Stage("x", time.Millisecond) }); a != 0 {
		t.Fatalf("Stage allocates %v times", a)
	}
	if got := s.Snapshot().Stages[0].Count; got != 2*latencyWindow+1001 {
		t.Fatalf("count %d", got)
	}
}

func TestDropReason(t *testing.T) {
	err := Dropf("invalid cloud", errors.New("no x field"))
	if DropReason(err) != "invalid cloud" || DropReason(errors.New("x")) != "error" {
		t.Fatal("reasons")
	}
	if DropReason(errors.Join(errors.New("ctx"), err)) != "invalid cloud" {
		t.Fatal("wrapped drop not found")
	}
}

func TestTimeConversion(t *testing.T) {
	for _, ns := range []int64{0, 1, 1_700_000_000_123_456_789, -1} {
		if got := StampNS(TimeFromNS(ns)); got != ns {
			t.Fatalf("%d → %d", ns, got)
		}
	}
	if tm := TimeFromNS(-1); tm.Sec != -1 || tm.Nanosec != 999_999_999 {
		t.Fatalf("negative: %+v", tm)
	}
}

func TestTFFeeder(t *testing.T) {
	buf, _ := tf.New(tf.Config{})
	f := TFFeeder{Buffer: buf}
	ts := geometry_msgs.TransformStamped{Header: std_msgs.Header{Stamp: TimeFromNS(1e9), FrameID: "base_link"}, ChildFrameID: "lidar"}
	ts.Transform.Translation.Z = 1.8
	ts.Transform.Rotation.W = 1
	bad := ts
	bad.ChildFrameID = "base_link" // self loop: rejected, the others still stored
	n, err := f.Feed(cdr.Marshal(&tf2_msgs.TFMessage{Transforms: []geometry_msgs.TransformStamped{bad, ts}}), true)
	if n != 1 || err == nil {
		t.Fatalf("stored %d, err %v", n, err)
	}
	tr, err := buf.Lookup("base_link", "lidar", 5e9)
	if err != nil || math.Abs(tr.Translation.Z-1.8) > 1e-12 {
		t.Fatalf("lookup %v %v", tr, err)
	}
	if _, err := f.Feed([]byte{0, 1, 0, 0, 9}, false); err == nil {
		t.Fatal("garbage accepted")
	}
	for _, c := range []struct {
		topic      string
		tf, static bool
	}{{"/tf", true, false}, {"/tf_static", true, true}, {"/robot/tf", true, false}, {"/lidar/points", false, false}, {"/tfx", false, false}} {
		isTF, static := IsTFTopic(c.topic)
		if isTF != c.tf || static != c.static {
			t.Errorf("%s: %v %v", c.topic, isTF, static)
		}
	}
}

func TestRegistry(t *testing.T) {
	Register("node_test_dummy", func(env Env) (Node, error) { return nil, errors.New("not built in this test") })
	if _, err := Lookup("node_test_dummy"); err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup("missing"); err == nil {
		t.Fatal("missing node found")
	}
	ps := param.New("x", map[string]any{"lazy": false, "qos.input_reliability": "reliable"})
	dp := DeclareDriverParams(ps)
	if dp.Lazy || dp.InputReliability != "reliable" || dp.OutputReliability != "reliable" || ps.Err() != nil {
		t.Fatalf("driver params %+v %v", dp, ps.Err())
	}
}

func TestEnvTopic(t *testing.T) {
	var e Env
	if got := e.Topic("lidar/points"); got != "lidar/points" {
		t.Fatalf("no resolver: %q, want the declared name", got)
	}
	e.Resolve = func(name string) string { return "/veh1/" + name }
	if got := e.Topic("lidar/points"); got != "/veh1/lidar/points" {
		t.Fatalf("resolver: %q", got)
	}
	// An empty name is a disabled topic, not one to expand to the namespace.
	if got := e.Topic(""); got != "" {
		t.Fatalf("empty name: %q", got)
	}
}
