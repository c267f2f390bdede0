package pointcloud

import (
	"encoding/binary"
	"fmt"
	"math"
)

// WithFields returns a dense layout (row_step = width × point_step) holding
// l's fields followed by extra, each extra field aligned to its size. The
// extra fields' offsets are assigned here; their given offsets are ignored.
func (l *Layout) WithFields(extra ...Field) (Layout, error) {
	out := Layout{Width: l.Width, Height: l.Height, BigEndian: l.BigEndian}
	out.Fields = append(make([]Field, 0, len(l.Fields)+len(extra)), l.Fields...)
	step := l.PointStep
	for _, f := range extra {
		if _, dup := l.Find(f.Name); dup {
			return out, &LayoutError{Field: f.Name, Detail: "already present in the input cloud", Err: ErrPointStep}
		}
		sz := uint32(Size(f.Datatype))
		if sz == 0 {
			return out, &LayoutError{Field: f.Name, Detail: fmt.Sprintf("datatype %d", f.Datatype), Err: ErrDatatype}
		}
		if r := step % sz; r != 0 {
			step += sz - r
		}
		f.Offset = step
		f.Count = max(f.Count, 1)
		step += sz * f.Count
		out.Fields = append(out.Fields, f)
	}
	if r := step % 4; r != 0 { // keep points 4-byte aligned, as PCL does
		step += 4 - r
	}
	out.PointStep = step
	out.RowStep = step * l.Width
	return out, nil
}

// CopyPoints copies every point of src (layout sl) into dst (layout dl) at
// the start of each destination point; dl's point_step must be at least
// sl's. dst must hold dl.RowStep × dl.Height bytes.
func CopyPoints(dst []byte, dl *Layout, src []byte, sl *Layout) {
	n := sl.NumPoints()
	w := int(max(sl.Width, 1))
	for i := 0; i < n; i++ {
		row, col := i/w, i%w
		s := row*int(sl.RowStep) + col*int(sl.PointStep)
		d := row*int(dl.RowStep) + col*int(dl.PointStep)
		copy(dst[d:d+int(sl.PointStep)], src[s:s+int(sl.PointStep)])
	}
}

// Put writes v into point i's field, converting to its datatype (floats to
// integers by truncation, clamped to the type's range).
func (a Accessor) Put(data []byte, i int, v float64) {
	p := data[a.Offset(i):]
	var o binary.ByteOrder = binary.LittleEndian
	if a.big {
		o = binary.BigEndian
	}
	switch a.dt {
	case Float32:
		o.PutUint32(p, math.Float32bits(float32(v)))
	case Float64:
		o.PutUint64(p, math.Float64bits(v))
	case Uint8:
		p[0] = uint8(clamp(v, 0, math.MaxUint8))
	case Int8:
		p[0] = uint8(int8(clamp(v, math.MinInt8, math.MaxInt8)))
	case Uint16:
		o.PutUint16(p, uint16(clamp(v, 0, math.MaxUint16)))
	case Int16:
		o.PutUint16(p, uint16(int16(clamp(v, math.MinInt16, math.MaxInt16))))
	case Uint32:
		o.PutUint32(p, uint32(clamp(v, 0, math.MaxUint32)))
	case Int32:
		o.PutUint32(p, uint32(int32(clamp(v, math.MinInt32, math.MaxInt32))))
	}
}

// PutUint32 writes the raw 32 bits of a 4-byte field (uint32, int32 or a
// packed float32 rgb) without conversion.
func (a Accessor) PutUint32(data []byte, i int, v uint32) {
	if a.big {
		binary.BigEndian.PutUint32(data[a.Offset(i):], v)
		return
	}
	binary.LittleEndian.PutUint32(data[a.Offset(i):], v)
}

// PutUint16 writes a 2-byte field without conversion.
func (a Accessor) PutUint16(data []byte, i int, v uint16) {
	if a.big {
		binary.BigEndian.PutUint16(data[a.Offset(i):], v)
		return
	}
	binary.LittleEndian.PutUint16(data[a.Offset(i):], v)
}

func clamp(v, lo, hi float64) float64 {
	if v != v { // NaN
		return 0
	}
	return math.Max(lo, math.Min(hi, v))
}
