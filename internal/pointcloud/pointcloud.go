package pointcloud

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Datatypes as sensor_msgs/PointField numbers them.
const (
	Int8    uint8 = 1
	Uint8   uint8 = 2
	Int16   uint8 = 3
	Uint16  uint8 = 4
	Int32   uint8 = 5
	Uint32  uint8 = 6
	Float32 uint8 = 7
	Float64 uint8 = 8
)

// Size returns the byte size of a datatype, 0 when unknown.
func Size(dt uint8) int {
	switch dt {
	case Int8, Uint8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// Field is one named field of a point.
type Field struct {
	Name     string
	Offset   uint32 // bytes from the start of the point
	Datatype uint8  // one of Int8..Float64
	Count    uint32 // elements; 0 is read as 1, as rviz2 does
}

// Layout describes how points sit in a cloud's data.
type Layout struct {
	Width, Height uint32 // Height 1 for unorganised clouds
	PointStep     uint32 // bytes per point
	RowStep       uint32 // bytes per row
	BigEndian     bool
	Fields        []Field
}

// NumPoints returns Width × Height.
func (l *Layout) NumPoints() int { return int(l.Width) * int(l.Height) }

// DefaultMaxPoints bounds the clouds Validate accepts (2 M points, the
// densest spinning lidars at 10 Hz stay under it).
const DefaultMaxPoints = 2 << 20

// Validate checks the layout against a data length: every field known and
// inside point_step, row_step ≥ width × point_step, and the data long enough
// for every point. maxPoints ≤ 0 means DefaultMaxPoints.
func (l *Layout) Validate(dataLen, maxPoints int) error {
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	n := uint64(l.Width) * uint64(l.Height)
	if n > uint64(maxPoints) {
		return &LayoutError{Detail: fmt.Sprintf("%d×%d points, limit %d", l.Width, l.Height, maxPoints), Err: ErrTooLarge}
	}
	for _, f := range l.Fields {
		sz := Size(f.Datatype)
		if sz == 0 {
			return &LayoutError{Field: f.Name, Detail: fmt.Sprintf("datatype %d", f.Datatype), Err: ErrDatatype}
		}
		cnt := uint64(max(f.Count, 1))
		if uint64(f.Offset)+cnt*uint64(sz) > uint64(l.PointStep) {
			return &LayoutError{Field: f.Name, Detail: fmt.Sprintf("offset %d + %d×%d bytes > point_step %d", f.Offset, cnt, sz, l.PointStep), Err: ErrPointStep}
		}
	}
	if n == 0 {
		return nil
	}
	if uint64(l.RowStep) < uint64(l.Width)*uint64(l.PointStep) {
		return &LayoutError{Detail: fmt.Sprintf("row_step %d < %d × %d", l.RowStep, l.Width, l.PointStep), Err: ErrRowStep}
	}
	need := uint64(l.Height-1)*uint64(l.RowStep) + uint64(l.Width)*uint64(l.PointStep)
	if need > uint64(dataLen) {
		return &LayoutError{Detail: fmt.Sprintf("%d bytes, layout needs %d", dataLen, need), Err: ErrShortData}
	}
	return nil
}

// Find returns the first field whose name is one of names.
func (l *Layout) Find(names ...string) (Field, bool) {
	for _, n := range names {
		for _, f := range l.Fields {
			if f.Name == n {
				return f, true
			}
		}
	}
	return Field{}, false
}

// Accessor reads one scalar field of every point of a validated cloud.
type Accessor struct {
	off       int
	dt        uint8
	big       bool
	width     int
	pointStep int
	rowStep   int
}

// Accessor returns a reader for field f under layout l. The layout must have
// passed Validate for the data the accessor is used on.
func (l *Layout) Accessor(f Field) Accessor {
	return Accessor{off: int(f.Offset), dt: f.Datatype, big: l.BigEndian,
		width: int(max(l.Width, 1)), pointStep: int(l.PointStep), rowStep: int(l.RowStep)}
}

// Valid reports whether the accessor reads a field.
func (a Accessor) Valid() bool { return a.dt != 0 }

// Offset returns the byte offset of point i's field in data.
func (a Accessor) Offset(i int) int {
	if a.width == 0 {
		return a.off
	}
	row, col := i/a.width, i%a.width
	return row*a.rowStep + col*a.pointStep + a.off
}

// Float reads point i's field as float64 (integers converted exactly).
func (a Accessor) Float(data []byte, i int) float64 {
	return a.FloatAt(data, a.Offset(i)-a.off)
}

// Float32 reads point i's field as float32; the common little-endian
// float32 case takes a fast path.
func (a Accessor) Float32(data []byte, i int) float32 {
	if a.leFloat32() {
		return math.Float32frombits(binary.LittleEndian.Uint32(data[a.Offset(i):]))
	}
	return float32(a.Float(data, i))
}

// FloatAt reads the field of the point that starts at byte p of data as
// float64. The byte order is branched on, not held in a binary.ByteOrder:
// an interface call per field cost more than the read.
func (a Accessor) FloatAt(data []byte, p int) float64 {
	b := data[p+a.off:]
	switch a.dt {
	case Float32:
		return float64(math.Float32frombits(a.u32(b)))
	case Float64:
		return math.Float64frombits(a.u64(b))
	case Uint8:
		return float64(b[0])
	case Int8:
		return float64(int8(b[0]))
	case Uint16:
		return float64(a.u16(b))
	case Int16:
		return float64(int16(a.u16(b)))
	case Uint32:
		return float64(a.u32(b))
	case Int32:
		return float64(int32(a.u32(b)))
	}
	return math.NaN()
}

// u16, u32 and u64 read an unsigned integer in the cloud's byte order.
func (a Accessor) u16(b []byte) uint16 {
	if a.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (a Accessor) u32(b []byte) uint32 {
	if a.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (a Accessor) u64(b []byte) uint64 {
	if a.big {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// Standard field names drivers use, most common first.
var (
	IntensityNames = []string{"intensity", "reflectivity", "remission", "i"}
	RingNames      = []string{"ring", "channel", "laser_id", "line"}
	TimeNames      = []string{"time", "t", "timestamp", "time_offset", "offset_time"}
)

// XYZI are the accessors a lidar pipeline needs; missing optional fields
// have Valid() == false.
type XYZI struct {
	X, Y, Z   Accessor
	Intensity Accessor
	Ring      Accessor
	Time      Accessor
}

// Lidar validates l against dataLen and finds x, y, z (required) and the
// optional intensity, ring and time fields under their usual names.
func (l *Layout) Lidar(dataLen, maxPoints int) (XYZI, error) {
	var out XYZI
	if err := l.Validate(dataLen, maxPoints); err != nil {
		return out, err
	}
	// One field at a time, not through a table of pointers into out: that
	// table made out escape, an allocation per cloud.
	for i, name := range [3]string{"x", "y", "z"} {
		f, ok := l.Find(name)
		if !ok {
			return out, &LayoutError{Field: name, Detail: "a lidar cloud needs x, y and z", Err: ErrNoField}
		}
		switch i {
		case 0:
			out.X = l.Accessor(f)
		case 1:
			out.Y = l.Accessor(f)
		default:
			out.Z = l.Accessor(f)
		}
	}
	if f, ok := l.Find(IntensityNames...); ok {
		out.Intensity = l.Accessor(f)
	}
	if f, ok := l.Find(RingNames...); ok {
		out.Ring = l.Accessor(f)
	}
	if f, ok := l.Find(TimeNames...); ok {
		out.Time = l.Accessor(f)
	}
	return out, nil
}
