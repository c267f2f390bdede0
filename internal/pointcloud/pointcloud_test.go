package pointcloud

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

type pt struct{ x, y, z, i, ring, t float64 }

// layoutCase is one driver-style layout; the same table drives the read
// test, the write test and the fuzz seeds.
type layoutCase struct {
	name   string
	layout Layout
}

func driverLayouts() []layoutCase {
	f := func(name string, off uint32, dt uint8) Field {
		return Field{Name: name, Offset: off, Datatype: dt, Count: 1}
	}
	return []layoutCase{
		{"velodyne", Layout{Width: 5, Height: 1, PointStep: 22, Fields: []Field{
			f("x", 0, Float32), f("y", 4, Float32), f("z", 8, Float32), f("intensity", 12, Float32), f("ring", 16, Uint16), f("time", 18, Float32)}}},
		{"ouster-organised-padded", Layout{Width: 3, Height: 2, PointStep: 48, RowStep: 160, Fields: []Field{
			f("x", 0, Float32), f("y", 4, Float32), f("z", 8, Float32), f("t", 16, Uint32), f("reflectivity", 20, Uint16), f("ring", 26, Uint8)}}},
		{"float64-bigendian", Layout{Width: 4, Height: 1, PointStep: 32, BigEndian: true, Fields: []Field{
			f("intensity", 24, Uint8), f("z", 16, Float64), f("y", 8, Float64), f("x", 0, Float64)}}},
	}
}

func fillCloud(l *Layout, pts []pt) []byte {
	if l.RowStep == 0 {
		l.RowStep = l.Width * l.PointStep
	}
	data := make([]byte, int(l.RowStep)*int(l.Height))
	for i, p := range pts {
		for _, fd := range l.Fields {
			a := l.Accessor(fd)
			switch fd.Name {
			case "x":
				a.Put(data, i, p.x)
			case "y":
				a.Put(data, i, p.y)
			case "z":
				a.Put(data, i, p.z)
			case "intensity", "reflectivity":
				a.Put(data, i, p.i)
			case "ring":
				a.Put(data, i, p.ring)
			case "time", "t":
				a.Put(data, i, p.t)
			}
		}
	}
	return data
}

func TestDriverLayouts(t *testing.T) {
	for _, c := range driverLayouts() {
		t.Run(c.name, func(t *testing.T) {
			l := c.layout
			n := l.NumPoints()
			pts := make([]pt, n)
			for i := range pts {
				pts[i] = pt{x: float64(i) + 0.5, y: -float64(i), z: 0.25, i: float64(10 * i), ring: float64(i % 3), t: float64(i * 100)}
			}
			data := fillCloud(&l, pts)
			acc, err := l.Lidar(len(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pts {
				if got := acc.X.Float(data, i); got != p.x {
					t.Fatalf("point %d x = %v, want %v", i, got, p.x)
				}
				if got := acc.Y.Float32(data, i); got != float32(p.y) {
					t.Fatalf("point %d y = %v, want %v", i, got, p.y)
				}
				if acc.Intensity.Valid() && acc.Intensity.Float(data, i) != p.i {
					t.Fatalf("point %d intensity = %v, want %v", i, acc.Intensity.Float(data, i), p.i)
				}
				if acc.Ring.Valid() && acc.Ring.Float(data, i) != p.ring {
					t.Fatalf("point %d ring = %v", i, acc.Ring.Float(data, i))
				}
				if acc.Time.Valid() && acc.Time.Float(data, i) != p.t {
					t.Fatalf("point %d time = %v", i, acc.Time.Float(data, i))
				}
			}
			// Extending the layout keeps every original value.
			out, err := l.WithFields(Field{Name: "label", Datatype: Uint16}, Field{Name: "rgb", Datatype: Float32}, Field{Name: "instance", Datatype: Uint32})
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, int(out.RowStep)*int(out.Height))
			CopyPoints(dst, &out, data, &l)
			oacc, err := out.Lidar(len(dst), 0)
			if err != nil {
				t.Fatal(err)
			}
			lf, _ := out.Find("label")
			la := out.Accessor(lf)
			for i, p := range pts {
				la.PutUint16(dst, i, uint16(i))
				if oacc.X.Float(dst, i) != p.x || la.Float(dst, i) != float64(i) {
					t.Fatalf("extended point %d wrong", i)
				}
			}
			for _, f := range out.Fields[len(l.Fields):] {
				if f.Offset%uint32(Size(f.Datatype)) != 0 {
					t.Fatalf("field %s misaligned at %d", f.Name, f.Offset)
				}
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	xyz := []Field{{Name: "x", Offset: 0, Datatype: Float32}, {Name: "y", Offset: 4, Datatype: Float32}, {Name: "z", Offset: 8, Datatype: Float32}}
	cases := []struct {
		name    string
		l       Layout
		dataLen int
		want    error
	}{
		{"no z", Layout{Width: 1, Height: 1, PointStep: 12, RowStep: 12, Fields: xyz[:2]}, 12, ErrNoField},
		{"point_step too small", Layout{Width: 1, Height: 1, PointStep: 8, RowStep: 8, Fields: xyz}, 8, ErrPointStep},
		{"short data", Layout{Width: 10, Height: 1, PointStep: 12, RowStep: 120, Fields: xyz}, 119, ErrShortData},
		{"row_step too small", Layout{Width: 10, Height: 2, PointStep: 12, RowStep: 100, Fields: xyz}, 1000, ErrRowStep},
		{"unknown datatype", Layout{Width: 1, Height: 1, PointStep: 12, RowStep: 12, Fields: append([]Field{{Name: "w", Datatype: 9}}, xyz...)}, 12, ErrDatatype},
		{"too large", Layout{Width: 1 << 20, Height: 1 << 12, PointStep: 12, RowStep: 12 << 20, Fields: xyz}, 100, ErrTooLarge},
	}
	for _, c := range cases {
		_, err := c.l.Lidar(c.dataLen, 0)
		var le *LayoutError
		if !errors.Is(err, c.want) || !errors.As(err, &le) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestPutClampsAndNaN(t *testing.T) {
	l := Layout{Width: 1, Height: 1, PointStep: 4, RowStep: 4, Fields: []Field{{Name: "v", Datatype: Uint16}}}
	a := l.Accessor(l.Fields[0])
	data := make([]byte, 4)
	for _, c := range []struct{ in, want float64 }{{-5, 0}, {1e9, 65535}, {math.NaN(), 0}, {12.7, 12}} {
		a.Put(data, 0, c.in)
		if got := float64(binary.LittleEndian.Uint16(data)); got != c.want {
			t.Errorf("Put(%v) stored %v, want %v", c.in, got, c.want)
		}
	}
}

// FuzzLidarLayout builds a layout from fuzz input and reads every point of
// it, per point and through Reader: a layout that validates must never
// read out of bounds.
func FuzzLidarLayout(f *testing.F) {
	for _, c := range driverLayouts() {
		l := c.layout
		data := fillCloud(&l, make([]pt, l.NumPoints()))
		f.Add(encodeLayout(&l), data)
	}
	f.Fuzz(func(t *testing.T, hdr, data []byte) {
		l, ok := decodeLayout(hdr)
		if !ok {
			return
		}
		acc, err := l.Lidar(len(data), 1<<16)
		if err != nil {
			return
		}
		var r Reader
		r.Start(acc, data, l.NumPoints(), true, 1, 0)
		r.Read(0, l.NumPoints())
		for i := 0; i < l.NumPoints(); i++ {
			_ = acc.X.Float(data, i) + acc.Y.Float(data, i) + float64(acc.Z.Float32(data, i))
			if acc.Intensity.Valid() {
				_ = acc.Intensity.Float(data, i)
			}
			if acc.Time.Valid() {
				_ = acc.Time.Float(data, i)
			}
		}
	})
}

var names = []string{"x", "y", "z", "intensity", "ring", "time"}

// encodeLayout packs a layout as width, height, point_step, row_step (uint16
// each), endianness, then 4 bytes per field (name index, offset, datatype, count).
func encodeLayout(l *Layout) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(l.Width))
	b = binary.LittleEndian.AppendUint16(b, uint16(l.Height))
	b = binary.LittleEndian.AppendUint16(b, uint16(l.PointStep))
	b = binary.LittleEndian.AppendUint16(b, uint16(l.RowStep))
	if l.BigEndian {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	for _, f := range l.Fields {
		idx := 0
		for i, n := range names {
			if n == f.Name {
				idx = i
			}
		}
		b = append(b, byte(idx), byte(f.Offset), f.Datatype, byte(f.Count))
	}
	return b
}

func decodeLayout(b []byte) (Layout, bool) {
	if len(b) < 9 {
		return Layout{}, false
	}
	l := Layout{Width: uint32(binary.LittleEndian.Uint16(b)), Height: uint32(binary.LittleEndian.Uint16(b[2:])),
		PointStep: uint32(binary.LittleEndian.Uint16(b[4:])), RowStep: uint32(binary.LittleEndian.Uint16(b[6:])), BigEndian: b[8] == 1}
	for p := b[9:]; len(p) >= 4; p = p[4:] {
		l.Fields = append(l.Fields, Field{Name: names[int(p[0])%len(names)], Offset: uint32(p[1]), Datatype: p[2], Count: uint32(p[3])})
	}
	return l, true
}
