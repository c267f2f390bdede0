package onnxbuild

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// DataType is an ONNX TensorProto.DataType (the same numbers as ONNX
// Runtime's ONNXTensorElementDataType).
type DataType int32

// Element types that test models use.
const (
	Float   DataType = 1
	Uint8   DataType = 2
	Int8    DataType = 3
	Uint16  DataType = 4
	Int16   DataType = 5
	Int32   DataType = 6
	Int64   DataType = 7
	Bool    DataType = 9
	Float16 DataType = 10
	Double  DataType = 11
)

// Field numbers from onnx.proto.
const (
	modelIRVersion   = 1
	modelProducer    = 2
	modelGraph       = 7
	modelOpsetImport = 8

	opsetDomain  = 1
	opsetVersion = 2

	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5

	attrName = 1
	attrF    = 2
	attrI    = 3
	attrInts = 8
	attrType = 20

	attrTypeFloat = 1
	attrTypeInt   = 2
	attrTypeInts  = 7

	tensorDims     = 1
	tensorDataType = 2
	tensorName     = 8
	tensorRawData  = 9

	valueInfoName = 1
	valueInfoType = 2

	typeTensor     = 1
	tensorElemType = 1
	tensorShape    = 2
	shapeDim       = 1
	dimValue       = 1
	dimParam       = 2
)

// Attr is a node attribute. Build one with AttrInt, AttrInts or AttrFloat.
type Attr struct {
	name string
	enc  func(*buf)
}

// AttrInt is an INT attribute (Softmax axis, Concat axis, Conv group).
func AttrInt(name string, v int64) Attr {
	return Attr{name, func(b *buf) { b.int(attrI, v); b.int(attrType, attrTypeInt) }}
}

// AttrInts is an INTS attribute (Conv kernel_shape, pads, strides; Transpose perm).
func AttrInts(name string, vs ...int64) Attr {
	return Attr{name, func(b *buf) { b.packedInts(attrInts, vs); b.int(attrType, attrTypeInts) }}
}

// AttrFloat is a FLOAT attribute (LeakyRelu alpha).
func AttrFloat(name string, v float32) Attr {
	return Attr{name, func(b *buf) { b.float(attrF, v); b.int(attrType, attrTypeFloat) }}
}

// Graph is an ONNX graph under construction. Its methods return the graph so
// that calls can be chained.
type Graph struct {
	name                    string
	nodes, inits, ins, outs []buf
}

// NewGraph starts an empty graph with the given name.
func NewGraph(name string) *Graph { return &Graph{name: name} }

// Input declares a graph input. Each dimension is an int, an int64 (a fixed
// size; -1 leaves it unnamed and dynamic) or a string (a symbolic dimension,
// such as "N" for a dynamic batch).
func (g *Graph) Input(name string, t DataType, dims ...any) *Graph {
	g.ins = append(g.ins, valueInfo(name, t, dims))
	return g
}

// Output declares a graph output, with dimensions as in Input.
func (g *Graph) Output(name string, t DataType, dims ...any) *Graph {
	g.outs = append(g.outs, valueInfo(name, t, dims))
	return g
}

// Node appends a node of the default domain. Nodes must be added in
// topological order.
func (g *Graph) Node(op string, inputs, outputs []string, attrs ...Attr) *Graph {
	var n buf
	for _, in := range inputs {
		n.str(nodeInput, in)
	}
	for _, out := range outputs {
		n.str(nodeOutput, out)
	}
	n.str(nodeName, fmt.Sprintf("%s_%d", op, len(g.nodes)))
	n.str(nodeOpType, op)
	for _, a := range attrs {
		var ab buf
		ab.str(attrName, a.name)
		a.enc(&ab)
		n.msg(nodeAttribute, ab)
	}
	g.nodes = append(g.nodes, n)
	return g
}

// Initializer adds a constant tensor. data is a []float32, []int64, []int32,
// []uint8 or []uint16 (float16 bits for Float16) whose length is the product
// of dims; it is stored little-endian in raw_data.
func (g *Graph) Initializer(name string, t DataType, dims []int64, data any) *Graph {
	var raw []byte
	var n int
	switch d := data.(type) {
	case []float32:
		n = len(d)
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	case []int64:
		n = len(d)
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	case []int32:
		n = len(d)
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
		}
	case []uint16:
		n = len(d)
		for _, v := range d {
			raw = binary.LittleEndian.AppendUint16(raw, v)
		}
	case []uint8:
		n = len(d)
		raw = append(raw, d...)
	default:
		panic(fmt.Sprintf("onnxbuild: initializer %q: unsupported data %T", name, data))
	}
	want := int64(1)
	for _, d := range dims {
		want *= d
	}
	if int64(n) != want {
		panic(fmt.Sprintf("onnxbuild: initializer %q: %d values for dims %v", name, n, dims))
	}
	var tb buf
	tb.packedInts(tensorDims, dims)
	tb.int(tensorDataType, int64(t))
	tb.str(tensorName, name)
	tb.bytes(tensorRawData, raw)
	g.inits = append(g.inits, tb)
	return g
}

func valueInfo(name string, t DataType, dims []any) buf {
	var shape buf
	for _, d := range dims {
		var db buf
		switch v := d.(type) {
		case int:
			if v >= 0 {
				db.int(dimValue, int64(v))
			}
		case int64:
			if v >= 0 {
				db.int(dimValue, v)
			}
		case string:
			db.str(dimParam, v)
		default:
			panic(fmt.Sprintf("onnxbuild: value %q: dimension of type %T", name, d))
		}
		shape.msg(shapeDim, db)
	}
	var tt buf
	tt.int(tensorElemType, int64(t))
	tt.msg(tensorShape, shape)
	var typ buf
	typ.msg(typeTensor, tt)
	var vi buf
	vi.str(valueInfoName, name)
	vi.msg(valueInfoType, typ)
	return vi
}

func (g *Graph) encode() buf {
	var b buf
	for _, n := range g.nodes {
		b.msg(graphNode, n)
	}
	b.str(graphName, g.name)
	for _, t := range g.inits {
		b.msg(graphInitializer, t)
	}
	for _, v := range g.ins {
		b.msg(graphInput, v)
	}
	for _, v := range g.outs {
		b.msg(graphOutput, v)
	}
	return b
}

// Model is an ONNX model wrapping one graph.
type Model struct {
	// IRVersion is the ONNX IR version; NewModel sets 8.
	IRVersion int64
	// Opset is the version of the default ("") operator set; NewModel sets 17.
	Opset int64
	// Graph is the model's main graph.
	Graph *Graph
}

// NewModel wraps g with IR version 8 and opset 17.
func NewModel(g *Graph) *Model { return &Model{IRVersion: 8, Opset: 17, Graph: g} }

// Bytes encodes the model as a serialised ModelProto.
func (m *Model) Bytes() []byte {
	var b buf
	b.int(modelIRVersion, m.IRVersion)
	b.str(modelProducer, "gopercept-onnxbuild")
	b.msg(modelGraph, m.Graph.encode())
	var op buf
	op.str(opsetDomain, "")
	op.int(opsetVersion, m.Opset)
	b.msg(modelOpsetImport, op)
	return b
}

// WriteFile writes the encoded model to path with mode 0644.
func (m *Model) WriteFile(path string) error {
	return os.WriteFile(path, m.Bytes(), 0o644)
}
