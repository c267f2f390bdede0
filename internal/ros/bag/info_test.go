package bag

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadInfo checks what ReadInfo reports against what was written: file
// size and storage id, distro, compression, times, counts per topic,
// serialization format, parsed QoS and type hash; then a copy cut before
// its summary, whose counts come from reading it.
func TestReadInfo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bag")
	msgs := makeMsgs(71, 30, 5000, 100, 100)
	w, err := NewBagWriter(dir, BagWriterConfig{WriterConfig: WriterConfig{MessageCompression: CompressionZstd, ChunkSize: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w.MCAPWriter, msgs)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "bag_0.mcap")
	st, _ := os.Stat(file)
	counts := map[string]uint64{}
	for _, m := range msgs {
		counts[m.Topic]++
	}
	check := func(name string, info *Info, distro, storage string) {
		t.Helper()
		if len(info.Files) != 1 || info.Files[0].Path != file || info.Size != st.Size() || info.Files[0].Size != st.Size() {
			t.Fatalf("%s: files %+v size %d, want %s %d", name, info.Files, info.Size, file, st.Size())
		}
		if info.StorageID != storage || info.RosDistro != distro || info.CompressionFormat != "zstd" || info.CompressionMode != "MESSAGE" {
			t.Fatalf("%s: storage %q distro %q compression %q %q", name, info.StorageID, info.RosDistro, info.CompressionFormat, info.CompressionMode)
		}
		first, last := msgs[0].LogTime, msgs[len(msgs)-1].LogTime
		if info.Start != first || info.End != last || info.Duration != time.Duration(last-first) || info.MessageCount != uint64(len(msgs)) {
			t.Fatalf("%s: %d..%d (%v) %d messages", name, info.Start, info.End, info.Duration, info.MessageCount)
		}
		if info.Files[0].MessageCount != uint64(len(msgs)) || info.Files[0].Start != first || info.Files[0].End != last {
			t.Fatalf("%s: file %+v", name, info.Files[0])
		}
		if len(info.Topics) != len(testTopics) {
			t.Fatalf("%s: topics %+v", name, info.Topics)
		}
		for _, tp := range info.Topics {
			if tp.MessageCount != counts[tp.Name] || tp.SerializationFormat != "cdr" || len(tp.Profiles) != 1 {
				t.Fatalf("%s: topic %+v", name, tp)
			}
			p := tp.Profiles[0]
			wantDur, wantDepth := DurabilityVolatile, 10
			if tp.Name == "/tf_static" {
				wantDur, wantDepth = DurabilityTransient, 1
			}
			if p.Durability != wantDur || p.Depth != wantDepth || p.Reliability != ReliabilityReliable || p.History != HistoryKeepLast {
				t.Fatalf("%s: %s QoS %+v", name, tp.Name, p)
			}
			for _, tt := range testTopics {
				if h, _ := TypeHash(tt.Type, tt.SchemaText); tt.Name == tp.Name && tp.TypeHash != h {
					t.Fatalf("%s: %s type hash %q, want %q", name, tp.Name, tp.TypeHash, h)
				}
			}
		}
	}
	info, err := ReadInfo(dir, ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Counted || len(info.Damage) != 0 {
		t.Fatalf("dir: counted %v damage %v", info.Counted, info.Damage)
	}
	check("dir", info, "jazzy", "mcap")
	// The lone file: distro and compression from its embedded metadata.
	info, err = ReadInfo(file, ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	check("file", info, "jazzy", "mcap")
	var out strings.Builder
	if err := info.Format(&out, true); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Bag size:", "Storage id:        mcap", "ROS Distro:        jazzy", "Messages:          30", "Compression:       zstd (MESSAGE)",
		"Topic: /imu | Type: sensor_msgs/msg/Imu | Count: 10 | Serialization Format: cdr", "durability transient_local"} {
		if !strings.Contains(out.String(), s) {
			t.Fatalf("Format lacks %q:\n%s", s, out.String())
		}
	}

	// Cut before the summary: no statistics, so everything is counted, and
	// the cut is in Damage. Without the embedded record the compression is
	// unknown up front, so it is not claimed.
	data := readFileBytes(t, file)
	_, ends := chunkRecords(t, data)
	cutDir := filepath.Join(t.TempDir(), "cut")
	os.MkdirAll(cutDir, 0o755)
	cut := filepath.Join(cutDir, "cut.mcap")
	os.WriteFile(cut, data[:ends[len(ends)-1]], 0o644)
	info, err = ReadInfo(cut, ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !info.Counted || info.MessageCount != uint64(len(msgs)) || info.Files[0].MessageCount != uint64(len(msgs)) ||
		info.Start != msgs[0].LogTime || info.End != msgs[len(msgs)-1].LogTime || len(info.Damage) == 0 {
		t.Fatalf("cut: %+v", info)
	}
}

// TestReadInfoOthers: a db3 bag (sqlite3 storage) and the bag rosbags wrote.
func TestReadInfoOthers(t *testing.T) {
	info, err := ReadInfo("testdata/sample_db3", ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if info.StorageID != "sqlite3" || info.MessageCount == 0 || len(info.Topics) == 0 || info.Size == 0 || info.CompressionMode != "" {
		t.Fatalf("db3: %+v", info)
	}
	info, err = ReadInfo("testdata/rosbags_msgcomp", ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if info.StorageID != "mcap" || info.RosDistro != "rosbags" || info.CompressionMode != "MESSAGE" || info.MessageCount != 12 ||
		info.Duration != 250000001 || len(info.Topics) != 2 {
		t.Fatalf("rosbags: %+v", info)
	}
}

// TestParseQoS reads both spellings rosbag2 has used: names (Jazzy) and the
// rmw enum numbers (metadata versions before 9).
func TestParseQoS(t *testing.T) {
	p, err := ParseQoS(DefaultQoS("/tf_static"))
	if err != nil || len(p) != 1 || p[0] != (QoSProfile{History: HistoryKeepLast, Depth: 1, Reliability: ReliabilityReliable, Durability: DurabilityTransient}) {
		t.Fatalf("names: %+v %v", p, err)
	}
	old := "- history: 3\n  depth: 0\n  reliability: 2\n  durability: 2\n  deadline:\n    sec: 2147483647\n    nsec: 4294967295\n  liveliness: 1\n  avoid_ros_namespace_conventions: false"
	p, err = ParseQoS(old)
	if err != nil || len(p) != 1 || p[0] != (QoSProfile{History: "unknown", Depth: 0, Reliability: ReliabilityBestEffort, Durability: DurabilityVolatile}) {
		t.Fatalf("numbers: %+v %v", p, err)
	}
	for _, bad := range []string{"history: 1", "- reliability: 9", "- depth: -3", "- durability: [1]", "- depth: x"} {
		if _, err := ParseQoS(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if p, err := ParseQoS(""); err != nil || p != nil {
		t.Fatalf("empty: %v %v", p, err)
	}
}
