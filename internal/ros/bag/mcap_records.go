package bag

import (
	"encoding/binary"
	"math"

	"github.com/foxglove/mcap/go/mcap"
)

// MCAP record layout constants.
const (
	recordHeaderLen = 9  // opcode (1) + length (8)
	footerBodyLen   = 20 // summary_start, summary_offset_start, summary_crc
	chunkFixedLen   = 8 + 8 + 8 + 4 + 4 + 8
	messageFixedLen = 2 + 4 + 8 + 8
)

var mcapMagic = mcap.Magic

// cursor decodes little-endian MCAP fields from a byte slice. Once a read
// runs past the end, ok is false and every further read returns zero
// values; lengths are always checked against the bytes that remain before
// any slice is taken.
type cursor struct {
	b  []byte
	ok bool
}

func newCursor(b []byte) cursor { return cursor{b: b, ok: true} }

func (c *cursor) take(n uint64) []byte {
	if !c.ok || n > uint64(len(c.b)) {
		c.ok = false
		c.b = nil
		return nil
	}
	out := c.b[:n:n]
	c.b = c.b[n:]
	return out
}

func (c *cursor) u16() uint16 {
	if b := c.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if b := c.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (c *cursor) u64() uint64 {
	if b := c.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// bytes32 reads a uint32 length-prefixed byte string without copying.
func (c *cursor) bytes32() []byte {
	n := c.u32()
	return c.take(uint64(n))
}

func (c *cursor) str() string { return string(c.bytes32()) }

// strMap reads a uint32 byte-length-prefixed map of strings.
func (c *cursor) strMap() map[string]string {
	body := c.bytes32()
	if !c.ok {
		return nil
	}
	inner := newCursor(body)
	m := map[string]string{}
	for len(inner.b) > 0 && inner.ok {
		k := inner.str()
		v := inner.str()
		if inner.ok {
			m[k] = v
		}
	}
	if !inner.ok {
		c.ok = false
	}
	return m
}

// schemaRec is a parsed Schema record.
type schemaRec struct {
	ID             uint16
	Name, Encoding string
	Data           string
}

func parseSchema(b []byte) (schemaRec, bool) {
	c := newCursor(b)
	s := schemaRec{ID: c.u16(), Name: c.str(), Encoding: c.str(), Data: c.str()}
	return s, c.ok
}

// channelRec is a parsed Channel record.
type channelRec struct {
	ID, SchemaID    uint16
	Topic, Encoding string
	Metadata        map[string]string
}

func parseChannel(b []byte) (channelRec, bool) {
	c := newCursor(b)
	ch := channelRec{ID: c.u16(), SchemaID: c.u16(), Topic: c.str(), Encoding: c.str()}
	ch.Metadata = c.strMap()
	return ch, c.ok
}

// messageRec is a parsed Message record; Data aliases the record body.
type messageRec struct {
	Channel     uint16
	Sequence    uint32
	LogTime     uint64
	PublishTime uint64
	Data        []byte
}

func parseMessage(b []byte) (messageRec, bool) {
	if len(b) < messageFixedLen {
		return messageRec{}, false
	}
	return messageRec{
		Channel:     binary.LittleEndian.Uint16(b),
		Sequence:    binary.LittleEndian.Uint32(b[2:]),
		LogTime:     binary.LittleEndian.Uint64(b[6:]),
		PublishTime: binary.LittleEndian.Uint64(b[14:]),
		Data:        b[messageFixedLen:len(b):len(b)],
	}, true
}

// chunkRec is a parsed Chunk record; Records aliases the record body.
type chunkRec struct {
	Start, End       uint64
	UncompressedSize uint64
	CRC              uint32
	Compression      string
	Records          []byte
}

func parseChunk(b []byte) (chunkRec, bool) {
	c := newCursor(b)
	ch := chunkRec{Start: c.u64(), End: c.u64(), UncompressedSize: c.u64(), CRC: c.u32()}
	comp := c.bytes32()
	if len(comp) > 16 {
		return ch, false
	}
	ch.Compression = string(comp)
	n := c.u64()
	ch.Records = c.take(n)
	if !c.ok || len(c.b) != 0 {
		return ch, false
	}
	return ch, true
}

// statisticsRec holds what the reader uses from a Statistics record.
type statisticsRec struct {
	MessageCount  uint64
	Start, End    uint64
	ChannelCounts map[uint16]uint64
}

func parseStatistics(b []byte) (statisticsRec, bool) {
	c := newCursor(b)
	s := statisticsRec{MessageCount: c.u64()}
	c.u16() // schema count
	c.u32() // channel count
	c.u32() // attachment count
	c.u32() // metadata count
	c.u32() // chunk count
	s.Start, s.End = c.u64(), c.u64()
	body := c.bytes32()
	if !c.ok {
		return s, false
	}
	s.ChannelCounts = map[uint16]uint64{}
	for len(body) >= 10 {
		s.ChannelCounts[binary.LittleEndian.Uint16(body)] += binary.LittleEndian.Uint64(body[2:])
		body = body[10:]
	}
	return s, len(body) == 0
}

// chunkIndexOffset returns the chunk_start_offset field of a ChunkIndex body.
func chunkIndexOffset(b []byte) (uint64, bool) {
	c := newCursor(b)
	c.u64()
	c.u64()
	off := c.u64()
	return off, c.ok && off <= math.MaxInt64
}
