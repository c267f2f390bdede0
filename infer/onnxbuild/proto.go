package onnxbuild

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types used by ONNX messages.
const (
	wireVarint  = 0
	wireFixed32 = 5
	wireBytes   = 2
)

// buf is a protobuf message under construction.
type buf []byte

func (b *buf) varint(v uint64) {
	for v >= 0x80 {
		*b = append(*b, byte(v)|0x80)
		v >>= 7
	}
	*b = append(*b, byte(v))
}

func (b *buf) tag(field int, wire int) { b.varint(uint64(field)<<3 | uint64(wire)) }

// int writes an int32/int64 field (negative values take ten bytes, as
// protobuf's int64 encoding requires).
func (b *buf) int(field int, v int64) {
	b.tag(field, wireVarint)
	b.varint(uint64(v))
}

func (b *buf) bytes(field int, v []byte) {
	b.tag(field, wireBytes)
	b.varint(uint64(len(v)))
	*b = append(*b, v...)
}

func (b *buf) str(field int, v string) { b.bytes(field, []byte(v)) }

func (b *buf) msg(field int, m buf) { b.bytes(field, m) }

func (b *buf) float(field int, v float32) {
	b.tag(field, wireFixed32)
	*b = binary.LittleEndian.AppendUint32(*b, math.Float32bits(v))
}

// packedInts writes a packed repeated int64 field.
func (b *buf) packedInts(field int, vs []int64) {
	var p buf
	for _, v := range vs {
		p.varint(uint64(v))
	}
	b.bytes(field, p)
}
