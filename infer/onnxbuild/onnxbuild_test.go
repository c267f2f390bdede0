package onnxbuild

import (
	"bytes"
	"testing"
)

func TestVarint(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{1}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{300, []byte{0xac, 0x02}},
		{1<<64 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	} {
		var b buf
		b.varint(tc.v)
		if !bytes.Equal(b, tc.want) {
			t.Errorf("varint(%d) = % x, want % x", tc.v, []byte(b), tc.want)
		}
	}
}

func TestFields(t *testing.T) {
	var b buf
	b.int(1, 8)    // ir_version 8
	b.str(2, "ab") // a string
	b.float(2, 1)  // 1.0f
	b.packedInts(1, []int64{1, 300})
	want := []byte{
		0x08, 0x08,
		0x12, 0x02, 'a', 'b',
		0x15, 0x00, 0x00, 0x80, 0x3f,
		0x0a, 0x03, 0x01, 0xac, 0x02,
	}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x\nwant % x", []byte(b), want)
	}
}

func TestModelHeader(t *testing.T) {
	g := NewGraph("g").Input("x", Float, 1).Node("Identity", []string{"x"}, []string{"y"}).Output("y", Float, 1)
	data := NewModel(g).Bytes()
	if !bytes.HasPrefix(data, []byte{0x08, 0x08}) {
		t.Errorf("model does not start with ir_version 8: % x", data[:4])
	}
	// opset_import {domain "", version 17} is the last field.
	if !bytes.HasSuffix(data, []byte{0x42, 0x04, 0x0a, 0x00, 0x10, 0x11}) {
		t.Errorf("model does not end with opset_import 17: % x", data[len(data)-6:])
	}
}

func TestMisusePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"dim type":    func() { NewGraph("g").Input("x", Float, 1.5) },
		"init length": func() { NewGraph("g").Initializer("w", Float, []int64{2}, []float32{1}) },
		"init type":   func() { NewGraph("g").Initializer("w", Float, []int64{1}, []float64{1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
