package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead reads arbitrary .npy bytes, seeded with files this package's
// writer made in every dtype (the layout NumPy writes). An array that
// loads must hold exactly the bytes its shape and dtype call for.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	write := func(dtype string, inner []int, fill func(w *Writer) error) {
		p := filepath.Join(dir, dtype+".npy")
		w, err := Create(p, dtype, inner...)
		if err != nil {
			f.Fatal(err)
		}
		if err := fill(w); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	write("float32", []int{3}, func(w *Writer) error {
		for i := range 4 {
			if err := w.WriteFloat32([]float32{float32(i), -1.5, 1e9}); err != nil {
				return err
			}
		}
		return nil
	})
	write("uint8", nil, func(w *Writer) error { return w.WriteUint8([]uint8{1}) })
	write("uint16", []int{2, 2}, func(w *Writer) error { return w.WriteUint16([]uint16{1, 2, 3, 4}) })
	write("int32", []int{2}, func(w *Writer) error { return w.WriteInt32([]int32{-7, 7}) })
	size := map[string]int{"float32": 4, "uint8": 1, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8, "float64": 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if s, ok := size[a.Dtype]; !ok || len(a.Data) != n*s {
			t.Fatalf("dtype %q shape %v: %d data bytes", a.Dtype, a.Shape, len(a.Data))
		}
	})
}
