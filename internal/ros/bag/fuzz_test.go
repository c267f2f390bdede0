package bag

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzMCAPReader feeds arbitrary bytes to the lenient MCAP reader, seeded
// with real files from the writer (whole, cut and damaged; the committed
// corpus is in testdata/fuzz/FuzzMCAPReader). It must never panic, must
// report skips at offsets inside the file, and the stream path and the
// ordered path must read the same number of messages.
func FuzzMCAPReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f.mcap")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := ReaderConfig{MaxChunkBytes: 1 << 20}
		r, err := Open(path, cfg)
		if err != nil {
			// Inputs that look like sqlite go to the db3 reader, whose errors
			// are sqlite's.
			sqlite := len(data) >= 16 && string(data[:16]) == "SQLite format 3\x00"
			if !errors.Is(err, ErrNotMCAP) && !errors.Is(err, ErrUnknownFormat) && !sqlite {
				t.Fatalf("open: %v", err)
			}
			return
		}
		n, err := drain(r)
		if err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		for _, s := range r.Skipped() {
			if s.Offset < 0 || s.Offset > int64(len(data)) || s.Reason == "" {
				t.Fatalf("skip %+v outside a %d-byte file", s, len(data))
			}
		}
		r.Close()
		st, err := StreamFile(path, cfg, func(*Message) error { return nil })
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if st.Messages != int64(n) {
			// Both paths read the same records; only the order differs.
			t.Fatalf("stream read %d messages, reader %d", st.Messages, n)
		}
	})
}
