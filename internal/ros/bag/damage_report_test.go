package bag

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
)

// TestDamageNamesLostMessages damages one chunk of an indexed bag: its
// damage report gives file, offset, kind, the chunk's time range and, from
// the message indexes after it, the topic and log time of every message it
// held; OnDamage sees the same reports as they happen.
func TestDamageNamesLostMessages(t *testing.T) {
	for _, c := range compressions {
		path := filepath.Join(t.TempDir(), "x.mcap")
		msgs := makeMsgs(41, 30, 1000, 10, 200)
		writeMCAP(t, path, WriterConfig{Compression: c, ChunkSize: 1200}, msgs)
		data := readFileBytes(t, path)
		starts, ends := chunkRecords(t, data)
		if len(starts) < 3 {
			t.Fatalf("%s: %d chunks", c, len(starts))
		}
		// Which messages the intact file puts in chunk 1.
		all, _ := readAll(t, path, ReaderConfig{})
		flipChunk(data, starts, ends, 1)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var seen []Damage
		got, r := readAll(t, path, ReaderConfig{OnDamage: func(d Damage) { seen = append(seen, d) }})
		lost := lostFrom(all, got)
		d := r.Damage()
		if len(d) != 1 || len(seen) != 1 {
			t.Fatalf("%s: damage %+v, callback saw %d", c, d, len(seen))
		}
		x := d[0]
		if x.File != path || x.Offset != starts[1] || x.Kind != KindChunk || !x.HasLogTime {
			t.Fatalf("%s: %+v", c, x)
		}
		if len(x.Lost) != len(lost) || len(lost) == 0 {
			t.Fatalf("%s: lost %d messages, report lists %d", c, len(lost), len(x.Lost))
		}
		for i, m := range lost {
			if x.Lost[i].Topic != m.Topic || x.Lost[i].LogTime != m.LogTime {
				t.Fatalf("%s: lost %d is %s@%d, report %+v", c, i, m.Topic, m.LogTime, x.Lost[i])
			}
		}
		if x.LogTime != lost[0].LogTime || x.EndTime != lost[len(lost)-1].LogTime {
			t.Fatalf("%s: chunk range %d..%d, lost %d..%d", c, x.LogTime, x.EndTime, lost[0].LogTime, lost[len(lost)-1].LogTime)
		}
		s := x.String()
		if !strings.Contains(s, path) || !strings.Contains(s, "offset") || !strings.Contains(s, "chunk") {
			t.Fatalf("String() = %q", s)
		}
		if err := r.Status(); !errors.Is(err, ErrDamaged) {
			t.Fatalf("%s: Status %v", c, err)
		}
	}
}

// lostFrom returns the messages of all that got lacks (both in log order).
func lostFrom(all, got []testMsg) []testMsg {
	var out []testMsg
	j := 0
	for _, m := range all {
		if j < len(got) && got[j].LogTime == m.LogTime && got[j].Topic == m.Topic {
			j++
			continue
		}
		out = append(out, m)
	}
	return out
}

// TestDamageLooseMessage checks the topic and log time of a damaged message
// record outside any chunk (the writer's ChunkSize 0 writes none) and of a
// message on an unknown channel.
func TestDamageLooseMessage(t *testing.T) {
	msgs := makeMsgs(42, 6, 5000, 10, 50)
	data := unchunkedMCAP(t, msgs)
	path := filepath.Join(t.TempDir(), "x.mcap")
	var offs []int
	for off := 8; off+recordHeaderLen <= len(data)-8; {
		op, n := data[off], int(binary.LittleEndian.Uint64(data[off+1:]))
		if op == 0x05 {
			offs = append(offs, off)
		}
		if op == 0x02 {
			break
		}
		off += recordHeaderLen + n
	}
	if len(offs) != len(msgs) {
		t.Fatalf("%d message records for %d messages", len(offs), len(msgs))
	}
	bad := bytes.Clone(data)
	binary.LittleEndian.PutUint64(bad[offs[2]+1:], binary.LittleEndian.Uint64(bad[offs[2]+1:])+3)
	binary.LittleEndian.PutUint16(bad[offs[4]+recordHeaderLen:], 999)
	os.WriteFile(path, bad, 0o644)
	_, r := readAll(t, path, ReaderConfig{})
	d := r.Damage()
	if len(d) != 2 {
		t.Fatalf("damage %+v", d)
	}
	if d[0].Kind != KindMessage || d[0].Offset != int64(offs[2]) || d[0].Topic != msgs[2].Topic || !d[0].HasLogTime || d[0].LogTime != msgs[2].LogTime {
		t.Fatalf("wrong length: %+v, want %s@%d", d[0], msgs[2].Topic, msgs[2].LogTime)
	}
	if d[1].Kind != KindMessage || d[1].Reason != ReasonUnknownChannel || d[1].LogTime != msgs[4].LogTime {
		t.Fatalf("unknown channel: %+v", d[1])
	}
}

// unchunkedMCAP writes msgs with the mcap library, unchunked, over
// testTopics (channel i+1 for topic i).
func unchunkedMCAP(t *testing.T, msgs []testMsg) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := mcap.NewWriter(&buf, &mcap.WriterOptions{Chunked: false})
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
	ids := map[string]uint16{}
	for i, tp := range testTopics {
		id := uint16(i + 1)
		ids[tp.Name] = id
		must(w.WriteSchema(&mcap.Schema{ID: id, Name: tp.Type, Encoding: "ros2msg", Data: []byte(tp.SchemaText)}))
		must(w.WriteChannel(&mcap.Channel{ID: id, SchemaID: id, Topic: tp.Name, MessageEncoding: "cdr"}))
	}
	for _, m := range msgs {
		must(w.WriteMessage(&mcap.Message{ChannelID: ids[m.Topic], LogTime: uint64(m.LogTime), PublishTime: uint64(m.PublishTime), Data: m.Data}))
	}
	must(w.Close())
	return buf.Bytes()
}

// TestEmptyBagsReported: a file holding only the magic and a bag whose one
// chunk is damaged and that has no summary read no message, and Status
// says so (ErrEmpty) with the damage listed, instead of a silent success.
func TestEmptyBagsReported(t *testing.T) {
	dir := t.TempDir()
	magic := filepath.Join(dir, "magic.mcap")
	os.WriteFile(magic, mcapMagic, 0o644)
	_, r := readAll(t, magic, ReaderConfig{})
	if err := r.Status(); !errors.Is(err, ErrEmpty) || len(r.Damage()) == 0 {
		t.Fatalf("magic only: Status %v, damage %v", err, r.Damage())
	}

	for _, c := range compressions {
		path := filepath.Join(dir, "one.mcap")
		msgs := makeMsgs(43, 12, 1000, 10, 200)
		writeMCAP(t, path, WriterConfig{Compression: c}, msgs)
		data := readFileBytes(t, path)
		starts, ends := chunkRecords(t, data)
		if len(starts) != 1 {
			t.Fatalf("%d chunks", len(starts))
		}
		data = data[:ends[0]]
		flipChunk(data, starts, ends, 0)
		os.WriteFile(path, data, 0o644)
		got, r := readAll(t, path, ReaderConfig{})
		err := r.Status()
		if len(got) != 0 || !errors.Is(err, ErrEmpty) || r.MessagesRead() != 0 {
			t.Fatalf("%s: %d messages, Status %v", c, len(got), err)
		}
		var chunk bool
		for _, d := range r.Damage() {
			chunk = chunk || (d.Kind == KindChunk && d.Offset == starts[0])
		}
		if !chunk {
			t.Fatalf("%s: damaged chunk not reported: %v", c, r.Damage())
		}
	}

	// An intact bag: Status nil.
	path := filepath.Join(dir, "ok.mcap")
	writeMCAP(t, path, WriterConfig{}, makeMsgs(44, 5, 1000, 10, 20))
	got, r := readAll(t, path, ReaderConfig{})
	if err := r.Status(); err != nil || r.MessagesRead() != int64(len(got)) {
		t.Fatalf("intact: %v, %d read", err, r.MessagesRead())
	}
}
