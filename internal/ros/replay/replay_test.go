package replay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/testfix"
	"gonum.org/v1/gonum/spatial/r3"
)

// toBase is a test node that moves each cloud into base_link through TF
// looked up at the cloud's own stamp: enough to exercise TF feeding, drops
// with reasons and output writing.
type toBase struct {
	env node.Env
	pc  sensor_msgs.PointCloud2
	out sensor_msgs.PointCloud2
}

func (n *toBase) Inputs() []node.Topic {
	return []node.Topic{{Name: "/lidar/points", Type: sensor_msgs.PointCloud2TypeName, QoS: node.SensorData}}
}

func (n *toBase) Outputs() []node.Topic {
	return []node.Topic{{Name: "/test/points_base", Type: sensor_msgs.PointCloud2TypeName, QoS: node.Reliable}}
}

func (n *toBase) Handle(in *node.Msg, pub node.Publisher) error {
	if err := cdr.Unmarshal(in.Data, &n.pc); err != nil {
		return node.Dropf("decode", err)
	}
	l := rosconv.Layout(&n.pc, nil)
	acc, err := l.Lidar(len(n.pc.Data), 0)
	if err != nil {
		return node.Dropf("invalid cloud", err)
	}
	tr, err := n.env.TF.Lookup("base_link", n.pc.Header.FrameID, node.StampNS(n.pc.Header.Stamp))
	if err != nil {
		return node.Dropf("tf", err)
	}
	n.out = n.pc
	n.out.Header.FrameID = "base_link"
	n.out.Data = make([]byte, len(n.pc.Data))
	copy(n.out.Data, n.pc.Data)
	for i := 0; i < l.NumPoints(); i++ {
		p := tr.Apply(r3.Vec{X: acc.X.Float(n.pc.Data, i), Y: acc.Y.Float(n.pc.Data, i), Z: acc.Z.Float(n.pc.Data, i)})
		acc.X.Put(n.out.Data, i, p.X)
		acc.Y.Put(n.out.Data, i, p.Y)
		acc.Z.Put(n.out.Data, i, p.Z)
	}
	return pub.Publish("/test/points_base", &n.out)
}

func (n *toBase) Close() error { return nil }

func init() {
	node.Register("test_to_base", func(env node.Env) (node.Node, error) {
		env.Params.Float("unused_gain", 1, "A declared parameter, to exercise params files.")
		return &toBase{env: env}, nil
	})
}

const t0 = testfix.T0

var cloud = testfix.Cloud

func writeInput(t testing.TB, path string) {
	if err := testfix.WriteTFCloudBag(path); err != nil {
		t.Fatal(err)
	}
}

func TestReplayAccountsForEveryFrame(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	writeInput(t, in)
	params := filepath.Join(dir, "params.yaml")
	if err := os.WriteFile(params, []byte("test_to_base:\n  ros__parameters:\n    unused_gain: 2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(out string) *replay.Summary {
		s, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Output: out, Nodes: []string{"test_to_base"}, ParamsFile: params, Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Same file name in two directories: the name is part of the embedded
	// rosbag2 metadata.
	os.Mkdir(filepath.Join(dir, "a"), 0o755)
	os.Mkdir(filepath.Join(dir, "b"), 0o755)
	out1, out2 := filepath.Join(dir, "a", "out.mcap"), filepath.Join(dir, "b", "out.mcap")
	s := run(out1)
	run(out2)
	if s.MessagesRead != 11 || s.TFMessages != 6 || s.TFErrors != 0 {
		t.Fatalf("read %d messages, %d tf (%d errors)", s.MessagesRead, s.TFMessages, s.TFErrors)
	}
	n := s.Nodes[0]
	if n.TotalIn() != 5 || n.TotalOut() != 3 || n.Dropped["decode"] != 1 || n.Dropped["tf"] != 1 {
		t.Fatalf("node summary %+v", n.Summary)
	}
	if n.TotalIn() != n.TotalOut()+n.TotalDropped() {
		t.Fatal("a frame is unaccounted for")
	}
	// Each dropped frame is named with its topic, log time and reason.
	if s.DropCount != 2 || len(s.Drops) != 2 || s.Drops[0].Topic != "/lidar/points" || s.Drops[0].Reason != "decode" ||
		s.Drops[0].LogTime != t0+200_000_000+1000 || s.Drops[1].Reason != "tf" || s.Drops[1].LogTime != t0+300_000_000+1000 {
		t.Fatalf("drops %d %+v", s.DropCount, s.Drops)
	}
	var text bytes.Buffer
	s.WriteText(&text)
	for _, want := range []string{"5 frames in, 3 processed, 2 dropped, 3 out", "decode 1, tf 1", "message"} {
		if !bytes.Contains(text.Bytes(), []byte(want)) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
	a, _ := os.ReadFile(out1)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Fatal("replay output is not deterministic")
	}
	// The output holds the transformed clouds in base_link, at the inputs' log times.
	rd, err := bag.Open(out1, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	count := 0
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		var pc sensor_msgs.PointCloud2
		if err := cdr.Unmarshal(m.Data, &pc); err != nil {
			t.Fatal(err)
		}
		if pc.Header.FrameID != "base_link" || m.LogTime != node.StampNS(pc.Header.Stamp)+1000 {
			t.Fatalf("output %d: frame %q log time %d stamp %d", count, pc.Header.FrameID, m.LogTime, node.StampNS(pc.Header.Stamp))
		}
		if x := math.Float32frombits(binary.LittleEndian.Uint32(pc.Data)); x != 2 {
			t.Fatalf("first point x = %v, want 2 (1 m lidar offset)", x)
		}
		count++
	}
	if count != 3 {
		t.Fatalf("output has %d clouds, want 3", count)
	}
}

func TestReplayKeepInputsAndMultipleBags(t *testing.T) {
	dir := t.TempDir()
	in1, in2 := filepath.Join(dir, "1.mcap"), filepath.Join(dir, "2.mcap")
	writeInput(t, in1)
	writeInput(t, in2)
	out := filepath.Join(dir, "out.mcap")
	s, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in1, in2}, Output: out, KeepInputs: true, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.MessagesRead != 22 || s.MessagesWritten != 22 || s.Unconsumed["/lidar/points"] != 10 {
		t.Fatalf("summary %+v", s)
	}
	rd, err := bag.Open(out, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	last := int64(0)
	for m, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		if m.LogTime < last {
			t.Fatal("merged output out of order")
		}
		last = m.LogTime
	}
}

func TestReplayErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := replay.Run(ctx, replay.Config{}); err == nil {
		t.Fatal("no inputs accepted")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	writeInput(t, in)
	if _, err := replay.Run(ctx, replay.Config{Inputs: []string{in}, Nodes: []string{"no_such_node"}}); err == nil {
		t.Fatal("unknown node accepted")
	}
	_, err := replay.Run(ctx, replay.Config{Inputs: []string{in}, Nodes: []string{"test_to_base"}, Params: map[string]map[string]any{"test_to_base": {"typo": 1}}})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("does not declare typo")) {
		t.Fatalf("undeclared parameter: %v", err)
	}
	if _, err := replay.Run(ctx, replay.Config{Inputs: []string{filepath.Join(dir, "missing.mcap")}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing bag: %v", err)
	}
}

// BenchmarkReplayNoNodes measures replay's read path without nodes: the
// throughput target is ≥ 500 MB/s.
func BenchmarkReplayNoNodes(b *testing.B) {
	for _, comp := range []bag.Compression{bag.CompressionNone, bag.CompressionLZ4, bag.CompressionZstd} {
		b.Run(string(comp), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "big.mcap")
			w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: comp})
			if err != nil {
				b.Fatal(err)
			}
			pc := cloud(t0, make([][3]float32, 64*2048/4)) // ~400 kB clouds
			id, _ := w.AddTopic(bag.Topic{Name: "/lidar/points", Type: pc.TypeName(), SchemaText: pc.Schema()})
			data := cdr.Marshal(pc)
			var total int64
			for i := 0; i < 250; i++ {
				ts := t0 + int64(i)*100_000_000
				if err := w.Write(id, ts, ts, data); err != nil {
					b.Fatal(err)
				}
				total += int64(len(data))
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				s, err := replay.Run(context.Background(), replay.Config{Inputs: []string{path}, Fast: true})
				if err != nil || s.MessagesRead != 250 {
					b.Fatal(err, s)
				}
			}
			b.ReportMetric(float64(250*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func TestReplayOnOutput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.mcap")
	writeInput(t, in)
	var stamps []int64
	_, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Nodes: []string{"test_to_base"}, Fast: true,
		OnOutput: func(nodeName, topic string, logTime int64, m cdr.Message) {
			pc := m.(*sensor_msgs.PointCloud2)
			if nodeName != "test_to_base" || topic != "/test/points_base" || logTime != node.StampNS(pc.Header.Stamp)+1000 {
				t.Errorf("output %s %s at %d", nodeName, topic, logTime)
			}
			stamps = append(stamps, logTime)
		}})
	if err != nil || len(stamps) != 3 {
		t.Fatalf("%d outputs seen, err %v", len(stamps), err)
	}
}
