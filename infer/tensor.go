package infer

import (
	"fmt"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// Element is a Go element type that a tensor's backing slice can have. A
// float16 or bfloat16 tensor is backed by []uint16 holding the raw bits; a
// bool tensor by []bool.
type Element interface {
	~float32 | ~float64 | ~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~bool
}

// tensor is one input or output with its backing slice, allocated for the
// model's batch capacity and viewed by ONNX Runtime values for each batch
// size in use.
type tensor struct {
	name    string
	typ     ElemType
	dims    []int64 // resolved shape; dims[0] is replaced by the batch when batched
	batched bool    // dims[0] is the dynamic batch dimension
	perItem int64   // elements per batch item (product of dims[1:] when batched, else of all dims)
	data    any     // []float32, []int64, ... (see Element), len = capacity*perItem or perItem
}

// shape returns the tensor's shape for batch size n.
func (t *tensor) shape(n int) ort.Shape {
	s := make(ort.Shape, len(t.dims))
	copy(s, t.dims)
	if t.batched {
		s[0] = int64(n)
	}
	return s
}

// count returns the number of elements for batch size n.
func (t *tensor) count(n int) int64 {
	if t.batched {
		return int64(n) * t.perItem
	}
	return t.perItem
}

// alloc (re)allocates the backing slice for batch capacity n.
func (t *tensor) alloc(n int) error {
	c := t.count(n)
	switch t.typ {
	case Float32:
		t.data = make([]float32, c)
	case Float64:
		t.data = make([]float64, c)
	case Int8:
		t.data = make([]int8, c)
	case Uint8:
		t.data = make([]uint8, c)
	case Int16:
		t.data = make([]int16, c)
	case Uint16, Float16, BFloat16:
		t.data = make([]uint16, c)
	case Int32:
		t.data = make([]int32, c)
	case Uint32:
		t.data = make([]uint32, c)
	case Int64:
		t.data = make([]int64, c)
	case Uint64:
		t.data = make([]uint64, c)
	case Bool:
		t.data = make([]bool, c)
	default:
		return fmt.Errorf("tensor %q: element type %s is not supported", t.name, t.typ)
	}
	return nil
}

// value creates an ONNX Runtime value viewing the backing slice for batch n.
func (t *tensor) value(n int) (ort.Value, error) {
	s, c := t.shape(n), t.count(n)
	switch d := t.data.(type) {
	case []float32:
		return ort.NewTensor(s, d[:c])
	case []float64:
		return ort.NewTensor(s, d[:c])
	case []int8:
		return ort.NewTensor(s, d[:c])
	case []uint8:
		return ort.NewTensor(s, d[:c])
	case []int16:
		return ort.NewTensor(s, d[:c])
	case []uint16:
		if t.typ == Uint16 {
			return ort.NewTensor(s, d[:c])
		}
		et := ort.TensorElementDataType(ort.TensorElementDataTypeFloat16)
		if t.typ == BFloat16 {
			et = ort.TensorElementDataTypeBFloat16
		}
		if c == 0 {
			return nil, fmt.Errorf("tensor %q: empty %s tensor", t.name, t.typ)
		}
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), 2*c)
		return ort.NewCustomDataTensor(s, raw, et)
	case []int32:
		return ort.NewTensor(s, d[:c])
	case []uint32:
		return ort.NewTensor(s, d[:c])
	case []int64:
		return ort.NewTensor(s, d[:c])
	case []uint64:
		return ort.NewTensor(s, d[:c])
	case []bool:
		return ort.NewTensor(s, d[:c])
	}
	return nil, fmt.Errorf("tensor %q: no backing slice", t.name)
}

// slice returns the backing slice as []T, cut to batch n, or nil when the
// element type is not T.
func slice[T Element](t *tensor, n int) []T {
	if t == nil {
		return nil
	}
	d, ok := t.data.([]T)
	if !ok {
		return nil
	}
	return d[:t.count(n)]
}

func destroyValues(vs []ort.Value) {
	for _, v := range vs {
		if v != nil {
			_ = v.Destroy()
		}
	}
}
