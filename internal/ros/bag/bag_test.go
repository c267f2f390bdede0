package bag

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/gopercept/gopercept/internal/configerr"
	"gopkg.in/yaml.v3"
)

var compressions = []Compression{CompressionZstd, CompressionLZ4, CompressionNone}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		cfg   WriterConfig
		n     int
		size  int
		chunk int64
	}{
		{"zstd", WriterConfig{Compression: CompressionZstd}, 300, 2000, 0},
		{"lz4", WriterConfig{Compression: CompressionLZ4}, 300, 2000, 0},
		{"none", WriterConfig{Compression: CompressionNone}, 300, 2000, 0},
		{"default", WriterConfig{}, 50, 100, 0},
		{"zstd-small-chunks", WriterConfig{Compression: CompressionZstd, ChunkSize: 3000}, 300, 2000, 0},
		{"lz4-small-chunks", WriterConfig{Compression: CompressionLZ4, ChunkSize: 3000}, 300, 2000, 0},
		{"empty", WriterConfig{}, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.mcap")
			want := makeMsgs(1, tc.n, 1_700_000_000_000_000_000, 1_000_000, tc.size+1)
			writeMCAP(t, path, tc.cfg, want)
			got, r := readAll(t, path, ReaderConfig{})
			sameMsgs(t, got, want)
			if s := r.Skipped(); len(s) != 0 {
				t.Fatalf("skipped %v", s)
			}
			topics := r.Topics()
			if len(topics) != len(testTopics) {
				t.Fatalf("topics %v", topics)
			}
			counts := map[string]uint64{}
			for _, m := range want {
				counts[m.Topic]++
			}
			for _, ti := range topics {
				var tp Topic
				for _, x := range testTopics {
					if x.Name == ti.Name {
						tp = x
					}
				}
				if ti.Type != tp.Type || ti.SchemaText != tp.SchemaText || ti.SerializationFormat != "cdr" ||
					ti.QoS != DefaultQoS(tp.Name) || ti.MessageCount != counts[ti.Name] {
					t.Errorf("topic %+v", ti)
				}
			}
			// The fast path sees the same messages.
			var n int
			st, err := StreamFile(path, ReaderConfig{}, func(m *Message) error {
				if m.Topic != want[n].Topic || !bytes.Equal(m.Data, want[n].Data) {
					t.Fatalf("stream message %d differs", n)
				}
				n++
				return nil
			})
			if err != nil || st.Messages != int64(len(want)) || len(st.Skipped) != 0 {
				t.Fatalf("stream: %v %+v", err, st)
			}
		})
	}
}

// TestOfficialReader checks files against the foxglove mcap library: it
// must open them through the index and find the ros2 profile, schemas,
// channels and all messages.
func TestOfficialReader(t *testing.T) {
	for _, c := range compressions {
		t.Run(string(c), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.mcap")
			want := makeMsgs(2, 100, 1000, 10, 500)
			writeMCAP(t, path, WriterConfig{Compression: c, ChunkSize: 4096}, want)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := mcap.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			if h := r.Header(); h.Profile != "ros2" || h.Library != Library {
				t.Fatalf("header %+v", h)
			}
			info, err := r.Info()
			if err != nil {
				t.Fatal(err)
			}
			if info.Statistics.MessageCount != uint64(len(want)) || len(info.ChunkIndexes) < 2 {
				t.Fatalf("statistics %+v, %d chunk indexes", info.Statistics, len(info.ChunkIndexes))
			}
			if len(info.MetadataIndexes) != 1 || info.MetadataIndexes[0].Name != "rosbag2" {
				t.Fatalf("metadata indexes %+v", info.MetadataIndexes)
			}
			for _, ch := range info.Channels {
				if ch.MessageEncoding != "cdr" || ch.Metadata["offered_qos_profiles"] == "" {
					t.Fatalf("channel %+v", ch)
				}
				if s := info.Schemas[ch.SchemaID]; s.Encoding != "ros2msg" || !strings.Contains(s.Name, "/msg/") {
					t.Fatalf("schema %+v", s)
				}
			}
			it, err := r.Messages(mcap.UsingIndex(true), mcap.InOrder(mcap.LogTimeOrder))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				_, _, m, err := it.NextInto(nil)
				if err != nil {
					break
				}
				if !bytes.Equal(m.Data, want[n].Data) {
					t.Fatalf("message %d differs", n)
				}
				n++
			}
			if n != len(want) {
				t.Fatalf("official reader read %d of %d", n, len(want))
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range compressions {
		t.Run(string(c), func(t *testing.T) {
			dir := t.TempDir()
			msgs := makeMsgs(3, 200, 5e9, 1e6, 3000)
			a, b := filepath.Join(dir, "a.mcap"), filepath.Join(dir, "b.mcap")
			// Same FileName so the embedded metadata agrees.
			writeMCAP(t, a, WriterConfig{Compression: c, FileName: "x.mcap", ChunkSize: 50000}, msgs)
			writeMCAP(t, b, WriterConfig{Compression: c, FileName: "x.mcap", ChunkSize: 50000}, msgs)
			if !bytes.Equal(readFileBytes(t, a), readFileBytes(t, b)) {
				t.Fatal("two writes of the same input differ")
			}
		})
	}
}

func TestBagDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run1")
	w, err := NewBagWriter(dir, BagWriterConfig{WriterConfig: WriterConfig{Compression: CompressionLZ4}})
	if err != nil {
		t.Fatal(err)
	}
	want := makeMsgs(4, 60, 1_700_000_000_000_000_000, 5_000_000, 300)
	writeAll(t, w.MCAPWriter, want)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "run1_0.mcap")); err != nil {
		t.Fatal(err)
	}
	meta := string(readFileBytes(t, filepath.Join(dir, MetadataFile)))
	for _, line := range []string{
		"rosbag2_bagfile_information:\n  version: 9\n  storage_identifier: mcap\n",
		"  duration:\n    nanoseconds: 295000000\n",
		"  starting_time:\n    nanoseconds_since_epoch: 1700000000000000000\n",
		"  message_count: 60\n",
		"  topics_with_message_count:\n    - topic_metadata:\n        name: /lidar/points\n        type: sensor_msgs/msg/PointCloud2\n        serialization_format: cdr\n        offered_qos_profiles:\n          - history: keep_last\n            depth: 10\n            reliability: reliable\n            durability: volatile\n",
		"        type_description_hash: \"\"\n      message_count: 20\n",
		"        name: /tf_static\n",
		"            durability: transient_local\n",
		"  compression_format: \"\"\n  compression_mode: \"\"\n",
		"  relative_file_paths:\n    - run1_0.mcap\n",
		"  files:\n    - path: run1_0.mcap\n      starting_time:\n        nanoseconds_since_epoch: 1700000000000000000\n      duration:\n        nanoseconds: 295000000\n      message_count: 60\n",
		"  custom_data: ~\n  ros_distro: jazzy",
	} {
		if !strings.Contains(meta, line) {
			t.Errorf("metadata.yaml lacks %q:\n%s", line, meta)
		}
	}
	// It is valid YAML that the reader's parser accepts.
	var anyDoc map[string]any
	if err := yaml.Unmarshal([]byte(meta), &anyDoc); err != nil {
		t.Fatal(err)
	}
	info, err := readMetadata(filepath.Join(dir, MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != 9 || info.MessageCount != 60 || len(info.Topics) != 3 || info.Topics[2].QoS == "" {
		t.Fatalf("parsed metadata %+v", info)
	}
	got, r := readAll(t, dir, ReaderConfig{})
	sameMsgs(t, got, want)
	if f := r.Files(); len(f) != 1 || filepath.Base(f[0]) != "run1_0.mcap" {
		t.Fatalf("files %v", f)
	}
	if _, err := NewBagWriter(dir, BagWriterConfig{}); !errors.Is(err, ErrBagExists) {
		t.Fatalf("second writer: %v", err)
	}
}

// TestMetadataFileOrder checks that metadata.yaml's relative_file_paths, not
// the file names, decide which files are read.
func TestMetadataFileOrder(t *testing.T) {
	dir := t.TempDir()
	a := makeMsgs(5, 10, 100, 10, 50)
	b := makeMsgs(6, 10, 105, 10, 50)
	writeMCAP(t, filepath.Join(dir, "b_1.mcap"), WriterConfig{}, b)
	writeMCAP(t, filepath.Join(dir, "a_0.mcap"), WriterConfig{}, a)
	writeMCAP(t, filepath.Join(dir, "stray.mcap"), WriterConfig{}, makeMsgs(7, 5, 10, 1, 10))
	meta := (&bagInfo{Version: 9, StorageID: "mcap", RelativePaths: []string{"a_0.mcap", "b_1.mcap"}, RosDistro: "jazzy"}).metadataYAML()
	if err := os.WriteFile(filepath.Join(dir, MetadataFile), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	got, r := readAll(t, dir, ReaderConfig{})
	want := append(append([]testMsg(nil), a...), b...)
	sort.SliceStable(want, func(i, j int) bool { return want[i].LogTime < want[j].LogTime })
	sameMsgs(t, got, want)
	if len(r.Files()) != 2 {
		t.Fatalf("files %v", r.Files())
	}

	// A listed file that is missing is reported, the rest is read.
	os.Remove(filepath.Join(dir, "b_1.mcap"))
	got, r = readAll(t, dir, ReaderConfig{})
	sameMsgs(t, got, a)
	if sk := r.Skipped(); len(sk) != 1 || sk[0].Reason != ReasonMissingFile {
		t.Fatalf("skipped %+v", sk)
	}
}

func TestMergeAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	// Two files with interleaved log times; no metadata.yaml, so globbed.
	a := makeMsgs(8, 100, 1000, 20, 100)
	b := makeMsgs(9, 100, 1010, 20, 100)
	b = append(b, testMsg{Topic: "/imu", LogTime: 1000, PublishTime: 1000, Data: []byte{9}}) // tie with a[0], later in file
	writeMCAP(t, filepath.Join(dir, "x_0.mcap"), WriterConfig{ChunkSize: 1000}, a)
	writeMCAP(t, filepath.Join(dir, "x_1.mcap"), WriterConfig{Compression: CompressionLZ4, ChunkSize: 1000}, b)
	got, _ := readAll(t, dir, ReaderConfig{})
	want := append(append([]testMsg(nil), a...), b...)
	sort.SliceStable(want, func(i, j int) bool { return want[i].LogTime < want[j].LogTime })
	sameMsgs(t, got, want)
}

// TestOverlappingChunks writes messages out of log-time order so that chunks
// overlap; the reader must still yield them sorted.
func TestOverlappingChunks(t *testing.T) {
	msgs := makeMsgs(10, 200, 0, 1, 200)
	// Reverse log times within each block of 30 and swap blocks around.
	for i := range msgs {
		msgs[i].LogTime = int64((i/30)*30+(29-i%30)) + 1000
		if i >= 150 {
			msgs[i].LogTime -= 140 // a late chunk reaching far back
		}
		msgs[i].PublishTime = msgs[i].LogTime
	}
	path := filepath.Join(t.TempDir(), "o.mcap")
	writeMCAP(t, path, WriterConfig{ChunkSize: 2000}, msgs)
	got, _ := readAll(t, path, ReaderConfig{})
	want := append([]testMsg(nil), msgs...)
	sort.SliceStable(want, func(i, j int) bool { return want[i].LogTime < want[j].LogTime })
	if len(got) != len(want) {
		t.Fatalf("got %d", len(got))
	}
	for i := range got {
		if got[i].LogTime != want[i].LogTime {
			t.Fatalf("message %d at %d, want %d", i, got[i].LogTime, want[i].LogTime)
		}
	}
	// FileOrder gives storage order.
	got, _ = readAll(t, path, ReaderConfig{FileOrder: true})
	sameMsgs(t, got, msgs)
}

func TestDB3(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "jazzy", true: "foxy"}[legacy]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			msgs := makeMsgs(11, 90, 1_600_000_000_000_000_000, 1000, 400)
			for i := range msgs {
				msgs[i].PublishTime = msgs[i].LogTime
			}
			// Insert out of order: the reader sorts by timestamp.
			shuffled := append([]testMsg(nil), msgs...)
			for i := 0; i+1 < len(shuffled); i += 2 {
				shuffled[i], shuffled[i+1] = shuffled[i+1], shuffled[i]
			}
			path := filepath.Join(dir, "bag_0.db3")
			makeDB3(t, path, shuffled, legacy)
			got, r := readAll(t, path, ReaderConfig{})
			sameMsgs(t, got, msgs)
			for _, ti := range r.Topics() {
				if ti.MessageCount != 30 || ti.SerializationFormat != "cdr" || ti.QoS == "" {
					t.Errorf("topic %+v", ti)
				}
				if !legacy && (ti.SchemaText == "" || !strings.HasPrefix(ti.TypeHash, "RIHS01_")) {
					t.Errorf("topic %+v lacks definition or hash", ti)
				}
			}
			// As a directory, with an MCAP file beside it, merged.
			more := makeMsgs(12, 30, 1_600_000_000_000_000_500, 1000, 100)
			writeMCAP(t, filepath.Join(dir, "bag_1.mcap"), WriterConfig{}, more)
			got, _ = readAll(t, dir, ReaderConfig{})
			want := append(append([]testMsg(nil), msgs...), more...)
			sort.SliceStable(want, func(i, j int) bool { return want[i].LogTime < want[j].LogTime })
			if len(got) != len(want) {
				t.Fatalf("merged %d, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].LogTime != want[i].LogTime || !bytes.Equal(got[i].Data, want[i].Data) {
					t.Fatalf("merged message %d differs", i)
				}
			}
		})
	}
}

// TestDB3Sample reads the committed sample bag directory.
func TestDB3Sample(t *testing.T) {
	r, err := Open(filepath.Join("testdata", "sample_db3"), ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := drain(r)
	if err != nil || n != 12 {
		t.Fatalf("read %d messages: %v", n, err)
	}
	if len(r.Topics()) != 3 {
		t.Fatalf("topics %+v", r.Topics())
	}
}

func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := NewMCAPWriter(&buf, WriterConfig{Compression: "brotli"}); !isConfigError(err, "bag.WriterConfig.Compression", Compression("brotli"), "not zstd, lz4 or none") {
		t.Fatalf("bad compression: %v", err)
	}
	w, err := NewMCAPWriter(&buf, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		topic Topic
		check func(error) bool
	}{
		{"no name", Topic{Type: "a/msg/B"}, func(e error) bool { return isConfigError(e, "bag.Topic.Name", nil, "empty") }},
		{"no type", Topic{Name: "/a"}, func(e error) bool { return isConfigError(e, "bag.Topic.Type", nil, "empty for topic /a") }},
		{"bad qos", Topic{Name: "/a", Type: "a/msg/B", QoS: "history: 1"}, func(e error) bool { return errors.Is(e, ErrInvalidQoS) }},
	}
	for _, tc := range cases {
		if _, err := w.AddTopic(tc.topic); !tc.check(err) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	id, err := w.AddTopic(Topic{Name: "/a", Type: "a/msg/B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddTopic(Topic{Name: "/a", Type: "a/msg/B"}); !errors.Is(err, ErrTopicExists) {
		t.Errorf("duplicate: %v", err)
	}
	if err := w.Write(id+1, 0, 0, nil); !errors.Is(err, ErrUnknownChannel) {
		t.Errorf("unknown channel: %v", err)
	}
	if err := w.Write(id, -1, 0, nil); !errors.Is(err, ErrNegativeTime) {
		t.Errorf("negative time: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(id, 0, 0, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// isConfigError says whether err is the shared configuration error naming
// param with value and reason.
func isConfigError(err error, param string, value any, reason string) bool {
	var ce *configerr.Error
	return errors.Is(err, configerr.ErrInvalid) && errors.As(err, &ce) &&
		ce.Param == param && ce.Value == value && ce.Reason == reason
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, ReaderConfig{}); !errors.Is(err, ErrNoBagFiles) {
		t.Errorf("empty dir: %v", err)
	}
	p := filepath.Join(dir, "junk.mcap")
	os.WriteFile(p, []byte("not an mcap file at all"), 0o644)
	if _, err := Open(p, ReaderConfig{}); !errors.Is(err, ErrNotMCAP) {
		t.Errorf("junk: %v", err)
	}
	if _, err := Open(p, ReaderConfig{MaxChunkBytes: -1}); !isConfigError(err, "bag.ReaderConfig.MaxChunkBytes", int64(-1), "negative") {
		t.Errorf("config: %v", err)
	}
}

func TestQoSYAML(t *testing.T) {
	for _, topic := range []string{"/points", "/tf_static"} {
		q := DefaultQoS(topic)
		if err := validateQoS(q); err != nil {
			t.Fatal(err)
		}
		var v []map[string]any
		if err := yaml.Unmarshal([]byte(q), &v); err != nil || len(v) != 1 {
			t.Fatalf("%v %v", v, err)
		}
		wantDur := map[string]string{"/points": "volatile", "/tf_static": "transient_local"}[topic]
		if v[0]["durability"] != wantDur || v[0]["reliability"] != "reliable" {
			t.Errorf("%s: %v", topic, v[0])
		}
	}
	if QoSYAML() != "[]" {
		t.Error("empty QoS")
	}
}

func TestTopicFilter(t *testing.T) {
	dir := t.TempDir()
	msgs := makeMsgs(30, 60, 1000, 10, 100)
	writeMCAP(t, filepath.Join(dir, "a_0.mcap"), WriterConfig{ChunkSize: 500}, msgs)
	makeDB3(t, filepath.Join(dir, "a_1.db3"), makeMsgs(31, 30, 5000, 10, 100), false)
	got, r := readAll(t, dir, ReaderConfig{Topics: []string{"/imu", "/nonexistent"}})
	if len(got) != 30 {
		t.Fatalf("got %d /imu messages, want 30", len(got))
	}
	for _, m := range got {
		if m.Topic != "/imu" {
			t.Fatalf("filtered topic %s came through", m.Topic)
		}
	}
	if len(r.Topics()) != 3 {
		t.Fatalf("Topics() lists %d", len(r.Topics()))
	}
}

// TestLazyFiles checks that files starting later are not read before the
// merge reaches their start time, and that the merge is still exact.
func TestLazyFiles(t *testing.T) {
	dir := t.TempDir()
	var want []testMsg
	for k := 0; k < 3; k++ {
		msgs := makeMsgs(int64(40+k), 20, int64(1000+k*150), 10, 50)
		writeMCAP(t, filepath.Join(dir, fmt.Sprintf("s_%d.mcap", k)), WriterConfig{}, msgs)
		want = append(want, msgs...)
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].LogTime < want[j].LogTime })
	r, err := Open(dir, ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if len(r.waiting) != 2 {
		t.Fatalf("%d files waiting after the first message, want 2", len(r.waiting))
	}
	r.Close()
	got, _ := readAll(t, dir, ReaderConfig{})
	sameMsgs(t, got, want)
}
