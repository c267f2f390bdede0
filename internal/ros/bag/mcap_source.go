package bag

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sort"
	"sync"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// mcapChannel is a channel as the reader resolved it.
type mcapChannel struct {
	topic *topicEntry
}

// group is a run of messages from one chunk (or one loose message), sorted
// by log time, with the buffers that back their Data.
type group struct {
	msgs  []msgRef
	i     int
	order int64
	bufs  [][]byte
}

func (g *group) head() *msgRef { return &g.msgs[g.i] }

// pendingRec is a chunk or message record read from the file but not yet
// decoded into a group.
type pendingRec struct {
	op    byte
	off   int64
	body  []byte
	start uint64
	job   *chunkJob // set when the chunk is being decompressed in the background
}

// chunkJob is a chunk decompression running on its own goroutine. It only
// touches its input and output buffers and pooled decoders; the buffers are
// taken from and returned to the source's pool by the reading goroutine.
type chunkJob struct {
	done chan struct{}
	recs []byte
	crc  uint32
	err  error
}

// chunkStart is a chunk's file offset and message start time, from the
// summary's chunk indexes.
type chunkStart struct {
	off   int64
	start uint64
}

// mcapSource reads one MCAP file leniently: damaged records are reported
// and skipped, and reading goes on with what follows where it can be found.
type mcapSource struct {
	file      string
	f         *os.File
	size      int64
	br        *bufio.Reader
	off       int64 // file offset of the next unread byte in br
	cfg       ReaderConfig
	report    func(Skipped)
	topics    *topicSet
	fileOrder bool

	schemas  map[uint16]schemaRec
	channels map[uint16]*mcapChannel
	haveStat bool
	// statStart is the statistics' message start time, if statStartOK.
	statStart   int64
	statStartOK bool
	// stat is the statistics record, if haveStat.
	stat statisticsRec
	// missingFooter is set when the file has no footer (it was cut short).
	missingFooter bool

	chunks    []chunkStart // sorted by offset
	suffixMin []uint64     // suffixMin[i] = min start of chunks[i:]

	done     bool
	queue    []*pendingRec // read ahead, in file order
	heap     []*group
	order    int64
	release  *group
	free     [][]byte
	freeGrps []*group
	scratch  []byte
	hdr      [recordHeaderLen]byte

	// msgComp is the per-message compression: "", "zstd", "lz4" or
	// msgCompUnknown (decode what carries a compressed frame's magic).
	msgComp string
	// embedded is the bag metadata from the file's "rosbag2" record.
	embedded *bagInfo
	msgBuf   []byte
	out      msgRef
}

func openMCAP(path string, cfg ReaderConfig, topics *topicSet, report func(Skipped), fileOrder bool, msgComp string) (*mcapSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &mcapSource{
		file: path, f: f, size: st.Size(), cfg: cfg, report: report, topics: topics,
		fileOrder: fileOrder, msgComp: msgComp,
		schemas: map[uint16]schemaRec{}, channels: map[uint16]*mcapChannel{},
		br: bufio.NewReaderSize(f, int(min(int64(cfg.ReadBufferBytes), max(st.Size(), 4096)))),
	}
	var magic [8]byte
	if _, err := io.ReadFull(s.br, magic[:]); err != nil || !bytes.Equal(magic[:], mcapMagic) {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotMCAP, path)
	}
	s.off = 8
	s.readSummary()
	return s, nil
}

func (s *mcapSource) skip(kind string, off int64, reason string, format string, args ...any) {
	s.report(Skipped{File: s.file, Offset: off, Kind: kind, Reason: reason, Detail: fmt.Sprintf(format, args...)})
}

// skipOp reports a damaged record of opcode op.
func (s *mcapSource) skipOp(op byte, off int64, reason string, format string, args ...any) {
	switch mcap.OpCode(op) {
	case mcap.OpChunk:
		s.skipChunk(off, reason, format, args...)
	case mcap.OpMessage:
		s.skip(KindMessage, off, reason, format, args...)
	case mcap.OpSchema:
		s.skip(KindSchema, off, reason, format, args...)
	case mcap.OpChannel:
		s.skip(KindChannel, off, reason, format, args...)
	default:
		s.skip(KindRecord, off, reason, format, args...)
	}
}

// skipLooseMessage reports a message record (outside any chunk) at off
// whose length n does not lead to another record; its log time and topic
// are read from its header where they are there.
func (s *mcapSource) skipLooseMessage(off int64, n uint64) {
	d := Skipped{File: s.file, Offset: off, Kind: KindMessage, Reason: ReasonMalformed,
		Detail: fmt.Sprintf("message length %d not followed by a record", n)}
	var b [messageFixedLen]byte
	if k, _ := s.f.ReadAt(b[:], off+recordHeaderLen); k == len(b) {
		m, _ := parseMessage(b[:])
		if m.LogTime <= math.MaxInt64 {
			d.LogTime, d.HasLogTime = int64(m.LogTime), true
		}
		if ch := s.channels[m.Channel]; ch != nil {
			d.Topic = ch.topic.info.Name
		}
	}
	s.report(d)
}

// maxLost caps the lost messages listed for one damaged chunk.
const maxLost = 1 << 20

// skipChunk reports a damaged chunk at off with its time range from its
// header and, from the message index records that follow it in the file
// (rosbag2 and this package write them), the topic and log time of each
// message it held.
func (s *mcapSource) skipChunk(off int64, reason string, format string, args ...any) {
	d := Skipped{File: s.file, Offset: off, Kind: KindChunk, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	var b [recordHeaderLen + 16]byte
	if k, _ := s.f.ReadAt(b[:], off); k == len(b) {
		start, end := binary.LittleEndian.Uint64(b[recordHeaderLen:]), binary.LittleEndian.Uint64(b[recordHeaderLen+8:])
		if start <= end && end <= math.MaxInt64 {
			d.LogTime, d.EndTime, d.HasLogTime = int64(start), int64(end), true
		}
	}
	next := int64(-1)
	if e, ok := s.chunkExtent(off); ok && s.recordAt(e) {
		next = e
	} else if _, n, ok := s.headerAt(off); ok && n <= uint64(s.size-off-recordHeaderLen) {
		next = off + recordHeaderLen + int64(n)
	}
	for next >= 0 && len(d.Lost) < maxLost {
		op, n, ok := s.headerAt(next)
		if !ok || op != byte(mcap.OpMessageIndex) || n > uint64(s.size-next-recordHeaderLen) || n > uint64(s.cfg.MaxChunkBytes) {
			break
		}
		body := make([]byte, n)
		if _, err := s.f.ReadAt(body, next+recordHeaderLen); err != nil {
			break
		}
		c := newCursor(body)
		id := c.u16()
		recs := c.bytes32()
		if !c.ok {
			break
		}
		topic := ""
		if ch := s.channels[id]; ch != nil {
			topic = ch.topic.info.Name
		}
		for ; len(recs) >= 16 && len(d.Lost) < maxLost; recs = recs[16:] {
			if t := binary.LittleEndian.Uint64(recs); t <= math.MaxInt64 {
				d.Lost = append(d.Lost, LostMessage{Topic: topic, LogTime: int64(t)})
			}
		}
		next += recordHeaderLen + int64(n)
	}
	sort.SliceStable(d.Lost, func(i, j int) bool { return d.Lost[i].LogTime < d.Lost[j].LogTime })
	s.report(d)
}

func (s *mcapSource) liveCounts() bool { return !s.haveStat }

func (s *mcapSource) startTime() (int64, bool) { return s.statStart, s.statStartOK }

func (s *mcapSource) summary() (fileStats, bool) {
	st := fileStats{storage: "mcap", count: s.stat.MessageCount, msgComp: s.msgComp}
	if s.embedded != nil {
		st.distro = s.embedded.RosDistro
	}
	if s.stat.MessageCount > 0 && s.stat.Start <= s.stat.End && s.stat.End <= math.MaxInt64 {
		st.start, st.end, st.timesOK = int64(s.stat.Start), int64(s.stat.End), true
	}
	return st, s.haveStat
}

func (s *mcapSource) close() error {
	for _, p := range s.queue {
		if p.job != nil {
			<-p.job.done
		}
	}
	s.queue = nil
	return s.f.Close()
}

// readSummary loads schemas, channels, statistics and chunk offsets from the
// summary section, when the file has an intact footer.
func (s *mcapSource) readSummary() {
	const tailLen = recordHeaderLen + footerBodyLen + 8
	if s.size < 8+tailLen {
		s.noFooter()
		return
	}
	tail := make([]byte, tailLen)
	if _, err := s.f.ReadAt(tail, s.size-tailLen); err != nil {
		s.noFooter()
		return
	}
	if !bytes.Equal(tail[tailLen-8:], mcapMagic) || tail[0] != byte(mcap.OpFooter) ||
		binary.LittleEndian.Uint64(tail[1:]) != footerBodyLen {
		s.noFooter()
		return
	}
	summaryStart := binary.LittleEndian.Uint64(tail[9:])
	summaryCRC := binary.LittleEndian.Uint32(tail[25:])
	footerOff := s.size - tailLen
	if summaryStart == 0 {
		return
	}
	if summaryStart < 8 || summaryStart > uint64(footerOff) {
		s.skip(KindSummary, footerOff, ReasonBadSummary, "summary start %d outside file", summaryStart)
		return
	}
	if uint64(footerOff)-summaryStart > uint64(s.cfg.MaxChunkBytes) {
		s.skip(KindSummary, int64(summaryStart), ReasonTooLarge, "summary of %d bytes", uint64(footerOff)-summaryStart)
		return
	}
	buf := make([]byte, uint64(footerOff)-summaryStart)
	if _, err := s.f.ReadAt(buf, int64(summaryStart)); err != nil {
		s.skip(KindSummary, int64(summaryStart), ReasonBadSummary, "%v", err)
		return
	}
	if summaryCRC != 0 && !s.cfg.SkipCRC {
		h := crc32.NewIEEE()
		h.Write(buf)
		h.Write(tail[:recordHeaderLen+16])
		if h.Sum32() != summaryCRC {
			s.skip(KindSummary, int64(summaryStart), ReasonBadSummary, "summary crc mismatch")
			return
		}
	}
	var (
		schemas  []schemaRec
		channels []channelRec
		stats    *statisticsRec
		chunks   []chunkStart
		rosbag2  = int64(-1) // offset of the "rosbag2" metadata record
	)
	for p := buf; len(p) > 0; {
		if len(p) < recordHeaderLen {
			s.skip(KindSummary, int64(summaryStart), ReasonBadSummary, "truncated summary record")
			return
		}
		op, n := p[0], binary.LittleEndian.Uint64(p[1:])
		if n > uint64(len(p)-recordHeaderLen) {
			s.skip(KindSummary, int64(summaryStart), ReasonBadSummary, "summary record length %d too long", n)
			return
		}
		body := p[recordHeaderLen : recordHeaderLen+int(n)]
		p = p[recordHeaderLen+int(n):]
		ok := true
		switch mcap.OpCode(op) {
		case mcap.OpSchema:
			var r schemaRec
			r, ok = parseSchema(body)
			schemas = append(schemas, r)
		case mcap.OpChannel:
			var r channelRec
			r, ok = parseChannel(body)
			channels = append(channels, r)
		case mcap.OpStatistics:
			var r statisticsRec
			r, ok = parseStatistics(body)
			stats = &r
		case mcap.OpMetadataIndex:
			c := newCursor(body)
			off := c.u64()
			c.u64()
			if name := c.str(); c.ok && name == "rosbag2" && off < uint64(footerOff) {
				rosbag2 = int64(off)
			}
		case mcap.OpChunkIndex:
			var off uint64
			off, ok = chunkIndexOffset(body)
			if ok {
				chunks = append(chunks, chunkStart{off: int64(off), start: binary.LittleEndian.Uint64(body)})
			}
		}
		if !ok {
			s.skip(KindSummary, int64(summaryStart), ReasonBadSummary, "malformed summary record opcode %#x", op)
			return
		}
	}
	for _, r := range schemas {
		s.schemas[r.ID] = r
	}
	for _, r := range channels {
		s.addChannel(r)
	}
	if stats != nil {
		s.haveStat = true
		s.stat = *stats
		if stats.MessageCount > 0 && stats.Start <= math.MaxInt64 {
			s.statStart, s.statStartOK = int64(stats.Start), true
		}
		for id, n := range stats.ChannelCounts {
			if ch := s.channels[id]; ch != nil {
				ch.topic.info.MessageCount += n
			}
		}
	}
	if rosbag2 >= 0 {
		s.embeddedMetadata(rosbag2)
	}
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].off < chunks[j].off })
	s.chunks = chunks
	s.suffixMin = make([]uint64, len(chunks)+1)
	s.suffixMin[len(chunks)] = math.MaxUint64
	for i := len(chunks) - 1; i >= 0; i-- {
		s.suffixMin[i] = min(chunks[i].start, s.suffixMin[i+1])
	}
}

// embeddedMetadata reads the "rosbag2" metadata record at off, which holds
// the bag metadata (rosbag2 Jazzy writes it into every MCAP file), for the
// per-message compression of a file opened on its own.
func (s *mcapSource) embeddedMetadata(off int64) {
	op, n, ok := s.headerAt(off)
	if !ok || op != byte(mcap.OpMetadata) || n > uint64(s.size-off-recordHeaderLen) || n > maxMetadataBytes {
		s.skip(KindSummary, off, ReasonBadSummary, "metadata index points to no metadata record")
		return
	}
	body := make([]byte, n)
	if _, err := s.f.ReadAt(body, off+recordHeaderLen); err != nil {
		return
	}
	c := newCursor(body)
	c.str()
	m := c.strMap()
	if !c.ok {
		s.skip(KindRecord, off, ReasonMalformed, "rosbag2 metadata record")
		return
	}
	info, err := parseMetadataBody([]byte(m["serialized_metadata"]))
	if err != nil {
		s.skip(KindRecord, off, ReasonMalformed, "%v", err)
		return
	}
	s.embedded = info
	if comp, err := info.messageCompression(); err == nil && s.msgComp == msgCompUnknown {
		s.msgComp = comp
	}
}

// Magic numbers that open a zstd frame and an lz4 frame. A CDR message
// starts with its encapsulation header, whose first byte is 0, so neither
// can be mistaken for one.
var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	lz4Magic  = []byte{0x04, 0x22, 0x4d, 0x18}
)

// decodeMessage undoes rosbag2's per-message compression of m's data. It
// returns m itself when the file's messages are not compressed.
func (s *mcapSource) decodeMessage(m *msgRef) (*msgRef, error) {
	comp := s.msgComp
	if comp == msgCompUnknown {
		switch {
		case bytes.HasPrefix(m.data, zstdMagic):
			comp = "zstd"
		case bytes.HasPrefix(m.data, lz4Magic):
			comp = "lz4"
		default:
			return m, nil
		}
	}
	var err error
	switch comp {
	case "":
		return m, nil
	case "zstd":
		var d *zstd.Decoder
		if d, err = getZstd(s.cfg.MaxChunkBytes); err != nil {
			return nil, err
		}
		s.msgBuf, err = d.DecodeAll(m.data, s.msgBuf[:0])
		putZstd(s.cfg.MaxChunkBytes, d)
	case "lz4":
		r, _ := lz4Pool.Get().(*lz4.Reader)
		if r == nil {
			r = lz4.NewReader(nil)
		}
		r.Reset(bytes.NewReader(m.data))
		var b bytes.Buffer
		b.Grow(len(s.msgBuf))
		_, err = io.Copy(&b, io.LimitReader(r, s.cfg.MaxChunkBytes+1))
		r.Reset(nil)
		lz4Pool.Put(r)
		s.msgBuf = append(s.msgBuf[:0], b.Bytes()...)
		if err == nil && int64(len(s.msgBuf)) > s.cfg.MaxChunkBytes {
			err = fmt.Errorf("%w: message over %d bytes", ErrTooLarge, s.cfg.MaxChunkBytes)
		}
	default:
		err = fmt.Errorf("%w: per-message compression %q", ErrUnsupported, comp)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", comp, err)
	}
	s.out = *m
	s.out.data = s.msgBuf
	return &s.out, nil
}

// noFooter reports a file without footer and closing magic: it was cut short
// (or never finished), so it has no summary and no statistics.
func (s *mcapSource) noFooter() {
	s.missingFooter = true
	s.skip(KindFile, s.size, ReasonTruncated, "no footer: file cut short, summary lost")
}

// addChannel registers a channel; a channel already known keeps its topic.
func (s *mcapSource) addChannel(r channelRec) {
	if _, ok := s.channels[r.ID]; ok {
		return
	}
	info := TopicInfo{
		Name:                r.Topic,
		SerializationFormat: r.Encoding,
		QoS:                 r.Metadata["offered_qos_profiles"],
		TypeHash:            r.Metadata["topic_type_hash"],
	}
	if sc, ok := s.schemas[r.SchemaID]; ok {
		info.Type = sc.Name
		info.SchemaText = sc.Data
	}
	s.channels[r.ID] = &mcapChannel{topic: s.topics.get(info)}
}

// getBuf returns a buffer of length n, reusing a released one when it fits.
func (s *mcapSource) getBuf(n int) []byte {
	for i := len(s.free) - 1; i >= 0; i-- {
		if cap(s.free[i]) >= n {
			b := s.free[i][:n]
			s.free[i] = s.free[len(s.free)-1]
			s.free = s.free[:len(s.free)-1]
			return b
		}
	}
	return make([]byte, n, n+n/8)
}

func (s *mcapSource) putBuf(b []byte) {
	if cap(b) == 0 {
		return
	}
	if len(s.free) >= 8 {
		// Keep the pool small: drop the smallest buffer.
		small := 0
		for i := range s.free {
			if cap(s.free[i]) < cap(s.free[small]) {
				small = i
			}
		}
		if cap(s.free[small]) >= cap(b) {
			return
		}
		s.free[small] = b[:0]
		return
	}
	s.free = append(s.free, b[:0])
}

func (s *mcapSource) releaseGroup(g *group) {
	for _, b := range g.bufs {
		s.putBuf(b)
	}
	g.bufs = g.bufs[:0]
	g.msgs = g.msgs[:0]
	g.i = 0
	s.freeGrps = append(s.freeGrps, g)
}

func (s *mcapSource) newGroup() *group {
	if n := len(s.freeGrps); n > 0 {
		g := s.freeGrps[n-1]
		s.freeGrps = s.freeGrps[:n-1]
		return g
	}
	return &group{}
}

// seek moves the read position to off.
func (s *mcapSource) seek(off int64) error {
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	s.br.Reset(s.f)
	s.off = off
	return nil
}

// knownOp reports whether op is an opcode the MCAP specification defines.
func knownOp(op byte) bool { return op >= byte(mcap.OpHeader) && op <= byte(mcap.OpDataEnd) }

// headerAt reads the record header at off, if the file holds one.
func (s *mcapSource) headerAt(off int64) (op byte, n uint64, ok bool) {
	if off < 0 || off > s.size-recordHeaderLen {
		return 0, 0, false
	}
	var h [recordHeaderLen]byte
	if _, err := s.f.ReadAt(h[:], off); err != nil {
		return 0, 0, false
	}
	return h[0], binary.LittleEndian.Uint64(h[1:]), true
}

// plausibleNext reports whether a record may start at off: the end of the
// file, or a defined opcode whose length fits in the file. It checks where
// a record's length says the next one starts.
func (s *mcapSource) plausibleNext(off int64) bool {
	return off == s.size || s.recordAt(off)
}

// recordAt reports whether a defined opcode whose length fits in the file
// is at off.
func (s *mcapSource) recordAt(off int64) bool {
	op, n, ok := s.headerAt(off)
	return ok && knownOp(op) && n <= uint64(s.size-off-recordHeaderLen)
}

// chunkExtent returns the end offset of the chunk record at off as its
// header fields (compression and records length) give it, which disagrees
// with its length field when that field is damaged. It fails unless those
// fields look like a chunk's.
func (s *mcapSource) chunkExtent(off int64) (int64, bool) {
	var b [recordHeaderLen + chunkFixedLen + 16]byte
	n, _ := s.f.ReadAt(b[:], off)
	c := newCursor(b[recordHeaderLen:n])
	start, end := c.u64(), c.u64()
	c.take(12)
	cl := c.u32()
	if cl > 4 || start > end {
		return 0, false
	}
	comp := string(c.take(uint64(cl)))
	recLen := c.u64()
	if !c.ok || (comp != "" && comp != "zstd" && comp != "lz4") || recLen > uint64(s.size) {
		return 0, false
	}
	e := off + recordHeaderLen + chunkFixedLen + int64(cl) + int64(recLen)
	return e, e <= s.size
}

// resync finds where to go on reading after a damaged record at bad, and
// seeks there; it reports whether it found a place. A chunk whose own
// header says where it ends, with a plausible record there, is stepped
// over whole, so the records inside it are not mistaken for loose ones.
// Otherwise it takes the next chunk of the summary's chunk index, or scans
// forward for the next valid record: a defined opcode, a length that fits,
// a consistent body (a chunk's CRC checked where it has one, a message's
// channel known) and a plausible record after it.
func (s *mcapSource) resync(bad int64) bool {
	// The damaged record may be a chunk whose opcode or length field was
	// hit: its header still says where it ends.
	if end, ok := s.chunkExtent(bad); ok && end > bad && s.plausibleNext(end) {
		return s.seek(end) == nil
	}
	if len(s.chunks) > 0 {
		i := sort.Search(len(s.chunks), func(i int) bool { return s.chunks[i].off > bad })
		if i < len(s.chunks) && s.chunks[i].off < s.size {
			return s.seek(s.chunks[i].off) == nil
		}
		return false
	}
	const window = 1 << 20
	buf := make([]byte, min(window+recordHeaderLen, s.size-bad))
	for pos := bad + 1; pos < s.size; pos += window {
		n, err := s.f.ReadAt(buf, pos)
		if n == 0 && err != nil {
			return false
		}
		b := buf[:n]
		for i := 0; i < n && i < window; i++ {
			if !knownOp(b[i]) {
				continue
			}
			// Most candidates fail on their length; test it without a read.
			at := pos + int64(i)
			if i+recordHeaderLen <= n && binary.LittleEndian.Uint64(b[i+1:]) > uint64(s.size-at-recordHeaderLen) {
				continue
			}
			if s.validRecord(pos + int64(i)) {
				return s.seek(pos+int64(i)) == nil
			}
		}
	}
	return false
}

// validRecord reports whether the bytes at off hold a record worth resuming
// at, checked as far as its kind allows.
// A record that only the end of the file follows is not enough: the bytes
// of a cut chunk can look like one.
func (s *mcapSource) validRecord(off int64) bool {
	op, n, ok := s.headerAt(off)
	if !ok || !knownOp(op) || n > uint64(s.size-off-recordHeaderLen) {
		return false
	}
	end := off + recordHeaderLen + int64(n)
	switch mcap.OpCode(op) {
	case mcap.OpChunk:
		return s.plausibleChunk(off, n)
	case mcap.OpFooter:
		return n == footerBodyLen && end == s.size-8
	case mcap.OpDataEnd:
		return n == 4 && s.recordAt(end)
	case mcap.OpMessage:
		if n < messageFixedLen {
			return false
		}
		var b [2]byte
		if _, err := s.f.ReadAt(b[:], off+recordHeaderLen); err != nil {
			return false
		}
		_, known := s.channels[binary.LittleEndian.Uint16(b[:])]
		return known && s.recordAt(end)
	case mcap.OpSchema, mcap.OpChannel, mcap.OpMessageIndex:
		if n > uint64(s.cfg.MaxChunkBytes) || n < 6 || !s.recordAt(end) {
			return false
		}
		body := make([]byte, n)
		if _, err := s.f.ReadAt(body, off+recordHeaderLen); err != nil {
			return false
		}
		return wellFormed(op, body)
	}
	return false
}

// wellFormed reports whether body parses as a record of kind op and uses
// all its bytes.
func wellFormed(op byte, body []byte) bool {
	c := newCursor(body)
	switch mcap.OpCode(op) {
	case mcap.OpSchema:
		c.u16()
		c.str()
		c.str()
		c.str()
	case mcap.OpChannel:
		c.u16()
		c.u16()
		c.str()
		c.str()
		c.strMap()
	case mcap.OpMessageIndex:
		c.u16()
		if recs := c.bytes32(); len(recs)%16 != 0 {
			return false
		}
	default:
		return false
	}
	return c.ok && len(c.b) == 0
}

// plausibleChunk reports whether the chunk record at off with body length n
// is consistent with itself and the file; an uncompressed chunk with a CRC
// must match it.
func (s *mcapSource) plausibleChunk(off int64, n uint64) bool {
	if n < chunkFixedLen || n > uint64(s.cfg.MaxChunkBytes) {
		return false
	}
	var b [chunkFixedLen + 16]byte
	k, _ := s.f.ReadAt(b[:min(uint64(len(b)), n)], off+recordHeaderLen)
	c := newCursor(b[:k])
	start, end := c.u64(), c.u64()
	c.u64()
	crc := c.u32()
	cl := c.u32()
	if start > end || cl > 4 {
		return false
	}
	comp := string(c.take(uint64(cl)))
	if !c.ok || (comp != "" && comp != "zstd" && comp != "lz4") {
		return false
	}
	recLen := c.u64()
	if !c.ok || recLen != n-uint64(chunkFixedLen)-uint64(cl) {
		return false
	}
	if comp == "" && crc != 0 && !s.cfg.SkipCRC {
		recs := make([]byte, recLen)
		if _, err := s.f.ReadAt(recs, off+recordHeaderLen+int64(chunkFixedLen)+int64(cl)); err != nil {
			return false
		}
		return crc32.ChecksumIEEE(recs) == crc
	}
	return s.plausibleNext(off + recordHeaderLen + int64(n))
}

// chunkHeaderOK checks, before a chunk's body is read, that its header
// fields agree with its length field n.
func (s *mcapSource) chunkHeaderOK(n uint64) bool {
	if n < chunkFixedLen {
		return false
	}
	b, _ := s.br.Peek(int(min(n, chunkFixedLen+16)))
	c := newCursor(b)
	c.take(28)
	cl := c.u32()
	if cl > 16 {
		return false
	}
	c.take(uint64(cl))
	recLen := c.u64()
	return c.ok && recLen == n-uint64(chunkFixedLen)-uint64(cl)
}

// readPending reads records until the next chunk or message record, which it
// returns undecoded; it handles schema and channel records on the way and
// returns nil at the end of the data section.
func (s *mcapSource) readPending() (*pendingRec, error) {
	for !s.done {
		recOff := s.off
		remaining := s.size - recOff
		if remaining == 0 {
			if !s.missingFooter {
				s.skip(KindFile, recOff, ReasonTruncated, "data section ends without data end record")
			}
			s.done = true
			break
		}
		if remaining < recordHeaderLen {
			s.skip(KindRecord, recOff, ReasonTruncated, "record header cut at end of file")
			s.done = true
			break
		}
		if _, err := io.ReadFull(s.br, s.hdr[:]); err != nil {
			return nil, fmt.Errorf("bag: %s: %w", s.file, err)
		}
		s.off += recordHeaderLen
		op := s.hdr[0]
		n := binary.LittleEndian.Uint64(s.hdr[1:])
		if n > uint64(remaining-recordHeaderLen) {
			s.skipOp(op, recOff, ReasonTruncated, "record opcode %#x length %d exceeds the %d bytes left", op, n, remaining-recordHeaderLen)
			if !s.resync(recOff) {
				s.done = true
			}
			continue
		}
		if op == 0 || (!knownOp(op) && !s.plausibleNext(recOff+recordHeaderLen+int64(n))) {
			// An undefined opcode is skipped as the specification asks only
			// when a plausible record follows it.
			s.skip(KindRecord, recOff, ReasonMalformed, "opcode %#x", op)
			if !s.resync(recOff) {
				s.done = true
			}
			continue
		}
		if op == byte(mcap.OpChunk) && !s.chunkHeaderOK(n) {
			s.skipChunk(recOff, ReasonMalformed, "chunk length field %d disagrees with its header", n)
			if !s.resync(recOff) {
				s.done = true
			}
			continue
		}
		if op == byte(mcap.OpMessage) && !s.plausibleNext(recOff+recordHeaderLen+int64(n)) {
			s.skipLooseMessage(recOff, n)
			if !s.resync(recOff) {
				s.done = true
			}
			continue
		}
		switch mcap.OpCode(op) {
		case mcap.OpChunk, mcap.OpMessage:
			if n > uint64(s.cfg.MaxChunkBytes) {
				s.skipOp(op, recOff, ReasonTooLarge, "record of %d bytes", n)
				if _, err := s.br.Discard(int(n)); err != nil {
					return nil, err
				}
				s.off += int64(n)
				continue
			}
			body := s.getBuf(int(n))
			if _, err := io.ReadFull(s.br, body); err != nil {
				return nil, fmt.Errorf("bag: %s: %w", s.file, err)
			}
			s.off += int64(n)
			p := &pendingRec{op: op, off: recOff, body: body}
			if len(body) >= 8 {
				if op == byte(mcap.OpChunk) {
					p.start = binary.LittleEndian.Uint64(body)
				} else if len(body) >= 14 {
					p.start = binary.LittleEndian.Uint64(body[6:])
				}
			}
			if op == byte(mcap.OpChunk) && s.cfg.Parallelism > 1 {
				s.startJob(p)
			}
			return p, nil
		case mcap.OpSchema, mcap.OpChannel:
			if n > uint64(s.cfg.MaxChunkBytes) {
				s.skipOp(op, recOff, ReasonTooLarge, "record of %d bytes", n)
				if _, err := s.br.Discard(int(n)); err != nil {
					return nil, err
				}
				s.off += int64(n)
				continue
			}
			if uint64(cap(s.scratch)) < n {
				s.scratch = make([]byte, n)
			}
			body := s.scratch[:n]
			if _, err := io.ReadFull(s.br, body); err != nil {
				return nil, fmt.Errorf("bag: %s: %w", s.file, err)
			}
			s.off += int64(n)
			s.handleDefinition(op, body, recOff)
		case mcap.OpDataEnd, mcap.OpFooter:
			s.done = true
		default:
			if _, err := s.br.Discard(int(n)); err != nil {
				return nil, fmt.Errorf("bag: %s: %w", s.file, err)
			}
			s.off += int64(n)
		}
	}
	return nil, nil
}

func (s *mcapSource) handleDefinition(op byte, body []byte, off int64) {
	switch mcap.OpCode(op) {
	case mcap.OpSchema:
		r, ok := parseSchema(body)
		if !ok {
			s.skip(KindSchema, off, ReasonMalformed, "schema record")
			return
		}
		if _, have := s.schemas[r.ID]; !have {
			s.schemas[r.ID] = r
		}
	case mcap.OpChannel:
		r, ok := parseChannel(body)
		if !ok {
			s.skip(KindChannel, off, ReasonMalformed, "channel record")
			return
		}
		s.addChannel(r)
	}
}

// load decodes a pending record into a group; it returns nil when the
// record was damaged (and reported) or held no messages.
func (s *mcapSource) load(p *pendingRec) *group {
	g := s.newGroup()
	g.order = s.order
	s.order++
	if p.op == byte(mcap.OpMessage) {
		m, ok := parseMessage(p.body)
		if !ok {
			s.skip(KindMessage, p.off, ReasonMalformed, "message record of %d bytes", len(p.body))
			s.putBuf(p.body)
			s.releaseGroup(g)
			return nil
		}
		g.bufs = append(g.bufs, p.body)
		s.addMessage(g, m, p.off)
		if len(g.msgs) == 0 {
			s.releaseGroup(g)
			return nil
		}
		return g
	}
	ch, ok := parseChunk(p.body)
	if !ok {
		s.skipChunk(p.off, ReasonMalformed, "chunk header")
		s.putBuf(p.body)
		s.releaseGroup(g)
		return nil
	}
	recs, crc, err := s.decompress(ch, p)
	if err != nil {
		reason := ReasonDecompress
		switch {
		case errors.Is(err, ErrTooLarge):
			reason = ReasonTooLarge
		case errors.Is(err, ErrUnsupported):
			reason = ReasonUnsupported
		}
		s.skipChunk(p.off, reason, "%v", err)
		s.releaseGroup(g)
		return nil
	}
	if ch.Compression == "" {
		g.bufs = append(g.bufs, p.body) // recs aliases the record body
	} else {
		g.bufs = append(g.bufs, recs)
	}
	if ch.CRC != 0 && !s.cfg.SkipCRC && crc != ch.CRC {
		s.skipChunk(p.off, ReasonCRC, "chunk crc %08x, computed %08x", ch.CRC, crc)
		s.releaseGroup(g)
		return nil
	}
	sorted := true
	var last uint64
	for q := recs; len(q) > 0; {
		if len(q) < recordHeaderLen {
			s.skip(KindChunk, p.off, ReasonMalformed, "truncated record inside chunk at %d", len(recs)-len(q))
			break
		}
		op, n := q[0], binary.LittleEndian.Uint64(q[1:])
		if n > uint64(len(q)-recordHeaderLen) {
			s.skip(KindChunk, p.off, ReasonMalformed, "record inside chunk at %d overruns the chunk", len(recs)-len(q))
			break
		}
		body := q[recordHeaderLen : recordHeaderLen+int(n) : recordHeaderLen+int(n)]
		q = q[recordHeaderLen+int(n):]
		switch mcap.OpCode(op) {
		case mcap.OpMessage:
			m, ok := parseMessage(body)
			if !ok {
				s.skip(KindMessage, p.off, ReasonMalformed, "message inside chunk at %d", len(recs)-len(q)-len(body)-recordHeaderLen)
				continue
			}
			if m.LogTime < last {
				sorted = false
			}
			last = m.LogTime
			s.addMessage(g, m, p.off)
		case mcap.OpSchema, mcap.OpChannel:
			s.handleDefinition(op, body, p.off)
		}
	}
	if len(g.msgs) == 0 {
		s.releaseGroup(g)
		return nil
	}
	if !sorted && !s.fileOrder {
		sort.SliceStable(g.msgs, func(i, j int) bool { return g.msgs[i].logTime < g.msgs[j].logTime })
	}
	return g
}

func (s *mcapSource) addMessage(g *group, m messageRec, off int64) {
	ch := s.channels[m.Channel]
	if ch == nil {
		s.report(Skipped{File: s.file, Offset: off, Kind: KindMessage, Reason: ReasonUnknownChannel,
			Detail: fmt.Sprintf("channel %d", m.Channel), LogTime: int64(m.LogTime), HasLogTime: m.LogTime <= math.MaxInt64})
		return
	}
	if ch.topic.filtered {
		return
	}
	g.msgs = append(g.msgs, msgRef{
		logTime: int64(m.LogTime), pubTime: int64(m.PublishTime), seq: m.Sequence,
		topic: ch.topic, data: m.Data, off: off,
	})
}

// outHint is the capacity to preallocate for a chunk's decompressed
// records: its declared size, bounded by a generous ratio to its compressed
// size so that a lying header cannot make the reader allocate much.
func outHint(ch chunkRec) int {
	return int(min(ch.UncompressedSize, 256*uint64(len(ch.Records))+(64<<10)))
}

// startJob begins decompressing p's chunk on another goroutine when it is
// compressed and passes the size cap; otherwise load does the work.
func (s *mcapSource) startJob(p *pendingRec) {
	ch, ok := parseChunk(p.body)
	if !ok || ch.Compression == "" || ch.UncompressedSize > uint64(s.cfg.MaxChunkBytes) {
		return
	}
	job := &chunkJob{done: make(chan struct{})}
	out := s.getBuf(outHint(ch))
	maxBytes := s.cfg.MaxChunkBytes
	go func() {
		defer close(job.done)
		job.recs, job.err = decodeChunk(ch, out, maxBytes)
		if job.err == nil && ch.CRC != 0 {
			job.crc = crc32.ChecksumIEEE(job.recs)
		}
	}()
	p.job = job
}

// decompress returns the chunk's records and their CRC (0 when the chunk
// has none): in p.body for uncompressed chunks, else in a pooled buffer
// (then p.body is released).
func (s *mcapSource) decompress(ch chunkRec, p *pendingRec) ([]byte, uint32, error) {
	if ch.Compression == "" {
		if ch.CRC == 0 {
			return ch.Records, 0, nil
		}
		return ch.Records, crc32.ChecksumIEEE(ch.Records), nil
	}
	defer s.putBuf(p.body)
	if job := p.job; job != nil {
		<-job.done
		if job.err != nil {
			s.putBuf(job.recs)
			return nil, 0, job.err
		}
		return job.recs, job.crc, nil
	}
	if ch.UncompressedSize > uint64(s.cfg.MaxChunkBytes) {
		return nil, 0, fmt.Errorf("%w: uncompressed size %d", ErrTooLarge, ch.UncompressedSize)
	}
	recs, err := decodeChunk(ch, s.getBuf(outHint(ch)), s.cfg.MaxChunkBytes)
	if err != nil {
		s.putBuf(recs)
		return nil, 0, err
	}
	var crc uint32
	if ch.CRC != 0 {
		crc = crc32.ChecksumIEEE(recs)
	}
	return recs, crc, nil
}

// decodeChunk decompresses a chunk's records into out (reallocated if too
// small) and checks the result against the declared size. It is safe for
// concurrent use.
func decodeChunk(ch chunkRec, out []byte, maxBytes int64) ([]byte, error) {
	want := int(ch.UncompressedSize)
	switch ch.Compression {
	case "zstd":
		d, err := getZstd(maxBytes)
		if err != nil {
			return out, err
		}
		defer putZstd(maxBytes, d)
		out, err = d.DecodeAll(ch.Records, out[:0])
		if err != nil {
			return out, fmt.Errorf("%w: zstd: %v", ErrDecompress, err)
		}
		if len(out) != want {
			return out, fmt.Errorf("%w: zstd gave %d bytes, want %d", ErrDecompress, len(out), want)
		}
		return out, nil
	case "lz4":
		r, _ := lz4Pool.Get().(*lz4.Reader)
		if r == nil {
			r = lz4.NewReader(nil)
		}
		r.Reset(bytes.NewReader(ch.Records))
		out, err := readExactly(r, out, want)
		r.Reset(nil)
		lz4Pool.Put(r)
		if err != nil {
			return out, fmt.Errorf("%w: lz4: %v", ErrDecompress, err)
		}
		return out, nil
	}
	return out, fmt.Errorf("%w: chunk compression %q", ErrUnsupported, ch.Compression)
}

// readExactly reads exactly want bytes from r into dst, growing dst only as
// data arrives, and fails if r holds fewer or more bytes.
func readExactly(r io.Reader, dst []byte, want int) ([]byte, error) {
	dst = dst[:0]
	if cap(dst) < want && cap(dst) < 1<<20 {
		dst = make([]byte, 0, min(want, 1<<20))
	}
	for len(dst) < want {
		if len(dst) == cap(dst) {
			nc := min(want, max(2*cap(dst), 64<<10))
			nd := make([]byte, len(dst), nc)
			copy(nd, dst)
			dst = nd
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), want)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			if len(dst) < want {
				return dst, fmt.Errorf("got %d bytes, want %d", len(dst), want)
			}
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	var one [1]byte
	if n, _ := r.Read(one[:]); n > 0 {
		return dst, fmt.Errorf("more than %d bytes", want)
	}
	return dst, nil
}

// heap operations on s.heap ordered by (head log time, group order).
func groupLess(a, b *group) bool {
	ha, hb := a.head().logTime, b.head().logTime
	if ha != hb {
		return ha < hb
	}
	return a.order < b.order
}

func (s *mcapSource) push(g *group) {
	h := append(s.heap, g)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !groupLess(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	s.heap = h
}

func (s *mcapSource) fixTop() {
	h := s.heap
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && groupLess(h[r], h[l]) {
			m = r
		}
		if !groupLess(h[m], h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (s *mcapSource) popTop() {
	h := s.heap
	last := len(h) - 1
	h[0] = h[last]
	h[last] = nil
	s.heap = h[:last]
	if last > 0 {
		s.fixTop()
	}
}

// minUnloaded returns the smallest start time of any chunk not yet loaded,
// given the pending record p.
func (s *mcapSource) minUnloaded(p *pendingRec) uint64 {
	m := p.start
	if len(s.chunks) > 0 {
		i := sort.Search(len(s.chunks), func(i int) bool { return s.chunks[i].off > p.off })
		m = min(m, s.suffixMin[i])
	}
	return m
}

// next implements source.
func (s *mcapSource) next() (*msgRef, error) {
	if g := s.release; g != nil {
		s.release = nil
		s.releaseGroup(g)
	}
	for {
		for len(s.queue) < max(s.cfg.Parallelism, 1) && !s.done {
			p, err := s.readPending()
			if err != nil {
				return nil, err
			}
			if p != nil {
				s.queue = append(s.queue, p)
			}
		}
		if len(s.queue) > 0 {
			p := s.queue[0]
			load := len(s.heap) == 0
			if !load && !s.fileOrder {
				load = s.minUnloaded(p) <= uint64(s.heap[0].head().logTime)
			}
			if load {
				s.queue[0] = nil
				s.queue = s.queue[1:]
				if g := s.load(p); g != nil {
					s.push(g)
				}
				continue
			}
		}
		if len(s.heap) == 0 {
			return nil, io.EOF
		}
		g := s.heap[0]
		m := g.head()
		g.i++
		if g.i == len(g.msgs) {
			s.popTop()
			if s.release != nil {
				s.releaseGroup(s.release)
			}
			s.release = g
		} else {
			s.fixTop()
		}
		if s.msgComp == "" {
			return m, nil
		}
		out, err := s.decodeMessage(m)
		if err != nil {
			// The message's bytes are intact as far as the chunk's CRC goes;
			// its compressed frame is not.
			s.report(Skipped{File: s.file, Offset: m.off, Kind: KindMessage, Reason: ReasonDecompress,
				Detail: err.Error(), Topic: m.topic.info.Name, LogTime: m.logTime, HasLogTime: true})
			continue
		}
		return out, nil
	}
}

// Decoders are pooled across files: an lz4 reader holds megabytes of block
// buffers, and a zstd decoder its tables.
var (
	lz4Pool   sync.Pool
	zstdPools sync.Map // max decoded bytes (int64) -> *sync.Pool of *zstd.Decoder
)

func getZstd(maxBytes int64) (*zstd.Decoder, error) {
	p, _ := zstdPools.LoadOrStore(maxBytes, &sync.Pool{})
	if d, ok := p.(*sync.Pool).Get().(*zstd.Decoder); ok {
		return d, nil
	}
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(maxBytes)))
}

func putZstd(maxBytes int64, d *zstd.Decoder) {
	p, _ := zstdPools.LoadOrStore(maxBytes, &sync.Pool{})
	p.(*sync.Pool).Put(d)
}
