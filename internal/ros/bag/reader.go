package bag

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// ReaderConfig configures Open. The zero value is ready to use.
type ReaderConfig struct {
	// MaxChunkBytes caps the size of any record, and of any chunk after
	// decompression, that the reader loads into memory; larger ones are
	// skipped with ReasonTooLarge. Default 1 GiB.
	MaxChunkBytes int64
	// ReadBufferBytes is the size of the buffered file reader. Default 1 MiB.
	ReadBufferBytes int
	// SkipCRC disables chunk and summary CRC checks. Default false: checked.
	SkipCRC bool
	// Parallelism is the number of chunks read ahead of the one being
	// iterated and decompressed concurrently on other goroutines; 1 does
	// all work in the calling goroutine. Default runtime.GOMAXPROCS(0),
	// at most 4.
	Parallelism int
	// Topics, when not empty, limits the messages read to these topic
	// names; Reader.Topics still lists every topic. Default: all topics.
	Topics []string
	// FileOrder yields each file's messages in the order they are stored
	// instead of log-time order, which skips the reordering of overlapping
	// chunks. Files are still merged by log time. Default false.
	FileOrder bool
	// OnDamage, when set, is called with each damaged record as the reader
	// meets it (during Open for summaries and missing files, else during
	// Next), on the goroutine that calls them.
	OnDamage func(Damage)
}

func (c ReaderConfig) withDefaults() (ReaderConfig, error) {
	if c.MaxChunkBytes < 0 {
		return c, configErr("ReaderConfig.MaxChunkBytes", c.MaxChunkBytes, "negative")
	}
	if c.ReadBufferBytes < 0 {
		return c, configErr("ReaderConfig.ReadBufferBytes", c.ReadBufferBytes, "negative")
	}
	if c.Parallelism < 0 {
		return c, configErr("ReaderConfig.Parallelism", c.Parallelism, "negative")
	}
	if c.Parallelism == 0 {
		c.Parallelism = min(runtime.GOMAXPROCS(0), 4)
	}
	if c.MaxChunkBytes == 0 {
		c.MaxChunkBytes = 1 << 30
	}
	if c.ReadBufferBytes == 0 {
		c.ReadBufferBytes = 1 << 20
	}
	c.ReadBufferBytes = max(c.ReadBufferBytes, 4096)
	return c, nil
}

// Message is one message read from a bag.
type Message struct {
	// Topic is the topic name.
	Topic string
	// Type is the ROS type name, e.g. "sensor_msgs/msg/PointCloud2".
	Type string
	// SchemaText is the ros2msg definition, if the bag stores it.
	SchemaText string
	// LogTime is the receive time in nanoseconds since the Unix epoch.
	LogTime int64
	// PublishTime is the publish time in nanoseconds since the Unix epoch;
	// db3 bags do not store it and give LogTime.
	PublishTime int64
	// Sequence is the MCAP sequence number, 0 for db3.
	Sequence uint32
	// Data is the serialized (CDR) message. It is only valid until the next
	// call to Next; copy it to keep it.
	Data []byte
}

// Reader reads the messages of a bag (an .mcap file, a .db3 file or a bag
// directory) in log-time order across all its files. Damaged records are
// skipped and listed by Skipped. A Reader is not safe for concurrent use;
// it decompresses chunks on background goroutines that Close waits for.
type Reader struct {
	files   []string
	srcs    []source
	cur     []*msgRef
	heap    []int // indexes into srcs, ordered by cur
	waiting []int // sources not yet read, by start time
	last    int
	started bool
	topics  *topicSet
	skipped []Skipped
	onDmg   func(Damage)
	warns   []error
	meta    *bagInfo    // the directory's metadata.yaml, if used
	perFile []fileStats // messages read from each source, and their times
	read    int64
	msg     Message
	closed  bool
}

// Open opens a bag for reading: an .mcap file, a .db3 file, or a directory
// that holds a metadata.yaml (whose relative_file_paths give the files and
// their order) or, failing that, *.mcap and *.db3 files.
func Open(path string, cfg ReaderConfig) (*Reader, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Reader{topics: newTopicSet(cfg.Topics), last: -1, onDmg: cfg.OnDamage}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var meta *bagInfo
	files := []string{path}
	if st.IsDir() {
		files, meta, err = bagFiles(path, r.report, r.warn)
		if err != nil {
			return nil, err
		}
	}
	r.meta = meta
	for _, f := range files {
		src, err := r.openFile(f, cfg, meta)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.files = append(r.files, f)
		r.srcs = append(r.srcs, src)
	}
	if meta != nil {
		for _, t := range meta.Topics {
			if _, ok := r.topics.byName[t.Name]; !ok {
				e := r.topics.get(TopicInfo{Name: t.Name, Type: t.Type, SerializationFormat: t.Format, QoS: t.QoS, TypeHash: t.TypeHash})
				e.info.MessageCount = t.Count
			}
		}
	}
	return r, nil
}

func (r *Reader) report(s Skipped) {
	r.skipped = append(r.skipped, s)
	if r.onDmg != nil {
		r.onDmg(s)
	}
}

func (r *Reader) openFile(path string, cfg ReaderConfig, meta *bagInfo) (source, error) {
	kind, err := sniff(path)
	if err != nil {
		return nil, err
	}
	comp := msgCompUnknown
	if meta != nil {
		if comp, err = meta.messageCompression(); err != nil {
			return nil, err
		}
	}
	switch kind {
	case "mcap":
		return openMCAP(path, cfg, r.topics, r.report, cfg.FileOrder, comp)
	case "db3":
		if comp == msgCompUnknown {
			comp = ""
		}
		if comp != "" && comp != "zstd" {
			return nil, fmt.Errorf("%w: %s: per-message %s compression in a db3 file", ErrUnsupported, path, comp)
		}
		return openDB3(path, r.topics, r.report, comp)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownFormat, path)
}

// sniff tells an MCAP file from a sqlite3 one by content, then by extension.
func sniff(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var head [16]byte
	n, _ := io.ReadFull(f, head[:])
	switch {
	case n >= 8 && bytes.Equal(head[:8], mcapMagic):
		return "mcap", nil
	case n >= 16 && string(head[:16]) == "SQLite format 3\x00":
		return "db3", nil
	case strings.HasSuffix(path, ".mcap"):
		return "", fmt.Errorf("%w: %s", ErrNotMCAP, path)
	}
	return "", fmt.Errorf("%w: %s", ErrUnknownFormat, path)
}

// bagFiles lists the storage files of a bag directory.
// A file that metadata.yaml lists but that is missing is reported to
// report and left out. A metadata.yaml that cannot be parsed, declares an
// unknown compression or lists no file that exists is passed to warn and
// the directory's *.mcap and *.db3 files are read instead: the storage
// files carry their own topics and statistics.
func bagFiles(dir string, report func(Skipped), warn func(error)) ([]string, *bagInfo, error) {
	metaPath := filepath.Join(dir, MetadataFile)
	if _, err := os.Stat(metaPath); err == nil {
		meta, err := readMetadata(metaPath)
		if err == nil && strings.EqualFold(meta.CompressionMode, "file") {
			return nil, nil, fmt.Errorf("%w: file compression (%s)", ErrUnsupported, meta.CompressionFormat)
		}
		if err == nil {
			if _, cerr := meta.messageCompression(); cerr != nil {
				err = fmt.Errorf("%w: %s: %v", ErrMetadata, metaPath, cerr)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				err = fmt.Errorf("%w: %s: %v", ErrMetadata, metaPath, err)
			}
			warn(fmt.Errorf("%w; reading the .mcap and .db3 files in %s instead", err, dir))
			return globBagFiles(dir)
		}
		var files []string
		for _, rel := range meta.RelativePaths {
			p := filepath.Join(dir, rel)
			if _, err := os.Stat(p); err != nil {
				// Bags from ROS 2 Foxy list paths relative to the parent.
				p = filepath.Join(dir, filepath.Base(rel))
				if _, err2 := os.Stat(p); err2 != nil {
					report(Skipped{File: filepath.Join(dir, rel), Kind: KindFile, Reason: ReasonMissingFile, Detail: "listed in " + metaPath})
					continue
				}
			}
			files = append(files, p)
		}
		if len(files) > 0 {
			return files, meta, nil
		}
		if len(meta.RelativePaths) > 0 {
			warn(fmt.Errorf("%w: none of the files %s lists exist; reading the .mcap and .db3 files in %s instead", ErrMetadata, metaPath, dir))
		}
	}
	return globBagFiles(dir)
}

// globBagFiles lists the *.mcap and *.db3 files of dir in name order.
func globBagFiles(dir string) ([]string, *bagInfo, error) {
	var files []string
	for _, pat := range []string{"*.mcap", "*.db3"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, nil, err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrNoBagFiles, dir)
	}
	sort.Strings(files)
	return files, nil, nil
}

// Files returns the storage files of the bag in reading order.
func (r *Reader) Files() []string { return append([]string(nil), r.files...) }

// Topics returns the bag's topics sorted by name. Message counts come from
// the files' statistics; see TopicInfo.MessageCount.
func (r *Reader) Topics() []TopicInfo { return r.topics.list() }

// Skipped returns the damaged records skipped so far, sorted by file (in
// reading order) and offset.
func (r *Reader) Skipped() []Skipped {
	idx := make(map[string]int, len(r.files))
	for i, f := range r.files {
		idx[f] = i
	}
	out := append([]Skipped(nil), r.skipped...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return idx[a.File] < idx[b.File]
		}
		return a.Offset < b.Offset
	})
	return out
}

func (r *Reader) warn(err error) { r.warns = append(r.warns, err) }

// Warnings returns what Open worked around without failing, for the caller
// to print: a metadata.yaml that could not be used (the error wraps
// ErrMetadata), whose directory was then read from its *.mcap and *.db3
// files.
func (r *Reader) Warnings() []error { return append([]error(nil), r.warns...) }

// Damage returns the damaged records met so far, sorted by file (in
// reading order) and offset; the same as Skipped.
func (r *Reader) Damage() []Damage { return r.Skipped() }

// MessagesRead returns the number of messages Next has returned.
func (r *Reader) MessagesRead() int64 { return r.read }

// Status sums up a read for an exit status, once Next has returned io.EOF:
// an error wrapping ErrEmpty when no message was read (a file holding only
// the magic, a bag whose only chunk is damaged, an empty bag), one
// wrapping ErrDamaged when damaged records were skipped, else nil. The
// error names the first damage; Damage lists them all.
func (r *Reader) Status() error {
	d := r.Damage()
	switch {
	case r.read == 0 && len(d) > 0:
		return fmt.Errorf("%w: %s: %d damaged records, first: %s", ErrEmpty, strings.Join(r.files, ", "), len(d), d[0])
	case r.read == 0:
		return fmt.Errorf("%w: %s", ErrEmpty, strings.Join(r.files, ", "))
	case len(d) > 0:
		return fmt.Errorf("%w: %d damaged records, first: %s", ErrDamaged, len(d), d[0])
	}
	return nil
}

// SkipCounts returns the number of skipped records per reason.
func (r *Reader) SkipCounts() map[string]int {
	m := map[string]int{}
	for _, s := range r.skipped {
		m[s.Reason]++
	}
	return m
}

func (r *Reader) less(a, b int) bool {
	ta, tb := r.cur[a].logTime, r.cur[b].logTime
	if ta != tb {
		return ta < tb
	}
	return a < b
}

// fetch reads the first message of source i and pushes it on the heap.
func (r *Reader) fetch(i int) error {
	m, err := r.srcs[i].next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	r.cur[i] = m
	r.heap = append(r.heap, i)
	for k := len(r.heap) - 1; k > 0; {
		p := (k - 1) / 2
		if !r.less(r.heap[k], r.heap[p]) {
			break
		}
		r.heap[k], r.heap[p] = r.heap[p], r.heap[k]
		k = p
	}
	return nil
}

func (r *Reader) down(i int) {
	h := r.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if rr := l + 1; rr < len(h) && r.less(h[rr], h[l]) {
			m = rr
		}
		if !r.less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Next returns the next message in log-time order, or io.EOF after the
// last. The returned Message and its Data are reused by the following call.
func (r *Reader) Next() (*Message, error) {
	if r.closed {
		return nil, ErrClosed
	}
	if !r.started {
		r.started = true
		r.cur = make([]*msgRef, len(r.srcs))
		for i, s := range r.srcs {
			if _, ok := s.startTime(); ok {
				r.waiting = append(r.waiting, i)
				continue
			}
			if err := r.fetch(i); err != nil {
				return nil, err
			}
		}
		sort.SliceStable(r.waiting, func(a, b int) bool {
			ta, _ := r.srcs[r.waiting[a]].startTime()
			tb, _ := r.srcs[r.waiting[b]].startTime()
			return ta < tb
		})
	} else if r.last >= 0 {
		i := r.last
		r.last = -1
		m, err := r.srcs[i].next()
		switch {
		case err == io.EOF:
			r.cur[i] = nil
			n := len(r.heap) - 1
			r.heap[0] = r.heap[n]
			r.heap = r.heap[:n]
		case err != nil:
			return nil, err
		default:
			r.cur[i] = m
		}
		if len(r.heap) > 0 {
			r.down(0)
		}
	}
	// Start the files whose first message may come next. Files that start
	// later stay unopened for reading, so a long split bag holds only the
	// buffers of the files it is in.
	for len(r.waiting) > 0 {
		i := r.waiting[0]
		if t, _ := r.srcs[i].startTime(); len(r.heap) > 0 && t > r.cur[r.heap[0]].logTime {
			break
		}
		r.waiting = r.waiting[1:]
		if err := r.fetch(i); err != nil {
			return nil, err
		}
	}
	if len(r.heap) == 0 {
		return nil, io.EOF
	}
	i := r.heap[0]
	m := r.cur[i]
	r.last = i
	r.read++
	if r.perFile == nil {
		r.perFile = make([]fileStats, len(r.srcs))
	}
	if pf := &r.perFile[i]; !pf.timesOK {
		pf.start, pf.end, pf.timesOK = m.logTime, m.logTime, true
	} else {
		pf.start, pf.end = min(pf.start, m.logTime), max(pf.end, m.logTime)
	}
	r.perFile[i].count++
	if r.srcs[i].liveCounts() {
		m.topic.info.MessageCount++
	}
	t := &m.topic.info
	r.msg = Message{
		Topic: t.Name, Type: t.Type, SchemaText: t.SchemaText,
		LogTime: m.logTime, PublishTime: m.pubTime, Sequence: m.seq, Data: m.data,
	}
	return &r.msg, nil
}

// All iterates over the remaining messages with Next; it stops at the end or
// at the first error, which it yields. Each Message is valid only during its
// iteration step.
func (r *Reader) All() iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		for {
			m, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// Close releases the files.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	for _, s := range r.srcs {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// StreamStats summarises a StreamFile run.
type StreamStats struct {
	// Messages is the number of messages delivered.
	Messages int64
	// Bytes is the total size of their Data.
	Bytes int64
	// Skipped lists the damaged records skipped.
	Skipped []Skipped
}

// StreamFile is the fast path for replay: it reads one MCAP file front to
// back in storage order, without reordering overlapping chunks, and calls fn
// for each message. The Message and its Data are reused after fn returns.
// An error from fn stops the stream and is returned.
func StreamFile(path string, cfg ReaderConfig, fn func(*Message) error) (StreamStats, error) {
	var st StreamStats
	cfg, err := cfg.withDefaults()
	if err != nil {
		return st, err
	}
	topics := newTopicSet(cfg.Topics)
	src, err := openMCAP(path, cfg, topics, func(s Skipped) {
		st.Skipped = append(st.Skipped, s)
		if cfg.OnDamage != nil {
			cfg.OnDamage(s)
		}
	}, true, msgCompUnknown)
	if err != nil {
		return st, err
	}
	defer src.close()
	var msg Message
	for {
		m, err := src.next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		t := &m.topic.info
		msg = Message{
			Topic: t.Name, Type: t.Type, SchemaText: t.SchemaText,
			LogTime: m.logTime, PublishTime: m.pubTime, Sequence: m.seq, Data: m.data,
		}
		st.Messages++
		st.Bytes += int64(len(m.data))
		if err := fn(&msg); err != nil {
			return st, err
		}
	}
}
