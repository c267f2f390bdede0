package bag

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
)

// TestMessageCompressionRoundTrip writes a bag with per-message zstd
// compression (what `ros2 bag record --compression-mode message` writes)
// and reads it back as a directory, as a lone .mcap (its embedded rosbag2
// metadata says MESSAGE), cut short without summary (each message's zstd
// magic tells), and by StreamFile: every message comes back uncompressed.
func TestMessageCompressionRoundTrip(t *testing.T) {
	for _, c := range compressions {
		dir := filepath.Join(t.TempDir(), "bag")
		msgs := makeMsgs(51, 40, 1000, 10, 400)
		w, err := NewBagWriter(dir, BagWriterConfig{WriterConfig: WriterConfig{Compression: c, MessageCompression: CompressionZstd, ChunkSize: 2000}})
		if err != nil {
			t.Fatal(err)
		}
		writeAll(t, w.MCAPWriter, msgs)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		meta := string(readFileBytes(t, filepath.Join(dir, MetadataFile)))
		if !strings.Contains(meta, "compression_format: zstd") || !strings.Contains(meta, "compression_mode: MESSAGE") {
			t.Fatalf("metadata.yaml:\n%s", meta)
		}
		file := filepath.Join(dir, "bag_0.mcap")
		// The stored payloads really are zstd frames.
		f, _ := os.Open(file)
		mr, err := mcap.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		it, _ := mr.Messages()
		_, _, raw, err := it.NextInto(nil)
		if err != nil || !bytes.HasPrefix(raw.Data, zstdMagic) {
			t.Fatalf("%s: stored message %x..., %v", c, raw.Data[:min(8, len(raw.Data))], err)
		}
		f.Close()

		got, r := readAll(t, dir, ReaderConfig{})
		sameMsgs(t, got, msgs)
		if len(r.Damage()) != 0 {
			t.Fatalf("%s: damage %v", c, r.Damage())
		}
		got, _ = readAll(t, file, ReaderConfig{})
		sameMsgs(t, got, msgs)

		data := readFileBytes(t, file)
		_, ends := chunkRecords(t, data)
		cut := filepath.Join(t.TempDir(), "cut.mcap")
		os.WriteFile(cut, data[:ends[len(ends)-1]], 0o644)
		got, _ = readAll(t, cut, ReaderConfig{})
		sameMsgs(t, got, msgs)

		var n int
		_, err = StreamFile(file, ReaderConfig{}, func(m *Message) error {
			if !bytes.Equal(m.Data, msgs[n].Data) {
				t.Fatalf("%s: stream message %d differs", c, n)
			}
			n++
			return nil
		})
		if err != nil || n != len(msgs) {
			t.Fatalf("%s: stream %d messages, %v", c, n, err)
		}
	}
}

// TestMessageCompressionDamage: a message whose zstd frame is broken (the
// chunk is uncompressed and without CRC here, so only the frame can tell)
// is reported with its topic and log time; the others are read.
func TestMessageCompressionDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bag")
	msgs := makeMsgs(52, 9, 1000, 10, 100)
	w, err := NewBagWriter(dir, BagWriterConfig{WriterConfig: WriterConfig{Compression: CompressionNone, MessageCompression: CompressionZstd}})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w.MCAPWriter, msgs)
	w.Close()
	file := filepath.Join(dir, "bag_0.mcap")
	data := readFileBytes(t, file)
	// The fifth message's frame: find its zstd magic and break the frame
	// header after it (a reserved bit), then clear the chunk CRC.
	i := -1
	for k := 0; k < 5; k++ {
		i += 1 + bytes.Index(data[i+1:], zstdMagic)
	}
	data[i+4] |= 0x08
	starts, _ := chunkRecords(t, data)
	for _, s := range starts {
		copy(data[s+recordHeaderLen+24:], []byte{0, 0, 0, 0})
	}
	os.WriteFile(file, data, 0o644)
	got, r := readAll(t, dir, ReaderConfig{})
	sameMsgs(t, got, append(append([]testMsg(nil), msgs[:4]...), msgs[5:]...))
	d := r.Damage()
	if len(d) != 1 || d[0].Kind != KindMessage || d[0].Reason != ReasonDecompress || d[0].Topic != msgs[4].Topic || d[0].LogTime != msgs[4].LogTime {
		t.Fatalf("damage %+v, want %s@%d", d, msgs[4].Topic, msgs[4].LogTime)
	}
}

// TestRosbagsMessageCompression reads a bag that the rosbags package wrote
// with compression_mode message (testdata/gen_rosbags_msgcomp.py): as a
// directory and as a lone .mcap, every message equals the CDR rosbags
// serialized before compressing it.
func TestRosbagsMessageCompression(t *testing.T) {
	var want []struct {
		Topic   string `json:"topic"`
		LogTime int64  `json:"log_time"`
		CDR     string `json:"cdr"`
	}
	if err := json.Unmarshal(readFileBytes(t, "testdata/rosbags_msgcomp.json"), &want); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"testdata/rosbags_msgcomp", "testdata/rosbags_msgcomp/rosbags_msgcomp.mcap"} {
		got, r := readAll(t, path, ReaderConfig{})
		if len(got) != len(want) || len(r.Damage()) != 0 {
			t.Fatalf("%s: %d messages of %d, damage %v", path, len(got), len(want), r.Damage())
		}
		for i, w := range want {
			cdr, _ := hex.DecodeString(w.CDR)
			if got[i].Topic != w.Topic || got[i].LogTime != w.LogTime || !bytes.Equal(got[i].Data, cdr) {
				t.Fatalf("%s: message %d: %s@%d %x, want %s@%d %x", path, i, got[i].Topic, got[i].LogTime, got[i].Data, w.Topic, w.LogTime, cdr)
			}
		}
	}
}
