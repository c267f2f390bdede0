package bag

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// peerMsgs are the messages of testdata/gopercept_msgcomp, a bag this
// package writes with per-message zstd compression for outside readers.
func peerMsgs() []testMsg { return makeMsgs(91, 12, 1_700_000_000_000_000_000, 20_000_000, 120) }

// TestGeneratePeerBag rewrites testdata/gopercept_msgcomp with -update; then
// run scripts/golden.sh internal/ros/bag/testdata/gen_peer_read_ours.py.
func TestGeneratePeerBag(t *testing.T) {
	if !*update {
		t.Skip("testdata is regenerated with -update")
	}
	dir := filepath.Join("testdata", "gopercept_msgcomp")
	os.RemoveAll(dir)
	w, err := NewBagWriter(dir, BagWriterConfig{WriterConfig: WriterConfig{MessageCompression: CompressionZstd, ChunkSize: 800}})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w.MCAPWriter, peerMsgs())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPeersReadOurMessageCompression compares what rosbags 0.11.9 and the
// mcap 1.6.0 Python reader made of our per-message compressed bag
// (testdata/gen_peer_read_ours.py) with what was written: every message's
// topic, time and decompressed bytes, the compression settings, the
// statistics and the channels' type hashes.
func TestPeersReadOurMessageCompression(t *testing.T) {
	var got struct {
		Rosbags struct {
			CompressionFormat string `json:"compression_format"`
			CompressionMode   string `json:"compression_mode"`
			Messages          []struct {
				Topic     string `json:"topic"`
				Timestamp int64  `json:"timestamp"`
				SHA256    string `json:"sha256"`
			} `json:"messages"`
		} `json:"rosbags"`
		MCAP struct {
			MessageCount uint64            `json:"message_count"`
			CRCsChecked  bool              `json:"crcs_checked"`
			TypeHashes   map[string]string `json:"topic_type_hash"`
			Compressed   int               `json:"zstd_frames"`
		} `json:"mcap"`
	}
	if err := json.Unmarshal(readFileBytes(t, "testdata/gopercept_msgcomp_read.json"), &got); err != nil {
		t.Fatal(err)
	}
	msgs := peerMsgs()
	rb := got.Rosbags
	if rb.CompressionFormat != "zstd" || rb.CompressionMode != "message" || len(rb.Messages) != len(msgs) {
		t.Fatalf("rosbags: %q %q, %d messages of %d", rb.CompressionFormat, rb.CompressionMode, len(rb.Messages), len(msgs))
	}
	for i, m := range msgs {
		sum := sha256.Sum256(m.Data)
		g := rb.Messages[i]
		if g.Topic != m.Topic || g.Timestamp != m.LogTime || g.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("rosbags message %d: %+v, want %s@%d", i, g, m.Topic, m.LogTime)
		}
	}
	if got.MCAP.MessageCount != uint64(len(msgs)) || !got.MCAP.CRCsChecked || got.MCAP.Compressed != len(msgs) {
		t.Fatalf("mcap: %+v", got.MCAP)
	}
	for _, tp := range testTopics {
		want, _ := TypeHash(tp.Type, tp.SchemaText)
		if got.MCAP.TypeHashes[tp.Name] != want {
			t.Fatalf("mcap: %s topic_type_hash %q, want %q", tp.Name, got.MCAP.TypeHashes[tp.Name], want)
		}
	}
}
