package pointcloud

import (
	"math"
	"testing"
)

// TestReaderMatchesAccessors reads each driver layout with Reader, in
// ranges that start and end mid-row as the nodes' parallel reads do, and
// checks every column against the per-point accessors.
func TestReaderMatchesAccessors(t *testing.T) {
	for _, c := range driverLayouts() {
		l := c.layout
		n := l.NumPoints()
		pts := make([]pt, n)
		for i := range pts {
			pts[i] = pt{x: float64(i) + 0.25, y: -float64(i) * 1.5, z: 0.125 * float64(i), i: float64(10 + i), ring: float64(i % 3), t: float64(100 + 7*i)}
		}
		data := fillCloud(&l, pts)
		acc, err := l.Lidar(len(data), 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var r Reader
		const scale, origin = 1e-3, 0.05
		for _, chunk := range []int{n, 1, 2, 4} {
			r.Start(acc, data, n, true, scale, origin)
			for lo := 0; lo < n; lo += chunk {
				r.Read(lo, min(lo+chunk, n))
			}
			r.Done()
			for i := range n {
				if r.X[i] != float32(acc.X.Float(data, i)) || r.Y[i] != float32(acc.Y.Float(data, i)) || r.Z[i] != float32(acc.Z.Float(data, i)) {
					t.Fatalf("%s chunk %d point %d: xyz (%v %v %v), accessors (%v %v %v)", c.name, chunk, i,
						r.X[i], r.Y[i], r.Z[i], acc.X.Float(data, i), acc.Y.Float(data, i), acc.Z.Float(data, i))
				}
				if acc.Intensity.Valid() != (len(r.Intensity) == n) || acc.Ring.Valid() != (len(r.Ring) == n) || acc.Time.Valid() != (len(r.Time) == n) {
					t.Fatalf("%s: columns %d/%d/%d for fields %v/%v/%v", c.name, len(r.Intensity), len(r.Ring), len(r.Time),
						acc.Intensity.Valid(), acc.Ring.Valid(), acc.Time.Valid())
				}
				if acc.Intensity.Valid() && r.Intensity[i] != float32(acc.Intensity.Float(data, i)) {
					t.Fatalf("%s point %d: intensity %v, accessor %v", c.name, i, r.Intensity[i], acc.Intensity.Float(data, i))
				}
				if acc.Ring.Valid() && float64(r.Ring[i]) != acc.Ring.Float(data, i) {
					t.Fatalf("%s point %d: ring %v, accessor %v", c.name, i, r.Ring[i], acc.Ring.Float(data, i))
				}
				if acc.Time.Valid() && r.Time[i] != float32(acc.Time.Float(data, i)*scale-origin) {
					t.Fatalf("%s point %d: time %v, accessor %v", c.name, i, r.Time[i], acc.Time.Float(data, i)*scale-origin)
				}
			}
		}
		r.Start(acc, data, n, false, 0, 0)
		if len(r.Time) != 0 {
			t.Fatalf("%s: time read though not asked for", c.name)
		}
	}
}

// TestReaderRingClamp checks that rings outside uint16 (negative, NaN, too
// large, as a float field can carry) are clamped, not wrapped.
func TestReaderRingClamp(t *testing.T) {
	l := Layout{Width: 4, Height: 1, PointStep: 16, Fields: []Field{
		{Name: "x", Offset: 0, Datatype: Float32, Count: 1}, {Name: "y", Offset: 4, Datatype: Float32, Count: 1},
		{Name: "z", Offset: 8, Datatype: Float32, Count: 1}, {Name: "ring", Offset: 12, Datatype: Float32, Count: 1}}}
	data := fillCloud(&l, nil)
	ring := l.Accessor(l.Fields[3])
	for i, v := range []float64{-3, math.NaN(), 1e9, 17} {
		ring.Put(data, i, v)
	}
	acc, err := l.Lidar(len(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	var r Reader
	r.Start(acc, data, 4, false, 0, 0)
	r.Read(0, 4)
	if want := []uint16{0, 0, math.MaxUint16, 17}; [4]uint16(r.Ring) != [4]uint16(want) {
		t.Fatalf("rings %v, want %v", r.Ring, want)
	}
}

// TestReaderAllocs checks that a second cloud of no more points allocates
// nothing.
func TestReaderAllocs(t *testing.T) {
	l := driverLayouts()[1].layout
	data := fillCloud(&l, make([]pt, l.NumPoints()))
	acc, err := l.Lidar(len(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	var r Reader
	n := l.NumPoints()
	if a := testing.AllocsPerRun(10, func() {
		r.Start(acc, data, n, true, 1, 0)
		r.Read(0, n)
		r.Done()
	}); a != 0 {
		t.Fatalf("%v allocations a cloud", a)
	}
}

// BenchmarkReader reads a 64×2048 sweep (131,072 points) in the Velodyne
// driver's layout: x, y, z, intensity float32, ring uint16, time float32.
func BenchmarkReader(b *testing.B) {
	l := driverLayouts()[0].layout
	l.Width = 131072
	pts := make([]pt, l.NumPoints())
	for i := range pts {
		pts[i] = pt{x: float64(i%97) - 48, y: float64(i%89) - 44, z: float64(i%7) * 0.3, i: float64(i % 255), ring: float64(i % 64), t: float64(i) * 1e-6}
	}
	data := fillCloud(&l, pts)
	acc, err := l.Lidar(len(data), 0)
	if err != nil {
		b.Fatal(err)
	}
	var r Reader
	n := l.NumPoints()
	b.ReportAllocs()
	for b.Loop() {
		r.Start(acc, data, n, true, 1, 0)
		r.Read(0, n)
		r.Done()
	}
}

// TestReaderDatatypes reads every field datatype in both byte orders and
// checks the columns against the values written, not against the
// accessors (whose FloatAt shares the slow path).
func TestReaderDatatypes(t *testing.T) {
	signed := map[uint8]bool{Int8: true, Int16: true, Int32: true, Float32: true, Float64: true}
	for _, dt := range []uint8{Int8, Uint8, Int16, Uint16, Int32, Uint32, Float32, Float64} {
		for _, big := range []bool{false, true} {
			sz := uint32(Size(dt))
			var fields []Field
			for k, name := range []string{"x", "y", "z", "intensity", "ring", "time"} {
				fields = append(fields, Field{Name: name, Offset: uint32(k) * sz, Datatype: dt, Count: 1})
			}
			l := Layout{Width: 5, Height: 2, PointStep: 6*sz + 3, RowStep: 5*(6*sz+3) + 7, BigEndian: big, Fields: fields}
			n := l.NumPoints()
			want := func(i, k int) float64 { // field k of point i
				v := float64(i*3 + k)
				if signed[dt] && k < 3 {
					v = -v
				}
				return v
			}
			pts := make([]pt, n)
			for i := range pts {
				pts[i] = pt{want(i, 0), want(i, 1), want(i, 2), want(i, 3), want(i, 4), want(i, 5)}
			}
			data := fillCloud(&l, pts)
			acc, err := l.Lidar(len(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			var r Reader
			r.Start(acc, data, n, true, 2, 1)
			r.Read(0, 3)
			r.Read(3, n)
			for i := range n {
				got := []float64{float64(r.X[i]), float64(r.Y[i]), float64(r.Z[i]), float64(r.Intensity[i]), float64(r.Ring[i]), float64(r.Time[i])}
				exp := []float64{want(i, 0), want(i, 1), want(i, 2), want(i, 3), want(i, 4), want(i, 5)*2 - 1}
				for k := range got {
					if got[k] != exp[k] {
						t.Fatalf("datatype %d big-endian %v point %d field %d: read %v, wrote %v", dt, big, i, k, got[k], exp[k])
					}
				}
			}
		}
	}
}
