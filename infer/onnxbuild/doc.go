// Package onnxbuild writes small ONNX models without Python, for tests.
//
// It encodes the ONNX protobuf messages (ModelProto, GraphProto, NodeProto,
// TensorProto, ValueInfoProto, AttributeProto) by hand, with only the fields
// a test model needs. A model built here has ir_version 8 and imports the
// default operator set at version 17 unless told otherwise.
//
//	g := onnxbuild.NewGraph("scale")
//	g.Input("x", onnxbuild.Float, "N", 3)
//	g.Initializer("w", onnxbuild.Float, []int64{3}, []float32{1, 2, 3})
//	g.Node("Mul", []string{"x", "w"}, []string{"y"})
//	g.Output("y", onnxbuild.Float, "N", 3)
//	data := onnxbuild.NewModel(g).Bytes()
//
// The builder checks nothing that ONNX Runtime checks itself: a graph that is
// wrong is reported when it is loaded. Misuse of the builder (a dimension of
// an unsupported Go type, initializer data that does not fit its shape)
// panics, as it is a bug in the calling test.
package onnxbuild
