package bag

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
)

// TestTypeHashJazzy computes the RIHS01 hash of every message type
// gopercept can write from the schema text it writes, and compares it with
// the hash ROS 2 Jazzy's rosidl generated for that type
// (testdata/type_hashes_jazzy.json, from testdata/gen_type_hashes_jazzy.py).
func TestTypeHashJazzy(t *testing.T) {
	var want map[string]string
	if err := json.Unmarshal(readFileBytes(t, "testdata/type_hashes_jazzy.json"), &want); err != nil {
		t.Fatal(err)
	}
	names := rosmsg.TypeNames()
	if len(names) < 40 {
		t.Fatalf("only %d types registered", len(names))
	}
	for _, name := range names {
		schema, err := rosmsg.Schema(name)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no Jazzy hash in the golden file", name)
			continue
		}
		got, err := TypeHash(name, schema)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != w {
			t.Errorf("%s: %s, Jazzy %s", name, got, w)
		}
	}
}

// TestTypeHashErrors: a schema missing a referenced definition or holding
// a line that does not parse gives ErrTypeHash.
func TestTypeHashErrors(t *testing.T) {
	for _, s := range []string{
		"std_msgs/Header header\nfloat64 x",
		"float64",
		"float64[x] y",
		"string<=q s",
		"int32 a\n====\nnot a header",
	} {
		if _, err := TypeHash("p/msg/T", s); !errors.Is(err, ErrTypeHash) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// TestWriterTypeHash: a bag directory written with full schemas carries the
// Jazzy hashes in the channel metadata (topic_type_hash) and in
// metadata.yaml (type_description_hash), as rosbag2 Jazzy writes them.
func TestWriterTypeHash(t *testing.T) {
	var want map[string]string
	if err := json.Unmarshal(readFileBytes(t, "testdata/type_hashes_jazzy.json"), &want); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bag")
	w, err := NewBagWriter(dir, BagWriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{"/points": "sensor_msgs/msg/PointCloud2", "/tf": "tf2_msgs/msg/TFMessage", "/markers": "visualization_msgs/msg/MarkerArray"}
	for _, topic := range []string{"/markers", "/points", "/tf"} {
		schema, _ := rosmsg.Schema(types[topic])
		id, err := w.AddTopic(Topic{Name: topic, Type: types[topic], SchemaText: schema})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(id, 1, 1, []byte{0, 1, 0, 0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "bag_0.mcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mr, err := mcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	info, err := mr.Info()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Channels) != len(types) {
		t.Fatalf("%d channels", len(info.Channels))
	}
	for _, ch := range info.Channels {
		if got := ch.Metadata["topic_type_hash"]; got != want[types[ch.Topic]] {
			t.Errorf("%s: channel topic_type_hash %q, Jazzy %q", ch.Topic, got, want[types[ch.Topic]])
		}
	}
	meta := string(readFileBytes(t, filepath.Join(dir, MetadataFile)))
	for _, tp := range types {
		if !strings.Contains(meta, "type_description_hash: "+want[tp]+"\n") {
			t.Errorf("metadata.yaml lacks %s's hash:\n%s", tp, meta)
		}
	}
	_, r := readAll(t, dir, ReaderConfig{})
	for _, ti := range r.Topics() {
		if ti.TypeHash != want[ti.Type] {
			t.Errorf("%s: read back %q", ti.Name, ti.TypeHash)
		}
	}
}
