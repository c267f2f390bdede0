package bag

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDB3Reader feeds damaged rosbag2 sqlite3 files to the reader, seeded
// with the checked-in Jazzy-layout sample and a cut and a flipped copy. It
// must not panic or hang; rows it cannot decode are reported, not fatal.
func FuzzDB3Reader(f *testing.F) {
	real, err := os.ReadFile("testdata/sample_db3/sample_db3_0.db3")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add(real[:len(real)/2])
	bad := bytes.Clone(real)
	bad[len(bad)*3/4] ^= 0xff
	f.Add(bad)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f.db3")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, ReaderConfig{})
		if err != nil {
			return // sqlite's errors on a broken database
		}
		defer r.Close()
		n, _ := drain(r)
		if int64(n) != r.MessagesRead() {
			t.Fatalf("drained %d, MessagesRead %d", n, r.MessagesRead())
		}
	})
}

// FuzzMetadata puts arbitrary metadata.yaml text beside an intact .mcap:
// opening the directory must succeed (a broken metadata.yaml falls back to
// the .mcap with a warning) unless the text asks for an unsupported
// feature, and every message must be read or reported. Seeds are real
// metadata files: ours, the db3 sample's and the one rosbags wrote.
func FuzzMetadata(f *testing.F) {
	for _, p := range []string{"testdata/sample_db3/metadata.yaml", "testdata/rosbags_msgcomp/metadata.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	src := filepath.Join(f.TempDir(), "src")
	msgs := makeMsgs(81, 8, 1000, 10, 40)
	w, err := NewBagWriter(src, BagWriterConfig{Name: "bag"})
	if err != nil {
		f.Fatal(err)
	}
	writeAll(f, w.MCAPWriter, msgs)
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	ours, _ := os.ReadFile(filepath.Join(src, MetadataFile))
	f.Add(ours)
	f.Add(ours[:len(ours)/3])
	mcapBytes, _ := os.ReadFile(filepath.Join(src, "bag_0.mcap"))
	dir := filepath.Join(f.TempDir(), "bag")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bag_0.mcap"), mcapBytes, 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, meta []byte) {
		if err := os.WriteFile(filepath.Join(dir, MetadataFile), meta, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(dir, ReaderConfig{})
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				return
			}
			t.Fatalf("open: %v", err)
		}
		defer r.Close()
		if _, err := drain(r); err != nil {
			t.Fatal(err)
		}
		lost := int64(0)
		for _, d := range r.Damage() {
			if d.Kind == KindMessage {
				lost++
			}
		}
		// A listed file may be read twice; none may go missing.
		if r.MessagesRead()+lost < int64(len(msgs)) {
			t.Fatalf("read %d and %d damaged of %d messages", r.MessagesRead(), lost, len(msgs))
		}
	})
}

// FuzzQoS parses offered_qos_profiles YAML, seeded with what rosbag2 Jazzy
// writes and what metadata version 4 wrote (enum numbers). What parses is
// a sequence (validateQoS agrees), and profiles with known policies
// survive QoSYAML and ParseQoS unchanged.
func FuzzQoS(f *testing.F) {
	f.Add(DefaultQoS("/points"))
	f.Add(DefaultQoS("/tf_static"))
	f.Add(QoSYAML(QoSProfile{History: HistoryKeepAll, Reliability: ReliabilityBestEffort, Depth: 5}, QoSProfile{Depth: 1}))
	f.Add("- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 2147483647\n    nsec: 4294967295\n  lifespan:\n    sec: 2147483647\n    nsec: 4294967295\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 2147483647\n    nsec: 4294967295\n  avoid_ros_namespace_conventions: false")
	f.Add("[]")
	known := map[string]bool{"": true, HistoryKeepLast: true, HistoryKeepAll: true, ReliabilityReliable: true, ReliabilityBestEffort: true, DurabilityVolatile: true, DurabilityTransient: true}
	f.Fuzz(func(t *testing.T, text string) {
		ps, err := ParseQoS(text)
		if err != nil {
			return
		}
		if verr := validateQoS(text); verr != nil && len(ps) > 0 {
			t.Fatalf("ParseQoS accepted %d profiles, validateQoS: %v", len(ps), verr)
		}
		norm := make([]QoSProfile, len(ps))
		for i, p := range ps {
			if !known[p.History] || !known[p.Reliability] || !known[p.Durability] {
				return
			}
			norm[i] = QoSProfile{History: orDefault(p.History, HistoryKeepLast), Depth: p.Depth,
				Reliability: orDefault(p.Reliability, ReliabilityReliable), Durability: orDefault(p.Durability, DurabilityVolatile)}
		}
		if len(norm) == 0 {
			return
		}
		back, err := ParseQoS(QoSYAML(norm...))
		if err != nil || !reflect.DeepEqual(back, norm) {
			t.Fatalf("round trip %+v -> %+v, %v", norm, back, err)
		}
	})
}
