package pointcloud

import (
	"encoding/binary"
	"math"
)

// Reader decodes a lidar cloud's fields into float32 columns, the form the
// algorithms take, and keeps the columns from cloud to cloud. It is the one
// XYZI reader of the nodes: one pass over the points in row order (no
// division per point), with little-endian float32 fields read inline,
// which is most drivers' layout and three times faster than a call per
// field.
type Reader struct {
	X, Y, Z   []float32
	Intensity []float32 // empty when the cloud has no intensity field
	Ring      []uint16  // empty when the cloud has no ring field; clamped to 0..65535
	Time      []float32 // raw time · scale − origin; empty unless Start asked for it and the cloud has one

	acc                       XYZI
	data                      []byte
	width, pointStep, rowStep int
	fastX, fastY, fastZ       bool
	fastI, fastT              bool // little-endian float32 intensity, time
	ringU16                   bool // little-endian uint16 ring (Velodyne's)
	scale, origin             float64
}

// Start sizes the columns for the n points of data, a cloud whose layout
// gave acc (Layout.Lidar, which validated it). With readTime, a time field
// is read as raw·scale − origin (seconds relative to the stamp, for
// de-skewing). Read then fills the columns, and Done drops data.
func (r *Reader) Start(acc XYZI, data []byte, n int, readTime bool, scale, origin float64) {
	r.acc, r.data = acc, data
	r.width, r.pointStep, r.rowStep = max(acc.X.width, 1), acc.X.pointStep, acc.X.rowStep
	r.fastX, r.fastY, r.fastZ = acc.X.leFloat32(), acc.Y.leFloat32(), acc.Z.leFloat32()
	r.fastI, r.fastT = acc.Intensity.leFloat32(), acc.Time.leFloat32()
	r.ringU16 = acc.Ring.dt == Uint16 && !acc.Ring.big
	r.scale, r.origin = scale, origin
	r.X, r.Y, r.Z = grow(r.X, n), grow(r.Y, n), grow(r.Z, n)
	r.Intensity = growIf(r.Intensity, n, acc.Intensity.Valid())
	r.Ring = growIf(r.Ring, n, acc.Ring.Valid())
	r.Time = growIf(r.Time, n, readTime && acc.Time.Valid())
}

// Read decodes points [lo, hi). Disjoint ranges may be read concurrently.
func (r *Reader) Read(lo, hi int) {
	if lo >= hi {
		return
	}
	// Everything the loop reads is a local: through r, each store to a
	// column would make the compiler load the fields again.
	data, step, width, rowStep := r.data, r.pointStep, r.width, r.rowStep
	a := r.acc
	ox, oy, oz, oi, or, ot := a.X.off, a.Y.off, a.Z.off, a.Intensity.off, a.Ring.off, a.Time.off
	fastX, fastY, fastZ, fastI, fastT, ringU16 := r.fastX, r.fastY, r.fastZ, r.fastI, r.fastT, r.ringU16
	scale, origin := r.scale, r.origin
	x, y, z := r.X[:hi], r.Y[:hi], r.Z[:hi]
	in, rg, tm := r.Intensity, r.Ring, r.Time
	hasI, hasR, hasT := len(in) > 0, len(rg) > 0, len(tm) > 0
	le := binary.LittleEndian
	row, col := lo/width, lo%width
	rowStart := row * rowStep
	base := rowStart + col*step
	for i := lo; i < hi; i++ {
		p := data[base : base+step]
		if fastX {
			x[i] = math.Float32frombits(le.Uint32(p[ox:]))
		} else {
			x[i] = float32(a.X.FloatAt(data, base))
		}
		if fastY {
			y[i] = math.Float32frombits(le.Uint32(p[oy:]))
		} else {
			y[i] = float32(a.Y.FloatAt(data, base))
		}
		if fastZ {
			z[i] = math.Float32frombits(le.Uint32(p[oz:]))
		} else {
			z[i] = float32(a.Z.FloatAt(data, base))
		}
		if hasI {
			if fastI {
				in[i] = math.Float32frombits(le.Uint32(p[oi:]))
			} else {
				in[i] = float32(a.Intensity.FloatAt(data, base))
			}
		}
		if hasR {
			if ringU16 {
				rg[i] = le.Uint16(p[or:])
			} else {
				v := a.Ring.FloatAt(data, base)
				if !(v >= 0) {
					v = 0
				}
				rg[i] = uint16(min(v, math.MaxUint16))
			}
		}
		if hasT {
			var v float64
			if fastT {
				v = float64(math.Float32frombits(le.Uint32(p[ot:])))
			} else {
				v = a.Time.FloatAt(data, base)
			}
			tm[i] = float32(v*scale - origin)
		}
		if col++; col == width {
			col, rowStart = 0, rowStart+rowStep
			base = rowStart
		} else {
			base += step
		}
	}
}

// Done drops the reference to the cloud's bytes, which their producer
// reuses.
func (r *Reader) Done() { r.data = nil }

// leFloat32 reports whether the field is a little-endian float32, which
// Reader reads inline.
func (a Accessor) leFloat32() bool { return a.dt == Float32 && !a.big }

// grow returns s resized to n, reallocating (with room to spare, as sweeps
// vary in size) only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// growIf is grow when want, else s emptied (its storage kept).
func growIf[T any](s []T, n int, want bool) []T {
	if !want {
		return s[:0]
	}
	return grow(s, n)
}
