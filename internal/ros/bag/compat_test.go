package bag

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
)

// TestUnchunkedMCAP reads a file like rosbag2's "fastwrite" preset writes:
// messages as top-level records, no chunks, adjacent messages out of order.
func TestUnchunkedMCAP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fast.mcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: false, IncludeCRC: true})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteHeader(&mcap.Header{Profile: "ros2"}))
	must(w.WriteSchema(&mcap.Schema{ID: 1, Name: "std_msgs/msg/String", Encoding: "ros2msg", Data: []byte("string data")}))
	must(w.WriteChannel(&mcap.Channel{ID: 3, SchemaID: 1, Topic: "/chatter", MessageEncoding: "cdr",
		Metadata: map[string]string{"offered_qos_profiles": DefaultQoS("/chatter")}}))
	times := []uint64{10, 30, 20, 40, 50, 45, 60}
	for i, ts := range times {
		must(w.WriteMessage(&mcap.Message{ChannelID: 3, Sequence: uint32(i), LogTime: ts, PublishTime: ts, Data: []byte{byte(i)}}))
	}
	must(w.Close())
	must(f.Close())

	got, r := readAll(t, path, ReaderConfig{})
	want := []int64{10, 20, 30, 40, 45, 50, 60}
	if len(got) != len(want) {
		t.Fatalf("got %d messages", len(got))
	}
	for i := range got {
		if got[i].LogTime != want[i] || got[i].Topic != "/chatter" {
			t.Fatalf("message %d: %+v", i, got[i])
		}
	}
	ti := r.Topics()
	if len(ti) != 1 || ti[0].Type != "std_msgs/msg/String" || ti[0].MessageCount != 7 || ti[0].SchemaText != "string data" {
		t.Fatalf("topics %+v", ti)
	}
	if len(r.Skipped()) != 0 {
		t.Fatalf("skipped %v", r.Skipped())
	}
}

// TestReadMetadataVersions reads metadata.yaml as rosbag2 wrote it over
// the versions: QoS as a YAML string (up to 8) or as a sequence (9).
func TestReadMetadataVersions(t *testing.T) {
	cases := []struct {
		name, yaml string
		qosHas     string
		files      int
	}{
		{"foxy-v4", `rosbag2_bagfile_information:
  version: 4
  storage_identifier: sqlite3
  relative_file_paths:
    - old/old_0.db3
  duration:
    nanoseconds: 5
  starting_time:
    nanoseconds_since_epoch: 100
  message_count: 2
  topics_with_message_count:
    - topic_metadata:
        name: /chatter
        type: std_msgs/msg/String
        serialization_format: cdr
        offered_qos_profiles: "- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n"
      message_count: 2
  compression_format: ""
  compression_mode: ""`, "reliability: 1", 1},
		{"jazzy-v9", (&bagInfo{Version: 9, StorageID: "mcap", RelativePaths: []string{"a_0.mcap", "a_1.mcap"},
			Topics:    []bagTopic{{Name: "/chatter", Type: "std_msgs/msg/String", Format: "cdr", QoS: DefaultQoS("/chatter"), Count: 2}},
			RosDistro: "jazzy"}).metadataYAML(), "reliability: reliable", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), MetadataFile)
			if err := os.WriteFile(p, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := readMetadata(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Topics) != 1 || b.Topics[0].Name != "/chatter" || b.Topics[0].Count != 2 {
				t.Fatalf("topics %+v", b.Topics)
			}
			if q := b.Topics[0].QoS; !strings.Contains(q, tc.qosHas) {
				t.Fatalf("qos %q lacks %q", q, tc.qosHas)
			}
			if len(b.RelativePaths) != tc.files {
				t.Fatalf("paths %v", b.RelativePaths)
			}
		})
	}
	// Broken YAML is reported as ErrMetadata.
	p := filepath.Join(t.TempDir(), MetadataFile)
	os.WriteFile(p, []byte("rosbag2_bagfile_information: [unclosed"), 0o644)
	if _, err := readMetadata(p); !errors.Is(err, ErrMetadata) {
		t.Fatalf("broken metadata: %v", err)
	}
}
