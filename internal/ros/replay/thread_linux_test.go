package replay_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/testfix"
)

// threadProbe records the OS thread of every Handle and blocks in each
// (testfix.Block), which lets the Go scheduler move an unlocked goroutine.
type threadProbe struct{ tids *[]int }

func (n *threadProbe) Inputs() []node.Topic {
	return []node.Topic{{Name: "/lidar/points", Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
}
func (n *threadProbe) Outputs() []node.Topic { return nil }
func (n *threadProbe) Close() error          { return nil }

func (n *threadProbe) Handle(in *node.Msg, pub node.Publisher) error {
	*n.tids = append(*n.tids, syscall.Gettid())
	testfix.Block()
	return nil
}

var probeTIDs []int

func init() {
	node.Register("test_thread_probe", func(env node.Env) (node.Node, error) {
		return &threadProbe{tids: &probeTIDs}, nil
	})
}

// TestHandleStaysOnOneThread checks that replay calls every Handle from one
// OS thread: ONNX Runtime's intra-op pool ran models at their one-thread
// speed when the calling thread changed from run to run.
func TestHandleStaysOnOneThread(t *testing.T) {
	in := filepath.Join(t.TempDir(), "clouds.mcap")
	w, err := bag.CreateMCAP(in, bag.WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddTopic(bag.Topic{Name: "/lidar/points", Type: sensor_msgs.PointCloud2TypeName, SchemaText: (&sensor_msgs.PointCloud2{}).Schema()})
	if err != nil {
		t.Fatal(err)
	}
	const frames = 200
	for i := range frames {
		ts := testfix.T0 + int64(i)*1_000_000
		if err := w.Write(id, ts, ts, cdr.Marshal(testfix.Cloud(ts, [][3]float32{{1, 2, 3}}))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	probeTIDs = nil
	if _, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Nodes: []string{"test_thread_probe"}, Fast: true}); err != nil {
		t.Fatal(err)
	}
	if len(probeTIDs) != frames {
		t.Fatalf("Handle ran %d times for %d frames", len(probeTIDs), frames)
	}
	seen := map[int]int{}
	for _, tid := range probeTIDs {
		seen[tid]++
	}
	if len(seen) != 1 {
		t.Fatalf("Handle ran on %d OS threads (frames per thread id: %v), want one", len(seen), seen)
	}
}
