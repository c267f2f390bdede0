package bag

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestResyncWrongLength corrupts one chunk's length field to values that
// still fit in the file (a few bytes off, a chunk too long, one swallowing
// the next chunks, too short): the damaged chunk is reported at its offset
// and every other chunk's messages are read, with and without a summary.
func TestResyncWrongLength(t *testing.T) {
	for _, c := range compressions {
		for _, summary := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/summary=%v", c, summary), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "x.mcap")
				msgs := makeMsgs(31, 19, 1000, 10, 300)
				writeMCAP(t, path, WriterConfig{Compression: c, ChunkSize: 1}, msgs)
				data := readFileBytes(t, path)
				starts, ends := chunkRecords(t, data)
				if len(starts) != len(msgs) {
					t.Fatalf("%d chunks for %d messages", len(starts), len(msgs))
				}
				if !summary {
					data = data[:ends[len(ends)-1]]
				}
				const k = 6
				n := uint64(ends[k] - starts[k] - recordHeaderLen)
				for _, bad := range []uint64{n + 1, n - 1, n + 40, n + uint64(ends[k+1]-ends[k]), n + uint64(ends[k+3]-ends[k]) + 5, n / 2, 3} {
					d := bytes.Clone(data)
					binary.LittleEndian.PutUint64(d[starts[k]+1:], bad)
					if err := os.WriteFile(path, d, 0o644); err != nil {
						t.Fatal(err)
					}
					got, r := readAll(t, path, ReaderConfig{})
					want := append(append([]testMsg(nil), msgs[:k]...), msgs[k+1:]...)
					sameMsgs(t, got, want)
					var hit bool
					for _, s := range r.Skipped() {
						if s.Offset == starts[k] {
							hit = true
						}
						if s.Offset > starts[k] && s.Offset < int64(len(d))-1 && summary {
							t.Errorf("length %d: extra damage reported %+v", bad, s)
						}
					}
					if !hit {
						t.Fatalf("length %d: chunk at %d not reported: %+v", bad, starts[k], r.Skipped())
					}
				}
			})
		}
	}
}
