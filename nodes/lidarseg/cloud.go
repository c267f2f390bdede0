package lidarsegnode

import (
	"encoding/binary"
	"slices"

	"github.com/gopercept/gopercept/internal/parallel"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// Names of the fields the node appends.
const (
	FieldLabel    = "label"    // uint16, SemanticKITTI raw label id
	FieldRGB      = "rgb"      // float32 holding 0x00RRGGBB, as PCL and rviz2 read it
	FieldInstance = "instance" // uint32, 0 for no instance
)

// encoder builds the labelled cloud, reusing its output layout while the
// input layout stays the same and its buffers always.
type encoder struct {
	in      pointcloud.Layout // the layout out was built for
	out     pointcloud.Layout
	fields  []sensor_msgs.PointField
	offL    int // byte offsets of label, rgb, instance in an output point
	offC    int
	offI    int
	data    []byte
	msg     sensor_msgs.PointCloud2
	sel     []byte
	selMsg  sensor_msgs.PointCloud2
	rangeIm sensor_msgs.Image

	// The frame being written, for write's chunks.
	src     []byte
	raw     []uint16
	rgb     []uint32
	inst    []uint32
	par     parallel.Loop
	writeFn func(lo, hi int)
}

func sameLayout(a, b *pointcloud.Layout) bool {
	return a.Width == b.Width && a.Height == b.Height && a.PointStep == b.PointStep &&
		a.RowStep == b.RowStep && a.BigEndian == b.BigEndian && slices.Equal(a.Fields, b.Fields)
}

// prepare builds the output layout for in (when it changed): in's fields,
// except any named label, rgb or instance, then ours.
func (e *encoder) prepare(in *pointcloud.Layout) error {
	if e.out.PointStep != 0 && sameLayout(&e.in, in) {
		return nil
	}
	// An input field named like one of ours (a coloured cloud's rgb) is
	// replaced: its bytes are still copied but no field names them.
	kept := *in
	kept.Fields = nil
	for _, f := range in.Fields {
		if f.Name != FieldLabel && f.Name != FieldRGB && f.Name != FieldInstance {
			kept.Fields = append(kept.Fields, f)
		}
	}
	out, err := kept.WithFields(
		pointcloud.Field{Name: FieldLabel, Datatype: pointcloud.Uint16, Count: 1},
		pointcloud.Field{Name: FieldRGB, Datatype: pointcloud.Float32, Count: 1},
		pointcloud.Field{Name: FieldInstance, Datatype: pointcloud.Uint32, Count: 1},
	)
	if err != nil {
		e.out.PointStep = 0
		return err
	}
	e.in = pointcloud.Layout{Width: in.Width, Height: in.Height, PointStep: in.PointStep, RowStep: in.RowStep,
		BigEndian: in.BigEndian, Fields: slices.Clone(in.Fields)}
	e.out = out
	e.fields = rosconv.AppendFields(e.fields[:0], out.Fields)
	for _, f := range out.Fields {
		switch f.Name {
		case FieldLabel:
			e.offL = int(f.Offset)
		case FieldRGB:
			e.offC = int(f.Offset)
		case FieldInstance:
			e.offI = int(f.Offset)
		}
	}
	return nil
}

// labelled fills e.msg: every point of src (input layout e.in) with its raw
// label, colour (0xRRGGBB) and instance appended, same header and shape.
func (e *encoder) labelled(src *sensor_msgs.PointCloud2, raw []uint16, rgb []uint32, inst []uint32) *sensor_msgs.PointCloud2 {
	out := &e.out
	n := out.NumPoints()
	e.data = grow(e.data, n*int(out.PointStep))
	e.src, e.raw, e.rgb, e.inst = src.Data, raw, rgb, inst
	if e.writeFn == nil {
		e.writeFn = e.write
	}
	e.par.For(n, 16384, e.writeFn)
	e.src, e.raw, e.rgb, e.inst = nil, nil, nil, nil
	e.msg = sensor_msgs.PointCloud2{Header: src.Header, Height: out.Height, Width: out.Width, Fields: e.fields,
		IsBigendian: out.BigEndian, PointStep: out.PointStep, RowStep: out.RowStep, Data: e.data, IsDense: src.IsDense}
	return &e.msg
}

// write builds output points [lo, hi).
func (e *encoder) write(lo, hi int) {
	step := int(e.out.PointStep)
	w := int(e.in.Width)
	inStep, inRow := int(e.in.PointStep), int(e.in.RowStep)
	row, col := lo/w, lo%w
	big := e.out.BigEndian
	for i := lo; i < hi; i++ {
		d := e.data[i*step : i*step+step]
		s := row*inRow + col*inStep
		copy(d, e.src[s:s+inStep])
		clear(d[inStep:])
		if big {
			binary.BigEndian.PutUint16(d[e.offL:], e.raw[i])
			binary.BigEndian.PutUint32(d[e.offC:], e.rgb[i])
			binary.BigEndian.PutUint32(d[e.offI:], e.inst[i])
		} else {
			binary.LittleEndian.PutUint16(d[e.offL:], e.raw[i])
			binary.LittleEndian.PutUint32(d[e.offC:], e.rgb[i])
			binary.LittleEndian.PutUint32(d[e.offI:], e.inst[i])
		}
		if col++; col == w {
			row, col = row+1, 0
		}
	}
}

// selected fills e.selMsg with the labelled points whose raw label keep
// accepts, as an unorganised cloud (call after labelled).
func (e *encoder) selected(raw []uint16, keep []bool) *sensor_msgs.PointCloud2 {
	step := int(e.out.PointStep)
	e.sel = e.sel[:0]
	n := 0
	for i, l := range raw {
		if int(l) < len(keep) && keep[l] {
			e.sel = append(e.sel, e.data[i*step:i*step+step]...)
			n++
		}
	}
	e.selMsg = sensor_msgs.PointCloud2{Header: e.msg.Header, Height: 1, Width: uint32(n), Fields: e.fields,
		IsBigendian: e.out.BigEndian, PointStep: uint32(step), RowStep: uint32(n * step), Data: e.sel, IsDense: e.msg.IsDense}
	return &e.selMsg
}

// rangeImage fills e.rangeIm: an rgb8 image of the range image, each pixel
// the colour of its point's label, empty pixels black.
func (e *encoder) rangeImage(src *sensor_msgs.PointCloud2, p *lidarseg.Projection, rgb []uint32) *sensor_msgs.Image {
	w, h := p.Width, p.Height
	pix := grow(e.rangeIm.Data, w*h*3)
	for i, j := range p.PixelPoint {
		if j < 0 {
			pix[3*i], pix[3*i+1], pix[3*i+2] = 0, 0, 0
			continue
		}
		c := rgb[j]
		pix[3*i], pix[3*i+1], pix[3*i+2] = uint8(c>>16), uint8(c>>8), uint8(c)
	}
	e.rangeIm = sensor_msgs.Image{Header: src.Header, Height: uint32(h), Width: uint32(w), Encoding: "rgb8",
		Step: uint32(3 * w), Data: pix}
	return &e.rangeIm
}
