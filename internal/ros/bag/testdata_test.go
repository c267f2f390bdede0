package bag

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata (sample db3 bag and fuzz corpus)")

// TestGenerateTestdata rewrites bag/testdata with -update: a small rosbag2
// sqlite3 bag directory and the FuzzMCAPReader seed corpus.
func TestGenerateTestdata(t *testing.T) {
	if !*update {
		t.Skip("testdata is regenerated with -update")
	}
	dir := filepath.Join("testdata", "sample_db3")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	msgs := makeMsgs(42, 12, 1_700_000_000_000_000_000, 50_000_000, 40)
	makeDB3(t, filepath.Join(dir, "sample_db3_0.db3"), msgs, false)
	info := &bagInfo{
		Version: MetadataVersion, StorageID: "sqlite3", MessageCount: uint64(len(msgs)),
		Start: msgs[0].LogTime, Duration: msgs[len(msgs)-1].LogTime - msgs[0].LogTime,
		RelativePaths: []string{"sample_db3_0.db3"}, RosDistro: "jazzy",
	}
	for _, tp := range testTopics {
		info.Topics = append(info.Topics, bagTopic{Name: tp.Name, Type: tp.Type, Format: "cdr", QoS: DefaultQoS(tp.Name), Count: 4})
	}
	info.Files = []bagFile{{Path: "sample_db3_0.db3", Start: info.Start, Duration: info.Duration, Count: info.MessageCount}}
	if err := os.WriteFile(filepath.Join(dir, MetadataFile), []byte(info.metadataYAML()), 0o644); err != nil {
		t.Fatal(err)
	}

	corpus := filepath.Join("testdata", "fuzz", "FuzzMCAPReader")
	os.RemoveAll(corpus)
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range fuzzSeeds(t) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "go test fuzz v1\n[]byte(%q)\n", seed)
		if err := os.WriteFile(filepath.Join(corpus, fmt.Sprintf("seed%02d", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fuzzSeeds returns small real files from the writer, whole and damaged.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range compressions {
		var buf bytes.Buffer
		w, err := NewMCAPWriter(&buf, WriterConfig{Compression: c, ChunkSize: 300})
		if err != nil {
			t.Fatal(err)
		}
		writeAll(t, w, makeMsgs(int64(len(seeds)), 6, 1000, 10, 60))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		seeds = append(seeds, bytes.Clone(b), bytes.Clone(b[:len(b)*2/3]))
		bad := bytes.Clone(b)
		bad[len(b)/3] ^= 0xff
		seeds = append(seeds, bad)
	}
	return seeds
}
