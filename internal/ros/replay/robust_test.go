package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/testfix"
)

// writeClouds writes a static TF and n clouds of pts points each, 0.1 s
// apart from start (log times may be overridden by at).
func writeClouds(t testing.TB, path, topic string, n, pts int, at func(i int) int64) {
	t.Helper()
	w, err := bag.CreateMCAP(path, bag.WriterConfig{Compression: bag.CompressionNone})
	if err != nil {
		t.Fatal(err)
	}
	tfm := testfix.TF("base_link", "lidar", t0, 1)
	tfID, _ := w.AddTopic(bag.Topic{Name: "/tf_static", Type: tfm.TypeName(), SchemaText: tfm.Schema()})
	pc := cloud(t0, make([][3]float32, pts))
	id, _ := w.AddTopic(bag.Topic{Name: topic, Type: pc.TypeName(), SchemaText: pc.Schema()})
	if err := w.Write(tfID, t0, t0, cdr.Marshal(tfm)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ts := t0 + int64(i)*100_000_000
		if at != nil {
			ts = at(i)
		}
		pc.Header.Stamp.Sec, pc.Header.Stamp.Nanosec = int32(ts/1e9), uint32(ts%1e9)
		if err := w.Write(id, ts, ts, cdr.Marshal(pc)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOutputIsNeverAnInput: the same path, the same file by another name,
// or a file inside an input bag directory is refused before anything is
// written, and the input is untouched.
func TestOutputIsNeverAnInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	writeInput(t, in)
	before, _ := os.ReadFile(in)
	link := filepath.Join(dir, "link.mcap")
	if err := os.Link(in, link); err != nil {
		t.Fatal(err)
	}
	bagDir := filepath.Join(dir, "bagdir")
	os.Mkdir(bagDir, 0o755)
	writeInput(t, filepath.Join(bagDir, "bagdir_0.mcap"))
	for _, c := range []struct{ in, out string }{
		{in, in}, {in, filepath.Join(dir, ".", "in.mcap")}, {in, link}, {bagDir, filepath.Join(bagDir, "out.mcap")},
		{bagDir, filepath.Join(bagDir, "bagdir_0.mcap")},
	} {
		_, err := replay.Run(context.Background(), replay.Config{Inputs: []string{c.in}, Output: c.out, Nodes: []string{"test_to_base"}, Fast: true})
		if err == nil || !strings.Contains(err.Error(), "write elsewhere") {
			t.Errorf("replay %s -o %s: %v", c.in, c.out, err)
		}
	}
	after, _ := os.ReadFile(in)
	if string(after) != string(before) {
		t.Fatal("the input changed")
	}
	if _, err := os.Stat(filepath.Join(bagDir, "out.partial.mcap")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused run left a file behind")
	}
}

// TestNodeThatReceivedNothingFails: a lidar on another topic is an error
// naming the node's topic and type and the -r that connects them; with
// that remapping the node runs.
func TestNodeThatReceivedNothingFails(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "ouster.mcap")
	writeClouds(t, in, "/os_cloud_node/points", 3, 10, nil)
	out := filepath.Join(dir, "out.mcap")
	sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Output: out, Nodes: []string{"test_to_base"}, Fast: true})
	if err == nil {
		t.Fatal("a node that received nothing ended in success")
	}
	for _, want := range []string{"test_to_base received no messages", "/lidar/points (sensor_msgs/msg/PointCloud2)", "-r test_to_base:/lidar/points:=/os_cloud_node/points"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if sum == nil || sum.Unconsumed["/os_cloud_node/points"] != 3 {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed run wrote its output under the final name")
	}
	sum, err = replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Output: out, Nodes: []string{"test_to_base"}, Fast: true,
		Remap: map[string]map[string]string{"test_to_base": {"/lidar/points": "/os_cloud_node/points", "/test/points_base": "/veh1/points_base"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Nodes[0]; n.TotalIn() != 3 || n.TotalOut() != 3 || n.Out["/veh1/points_base"] != 3 {
		t.Fatalf("remapped run: %+v", n.Summary)
	}
	rd, err := bag.Open(out, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if tops := rd.Topics(); len(tops) != 1 || tops[0].Name != "/veh1/points_base" || tops[0].MessageCount != 3 {
		t.Fatalf("output topics %+v", tops)
	}
}

// TestRealTimeCapsJumps: one row stamped near the epoch ahead of a normal
// drive must not make real-time replay sleep for decades; the jump is
// reported.
func TestRealTimeCapsJumps(t *testing.T) {
	in := filepath.Join(t.TempDir(), "outlier.mcap")
	writeClouds(t, in, "/lidar/points", 4, 10, func(i int) int64 {
		if i == 0 {
			return 5_000_000_000 // 1970
		}
		return t0 + int64(i)*50_000_000
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t1 := time.Now()
	sum, err := replay.Run(ctx, replay.Config{Inputs: []string{in}, Nodes: []string{"test_to_base"}, MaxGap: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t1); d > 5*time.Second {
		t.Fatalf("real-time replay took %v across an outlier stamp", d)
	}
	if sum.GapCount != 1 || len(sum.TimeGaps) != 1 || sum.TimeGaps[0].Seconds < 1e9 || sum.TimeGaps[0].Topic != "/tf_static" {
		t.Fatalf("gaps %d %+v (one: from the 1970 row to the drive)", sum.GapCount, sum.TimeGaps)
	}
}

// TestFirstWriteErrorEndsTheRun runs a replay in a child process whose
// file-size limit plays a full disk: the run stops at the first failed
// write with the summary so far, the partial output named, not after
// counting every later frame as a drop.
func TestFirstWriteErrorEndsTheRun(t *testing.T) {
	if os.Getenv("REPLAY_CHILD_OUT") != "" {
		fullDiskChild()
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	writeClouds(t, in, "/lidar/points", 40, 12000, nil) // ~190 kB a cloud, 7.7 MB
	out := filepath.Join(dir, "out.mcap")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFirstWriteErrorEndsTheRun$")
	cmd.Env = append(os.Environ(), "REPLAY_CHILD_IN="+in, "REPLAY_CHILD_OUT="+out)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, res)
	}
	var r struct {
		Err     string
		Summary *replay.Summary
	}
	line := res[strings.Index(string(res), "{"):]
	line = line[:strings.IndexByte(string(line), '\n')]
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("child said %s", res)
	}
	if !strings.Contains(r.Err, "replay: write "+out) || !strings.Contains(r.Err, "partial output kept at "+replay.PartialName(out)) {
		t.Fatalf("error %q\n%s", r.Err, res)
	}
	s := r.Summary
	// One frame is dropped: the one whose output could not be written.
	if s == nil || s.MessagesRead >= 41 || s.Nodes[0].TotalDropped() != 1 || s.Partial != replay.PartialName(out) || s.WallSeconds == 0 {
		t.Fatalf("the run went on after the write failed: %+v", s)
	}
	if _, err := os.Stat(replay.PartialName(out)); err != nil {
		t.Fatalf("partial output: %v", err)
	}
}

// TestKeepInputsRefusesOneTopicTwoTypes: merging two bags that use one
// topic name for two types once wrote Images into a PointCloud2 channel.
func TestKeepInputsRefusesOneTopicTwoTypes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.mcap"), filepath.Join(dir, "b.mcap")
	writeClouds(t, a, "/sensor", 2, 4, nil)
	w, err := bag.CreateMCAP(b, bag.WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	img := &sensor_msgs.Image{Width: 1, Height: 1, Encoding: "mono8", Step: 1, Data: []byte{7}}
	id, _ := w.AddTopic(bag.Topic{Name: "/sensor", Type: img.TypeName(), SchemaText: img.Schema()})
	if err := w.Write(id, t0, t0, cdr.Marshal(img)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	out := filepath.Join(dir, "out.mcap")
	_, err = replay.Run(context.Background(), replay.Config{Inputs: []string{a, b}, Output: out, KeepInputs: true, Fast: true})
	if err == nil || !strings.Contains(err.Error(), "sensor_msgs/msg/PointCloud2 ("+a+") and sensor_msgs/msg/Image ("+b+")") {
		t.Fatalf("%v", err)
	}
	_, err = replay.Run(context.Background(), replay.Config{Inputs: []string{a, b}, Nodes: []string{"test_to_base"}, Fast: true,
		Remap: map[string]map[string]string{"": {"/lidar/points": "/sensor"}}})
	if err == nil || !strings.Contains(err.Error(), "node test_to_base reads /sensor") {
		t.Fatalf("%v", err)
	}
}

// TestDamageIsReportedInFull: a damaged chunk is listed with its file and
// offset in the summary (text: the first few; JSON: all), and a file that
// holds only the MCAP magic ends the run with an error, not "0 messages".
func TestDamageIsReportedInFull(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	w, err := bag.CreateMCAP(in, bag.WriterConfig{Compression: bag.CompressionNone, ChunkSize: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	pc := cloud(t0, make([][3]float32, 100))
	id, _ := w.AddTopic(bag.Topic{Name: "/x", Type: pc.TypeName(), SchemaText: pc.Schema()})
	for i := range 10 {
		if err := w.Write(id, t0+int64(i), t0+int64(i), cdr.Marshal(pc)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	b, _ := os.ReadFile(in)
	at := len(b) / 3
	for i := at; i < at+64; i++ {
		b[i] ^= 0xff // inside a chunk: its CRC no longer matches
	}
	os.WriteFile(in, b, 0o644)
	sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, KeepInputs: true, Output: filepath.Join(dir, "out.mcap"), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Damage) == 0 || sum.Damage[0].File != in || sum.Damage[0].Offset <= 0 || sum.MessagesRead == 0 || sum.MessagesRead == 10 {
		t.Fatalf("damage %+v, %d messages read", sum.Damage, sum.MessagesRead)
	}
	var text strings.Builder
	sum.WriteText(&text)
	if !strings.Contains(text.String(), in) {
		t.Fatalf("the text summary does not name the damaged file:\n%s", text.String())
	}
	magic := filepath.Join(dir, "magic.mcap")
	os.WriteFile(magic, []byte("\x89MCAP0\r\n"), 0o644)
	if _, err := replay.Run(context.Background(), replay.Config{Inputs: []string{magic}, KeepInputs: true, Output: filepath.Join(dir, "out2.mcap"), Fast: true}); err == nil {
		t.Fatal("a file holding only the magic replayed without error")
	}
}

// TestMisspeltSectionWarns: a params section naming no node (a typo) is
// reported instead of silently applying to nothing.
func TestMisspeltSectionWarns(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mcap")
	writeClouds(t, in, "/lidar/points", 2, 4, nil)
	p := filepath.Join(dir, "p.yaml")
	os.WriteFile(p, []byte("/**/test_to_bsae:\n  ros__parameters:\n    unused_gain: 3.0\n"), 0o644)
	sum, err := replay.Run(context.Background(), replay.Config{Inputs: []string{in}, Nodes: []string{"test_to_base"}, ParamsFile: p, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "section /**/test_to_bsae names no node") {
		t.Fatalf("warnings %q", sum.Warnings)
	}
}
