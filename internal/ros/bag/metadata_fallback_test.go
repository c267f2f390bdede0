package bag

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrokenMetadataFallsBack: an intact bag directory whose metadata.yaml
// is broken (cut short, binary, wrong types, an unknown compression mode,
// listing only missing files) is still read from its .mcap, with a warning
// wrapping ErrMetadata that names the file.
func TestBrokenMetadataFallsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bag")
	msgs := makeMsgs(61, 20, 1000, 10, 100)
	w, err := NewBagWriter(dir, BagWriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w.MCAPWriter, msgs)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	metaPath := filepath.Join(dir, MetadataFile)
	good := string(readFileBytes(t, metaPath))
	cases := map[string]string{
		"cut":         good[:len(good)/2] + "\n  topics_with_message_count: [\n",
		"binary":      "\x00\x01\x02\xff\xfe garbage",
		"types":       strings.Replace(good, "message_count: 20", "message_count: twenty", 1),
		"compression": strings.Replace(good, "compression_mode: \"\"", "compression_mode: sideways", 1),
		"paths":       strings.Replace(good, "- bag_0.mcap", "- elsewhere_0.mcap", 1),
	}
	for name, text := range cases {
		if text == good {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if err := os.WriteFile(metaPath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, r := readAll(t, dir, ReaderConfig{})
		sameMsgs(t, got, msgs)
		ws := r.Warnings()
		if len(ws) != 1 || !errors.Is(ws[0], ErrMetadata) || !strings.Contains(ws[0].Error(), metaPath) {
			t.Fatalf("%s: warnings %v", name, ws)
		}
		if len(r.Topics()) != len(testTopics) {
			t.Fatalf("%s: topics %v", name, r.Topics())
		}
	}
	// The intact file: no warning.
	os.WriteFile(metaPath, []byte(good), 0o644)
	if _, r := readAll(t, dir, ReaderConfig{}); len(r.Warnings()) != 0 {
		t.Fatalf("intact: %v", r.Warnings())
	}
}
