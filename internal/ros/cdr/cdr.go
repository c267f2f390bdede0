package cdr

import (
	"encoding/binary"
	"math"
	"reflect"
	"sync"
)

// Encapsulation identifiers (first two bytes of every serialized message).
const (
	encapCDRBE = 0x0000 // plain CDR, big endian
	encapCDRLE = 0x0001 // plain CDR, little endian
	headerSize = 4
)

// Message is implemented by every generated ROS message type.
type Message interface {
	// TypeName returns the ROS 2 type name, e.g. "sensor_msgs/msg/Image".
	TypeName() string
	// Schema returns the ros2msg definition with its dependencies, the
	// text rosbag2 stores as an MCAP schema.
	Schema() string
	// EncodeCDR appends the message body to e.
	EncodeCDR(e *Encoder)
	// DecodeCDR reads the message body from d, reusing the receiver's
	// slices where their capacity allows. Byte sequences alias d's buffer.
	DecodeCDR(d *Decoder)
}

// Marshal serializes m with a little-endian encapsulation header into a new
// buffer.
func Marshal(m Message) []byte { return MarshalAppend(nil, m) }

// MarshalAppend serializes m into buf[:0], growing it as needed, and returns
// the result; passing the previous result back in avoids allocation.
func MarshalAppend(buf []byte, m Message) []byte {
	e := encoderPool.Get().(*Encoder)
	out := e.Encode(buf, m)
	e.buf = nil
	encoderPool.Put(e)
	return out
}

var encoderPool = sync.Pool{New: func() any { return new(Encoder) }}

// Encode serializes m into buf[:0] with the encapsulation header and
// returns the result; hot paths that keep their own Encoder call this.
func (e *Encoder) Encode(buf []byte, m Message) []byte {
	e.Reset(buf[:0])
	m.EncodeCDR(e)
	return e.Bytes()
}

// Unmarshal decodes data (header included) into m. Byte sequences in m alias
// data, so data must outlive m's use of them.
func Unmarshal(data []byte, m Message) error {
	d := decoderPool.Get().(*Decoder)
	err := d.Decode(data, m)
	*d = Decoder{}
	decoderPool.Put(d)
	return err
}

var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// Decode resets d to data and decodes m from it; hot paths that keep their
// own Decoder call this instead of Unmarshal.
func (d *Decoder) Decode(data []byte, m Message) error {
	if err := d.Reset(data); err != nil {
		return &DecodeError{Type: m.TypeName(), What: "encapsulation header", Err: err}
	}
	m.DecodeCDR(d)
	if d.err != nil {
		d.err.Type = m.TypeName()
		return d.err
	}
	return nil
}

// Encoder appends little-endian XCDR1 data. The zero value is not ready:
// call Reset first.
type Encoder struct {
	buf []byte
}

// Reset starts a new message in buf (whose contents are discarded) and
// writes the encapsulation header.
func (e *Encoder) Reset(buf []byte) {
	e.buf = append(buf[:0], 0x00, encapCDRLE, 0x00, 0x00)
}

// Bytes returns the serialized message, header included.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the body length written so far (header excluded).
func (e *Encoder) Len() int { return len(e.buf) - headerSize }

func (e *Encoder) align(n int) {
	if r := (len(e.buf) - headerSize) % n; r != 0 {
		for i := r; i < n; i++ {
			e.buf = append(e.buf, 0)
		}
	}
}

// Grow makes room for n more bytes without reallocation.
func (e *Encoder) Grow(n int) {
	if cap(e.buf)-len(e.buf) < n {
		nb := make([]byte, len(e.buf), 2*cap(e.buf)+n)
		copy(nb, e.buf)
		e.buf = nb
	}
}

func (e *Encoder) Bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}
func (e *Encoder) Uint8(v uint8) { e.buf = append(e.buf, v) }
func (e *Encoder) Int8(v int8)   { e.buf = append(e.buf, uint8(v)) }
func (e *Encoder) Uint16(v uint16) {
	e.align(2)
	e.buf = binary.LittleEndian.AppendUint16(e.buf, v)
}
func (e *Encoder) Int16(v int16) { e.Uint16(uint16(v)) }
func (e *Encoder) Uint32(v uint32) {
	e.align(4)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
}
func (e *Encoder) Int32(v int32) { e.Uint32(uint32(v)) }
func (e *Encoder) Uint64(v uint64) {
	e.align(8)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
}
func (e *Encoder) Int64(v int64)     { e.Uint64(uint64(v)) }
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// String writes a CDR string: length including the NUL terminator, bytes, NUL.
func (e *Encoder) String(s string) {
	e.Uint32(uint32(len(s) + 1))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
}

// SeqLen writes a sequence length.
func (e *Encoder) SeqLen(n int) { e.Uint32(uint32(n)) }

// Bytes8 writes raw bytes (the body of a uint8/byte/char/int8 array).
func (e *Encoder) Bytes8(b []byte) { e.buf = append(e.buf, b...) }

// Decoder reads XCDR1 data of either endianness. Errors are sticky: after
// the first failure every read returns zero and Err reports the failure.
type Decoder struct {
	buf    []byte // body, header excluded
	off    int
	order  binary.ByteOrder
	little bool
	err    *DecodeError
}

// Reset starts decoding data, which must begin with the encapsulation header.
func (d *Decoder) Reset(data []byte) error {
	*d = Decoder{}
	if len(data) < headerSize {
		return ErrTruncated
	}
	switch binary.BigEndian.Uint16(data[:2]) {
	case encapCDRLE:
		d.order, d.little = binary.LittleEndian, true
	case encapCDRBE:
		d.order = binary.BigEndian
	default:
		return ErrHeader
	}
	d.buf = data[headerSize:]
	return nil
}

// Err returns the first error met, or nil.
func (d *Decoder) Err() error {
	if d.err == nil {
		return nil
	}
	return d.err
}

// Offset returns the read position from the start of the body.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

func (d *Decoder) fail(what string, err error) {
	if d.err == nil {
		d.err = &DecodeError{Offset: d.off, What: what, Err: err}
	}
	d.off = len(d.buf)
}

// take aligns to a and returns the next n bytes, or nil after a failure.
func (d *Decoder) take(a, n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	off := d.off
	if a > 1 {
		if r := off % a; r != 0 {
			off += a - r
		}
	}
	if off > len(d.buf) || len(d.buf)-off < n {
		d.fail(what, ErrTruncated)
		return nil
	}
	d.off = off + n
	return d.buf[off : off+n]
}

func (d *Decoder) Bool() bool {
	b := d.take(1, 1, "bool")
	return b != nil && b[0] != 0
}
func (d *Decoder) Uint8() uint8 {
	if b := d.take(1, 1, "uint8"); b != nil {
		return b[0]
	}
	return 0
}
func (d *Decoder) Int8() int8 { return int8(d.Uint8()) }
func (d *Decoder) Uint16() uint16 {
	if b := d.take(2, 2, "uint16"); b != nil {
		return d.order.Uint16(b)
	}
	return 0
}
func (d *Decoder) Int16() int16 { return int16(d.Uint16()) }
func (d *Decoder) Uint32() uint32 {
	if b := d.take(4, 4, "uint32"); b != nil {
		return d.order.Uint32(b)
	}
	return 0
}
func (d *Decoder) Int32() int32 { return int32(d.Uint32()) }
func (d *Decoder) Uint64() uint64 {
	if b := d.take(8, 8, "uint64"); b != nil {
		return d.order.Uint64(b)
	}
	return 0
}
func (d *Decoder) Int64() int64     { return int64(d.Uint64()) }
func (d *Decoder) Float32() float32 { return math.Float32frombits(d.Uint32()) }
func (d *Decoder) Float64() float64 { return math.Float64frombits(d.Uint64()) }

// String reads a CDR string. When the bytes equal prev, prev is returned so
// that decoding a stream of messages with the same frame_id does not
// allocate. A zero length is accepted as the empty string, and a missing
// NUL terminator is tolerated.
func (d *Decoder) String(prev string) string {
	n := d.Uint32()
	if d.err != nil || n == 0 {
		return ""
	}
	if int64(n) > int64(d.Remaining()) {
		d.fail("string length", ErrLength)
		return ""
	}
	b := d.take(1, int(n), "string")
	if b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if string(b) == prev { // no allocation: the compiler special-cases this comparison
		return prev
	}
	return string(b)
}

// SeqLen reads a sequence length and checks that n elements of at least
// minSize bytes each fit in what remains, so a hostile length cannot drive
// an allocation beyond the payload size.
func (d *Decoder) SeqLen(minSize int) int {
	n := d.Uint32()
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if uint64(n)*uint64(minSize) > uint64(d.Remaining()) {
		d.fail("sequence length", ErrLength)
		return 0
	}
	return int(n)
}

// Bytes8 returns the next n bytes without copying; the result aliases the
// decoder's buffer.
func (d *Decoder) Bytes8(n int) []byte {
	b := d.take(1, n, "byte array")
	if b == nil {
		return nil
	}
	return b[:n:n]
}

// Resize returns s with length n, reusing its backing array when the
// capacity allows (so decoding into the same message again does not
// allocate) and keeping the old elements for reuse.
func Resize[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// Clone returns a deep copy of m that shares no memory with it: what a
// consumer keeps from a message its producer reuses (a node's outputs, a
// bag reader's buffer) must be cloned. It round-trips through CDR, so the
// copy is exactly what a subscriber would receive.
func Clone[M Message](m M) M {
	c := reflect.New(reflect.TypeOf(m).Elem()).Interface().(M)
	// Unmarshal cannot fail on what Marshal just wrote for the same type.
	if err := Unmarshal(Marshal(m), c); err != nil {
		panic("cdr: clone of " + m.TypeName() + ": " + err.Error())
	}
	return c
}
