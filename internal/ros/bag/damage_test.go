package bag

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestTruncated cuts files at every offset: no panic, every message in a
// chunk that ends before the cut is read in order, and the cut is reported
// with an offset.
func TestTruncated(t *testing.T) {
	for _, c := range compressions {
		t.Run(string(c), func(t *testing.T) {
			dir := t.TempDir()
			full := filepath.Join(dir, "full.mcap")
			msgs := makeMsgs(20, 24, 1000, 10, 80)
			// ChunkSize 1 puts each message in its own chunk.
			writeMCAP(t, full, WriterConfig{Compression: c, ChunkSize: 1}, msgs)
			data := readFileBytes(t, full)
			_, ends := chunkRecords(t, data)
			if len(ends) != len(msgs) {
				t.Fatalf("%d chunks for %d messages", len(ends), len(msgs))
			}
			cut := filepath.Join(dir, "cut.mcap")
			step := 1
			if testing.Short() {
				step = 7
			}
			for n := 8; n < len(data); n += step {
				if err := os.WriteFile(cut, data[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				r, err := Open(cut, ReaderConfig{})
				if err != nil {
					t.Fatalf("cut %d: %v", n, err)
				}
				var got []testMsg
				for m, err := range r.All() {
					if err != nil {
						t.Fatalf("cut %d: %v", n, err)
					}
					got = append(got, testMsg{Topic: m.Topic, LogTime: m.LogTime, PublishTime: m.PublishTime, Data: bytes.Clone(m.Data)})
				}
				r.Close()
				want := 0
				for _, e := range ends {
					if e <= int64(n) {
						want++
					}
				}
				if len(got) != want {
					t.Logf("cut %d: %+v", n, r.Skipped())
				}
				sameMsgs(t, got, msgs[:want])
				sk := r.Skipped()
				if len(sk) == 0 {
					t.Fatalf("cut %d: nothing reported", n)
				}
				for _, s := range sk {
					if s.Reason != ReasonTruncated || s.Offset > int64(n) || s.File != cut {
						t.Fatalf("cut %d: skip %+v", n, s)
					}
				}
			}
		})
	}
}

// flipChunk damages the records of chunk i (not its header).
func flipChunk(data []byte, starts, ends []int64, i int) {
	mid := (starts[i] + recordHeaderLen + chunkFixedLen + 8 + ends[i]) / 2
	data[mid] ^= 0x5a
	data[mid+1] ^= 0xa5
}

func TestCorruptChunk(t *testing.T) {
	for _, c := range compressions {
		for _, summary := range []bool{true, false} {
			name := string(c) + map[bool]string{true: "/indexed", false: "/no-summary"}[summary]
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "x.mcap")
				msgs := makeMsgs(21, 12, 1000, 10, 300)
				writeMCAP(t, path, WriterConfig{Compression: c, ChunkSize: 1}, msgs)
				data := readFileBytes(t, path)
				starts, ends := chunkRecords(t, data)
				if !summary {
					// Cut after the last chunk: no summary, no footer.
					data = data[:ends[len(ends)-1]]
				}

				// A corrupted chunk body is skipped; the next chunk is read.
				bad := bytes.Clone(data)
				flipChunk(bad, starts, ends, 3)
				os.WriteFile(path, bad, 0o644)
				got, r := readAll(t, path, ReaderConfig{})
				want := append(append([]testMsg(nil), msgs[:3]...), msgs[4:]...)
				sameMsgs(t, got, want)
				sk := r.Skipped()
				var hit bool
				for _, s := range sk {
					if s.Offset == starts[3] && (s.Reason == ReasonCRC || s.Reason == ReasonDecompress) {
						hit = true
					}
				}
				if !hit {
					t.Fatalf("chunk at %d not reported: %+v", starts[3], sk)
				}

				// A chunk whose length field is garbage: skipped, reading
				// resumes at the next chunk (by index or by scanning).
				bad = bytes.Clone(data)
				binary.LittleEndian.PutUint64(bad[starts[5]+1:], 1<<50)
				os.WriteFile(path, bad, 0o644)
				got, r = readAll(t, path, ReaderConfig{})
				want = append(append([]testMsg(nil), msgs[:5]...), msgs[6:]...)
				sameMsgs(t, got, want)
				if sk := r.Skipped(); len(sk) == 0 || sk[len(sk)-1].Offset != starts[5] && sk[0].Offset != starts[5] {
					t.Fatalf("bad length not reported at %d: %+v", starts[5], sk)
				}

				// An invalid opcode in place of a chunk.
				bad = bytes.Clone(data)
				bad[starts[7]] = 0
				os.WriteFile(path, bad, 0o644)
				got, _ = readAll(t, path, ReaderConfig{})
				want = append(append([]testMsg(nil), msgs[:7]...), msgs[8:]...)
				sameMsgs(t, got, want)
			})
		}
	}
}

// TestSkipCountsAndErrors checks the per-reason counts and that RecordError
// wraps its sentinel.
func TestSkipCountsAndErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.mcap")
	msgs := makeMsgs(22, 10, 1000, 10, 300)
	writeMCAP(t, path, WriterConfig{Compression: CompressionNone, ChunkSize: 1}, msgs)
	data := readFileBytes(t, path)
	starts, ends := chunkRecords(t, data)
	flipChunk(data, starts, ends, 1)
	flipChunk(data, starts, ends, 2)
	os.WriteFile(path, data, 0o644)
	_, r := readAll(t, path, ReaderConfig{})
	if got := r.SkipCounts(); got[ReasonCRC] != 2 || len(got) != 1 {
		t.Fatalf("counts %v", got)
	}
	// With CRC checks off the damaged payloads come through.
	got, r2 := readAll(t, path, ReaderConfig{SkipCRC: true})
	if len(got) != len(msgs) || len(r2.Skipped()) != 0 {
		t.Fatalf("SkipCRC: %d messages, %v", len(got), r2.Skipped())
	}
	for _, s := range r.Skipped() {
		err := s.Err()
		var re *RecordError
		if !errors.Is(err, ErrCRC) || !errors.As(err, &re) || re.Offset != s.Offset || re.File != path {
			t.Fatalf("Skipped.Err() = %v", err)
		}
	}
}

// TestTooLarge checks the MaxChunkBytes cap.
func TestTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.mcap")
	msgs := makeMsgs(23, 6, 1000, 10, 5000)
	writeMCAP(t, path, WriterConfig{ChunkSize: 1}, msgs)
	got, r := readAll(t, path, ReaderConfig{MaxChunkBytes: 1024})
	if len(got) != 0 || r.SkipCounts()[ReasonTooLarge] == 0 {
		t.Fatalf("%d messages, %v", len(got), r.SkipCounts())
	}
}

// TestParallelismSame checks that read-ahead decompression changes nothing
// but speed: same messages, same skips, for every Parallelism.
func TestParallelismSame(t *testing.T) {
	for _, c := range compressions {
		path := filepath.Join(t.TempDir(), "x.mcap")
		msgs := makeMsgs(24, 40, 1000, 10, 400)
		writeMCAP(t, path, WriterConfig{Compression: c, ChunkSize: 1500}, msgs)
		data := readFileBytes(t, path)
		starts, ends := chunkRecords(t, data)
		flipChunk(data, starts, ends, 2)
		binary.LittleEndian.PutUint64(data[starts[5]+1:], 1<<40)
		os.WriteFile(path, data, 0o644)
		ref, r1 := readAll(t, path, ReaderConfig{Parallelism: 1})
		for _, p := range []int{2, 3, 8} {
			got, rp := readAll(t, path, ReaderConfig{Parallelism: p})
			sameMsgs(t, got, ref)
			a, b := r1.Skipped(), rp.Skipped()
			if len(a) != len(b) || len(a) != 2 {
				t.Fatalf("%s parallelism %d: skips %v vs %v", c, p, b, a)
			}
			for i := range a {
				if !reflect.DeepEqual(a[i], b[i]) {
					t.Fatalf("%s parallelism %d: skip %d %+v vs %+v", c, p, i, b[i], a[i])
				}
			}
		}
	}
}
