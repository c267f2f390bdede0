// Package npy writes and reads NumPy .npy files (format version 1.0,
// C order, little endian), the training-set format that tools/train reads
// with numpy.load.
package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Element types and their NumPy descriptors.
var descr = map[string]string{"float32": "<f4", "uint8": "|u1", "uint16": "<u2", "int32": "<i4", "uint32": "<u4", "int64": "<i8", "float64": "<f8"}

var magic = []byte("\x93NUMPY\x01\x00")

// Header returns the .npy header for an array of dtype with shape.
func Header(dtype string, shape []int) ([]byte, error) {
	d, ok := descr[dtype]
	if !ok {
		return nil, fmt.Errorf("npy: unsupported dtype %q", dtype)
	}
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.Itoa(s)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", d, sh)
	total := len(magic) + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	h := append([]byte{}, magic...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)))
	return append(h, dict...), nil
}

// Writer streams an array to a file whose first dimension grows as rows are
// appended; Close rewrites the header with the final row count. The header
// is padded so the rewrite always fits.
type Writer struct {
	f     *os.File
	w     *bufio.Writer
	dtype string
	inner []int // shape after the first dimension
	rows  int
	hlen  int
	buf   []byte
}

// Create starts an array of dtype whose rows have shape inner.
func Create(path, dtype string, inner ...int) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	// Reserve room for a row count of up to 12 digits.
	h, err := Header(dtype, append([]int{999_999_999_999}, inner...))
	if err != nil {
		f.Close()
		return nil, err
	}
	w := &Writer{f: f, w: bufio.NewWriterSize(f, 1<<20), dtype: dtype, inner: inner, hlen: len(h)}
	_, err = w.w.Write(h)
	return w, err
}

func (w *Writer) rowLen() int {
	n := 1
	for _, s := range w.inner {
		n *= s
	}
	return n
}

// WriteFloat32 appends one row of float32 values.
func (w *Writer) WriteFloat32(row []float32) error {
	if w.dtype != "float32" || len(row) != w.rowLen() {
		return fmt.Errorf("npy: row of %d float32 for a %s array with rows of %d", len(row), w.dtype, w.rowLen())
	}
	w.buf = w.buf[:0]
	for _, v := range row {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(v))
	}
	w.rows++
	_, err := w.w.Write(w.buf)
	return err
}

// WriteUint8 appends one row of bytes.
func (w *Writer) WriteUint8(row []uint8) error {
	if w.dtype != "uint8" || len(row) != w.rowLen() {
		return fmt.Errorf("npy: row of %d uint8 for a %s array with rows of %d", len(row), w.dtype, w.rowLen())
	}
	w.rows++
	_, err := w.w.Write(row)
	return err
}

// WriteUint16 appends one row of uint16 values.
func (w *Writer) WriteUint16(row []uint16) error {
	if w.dtype != "uint16" || len(row) != w.rowLen() {
		return fmt.Errorf("npy: row of %d uint16 for a %s array with rows of %d", len(row), w.dtype, w.rowLen())
	}
	w.buf = w.buf[:0]
	for _, v := range row {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, v)
	}
	w.rows++
	_, err := w.w.Write(w.buf)
	return err
}

// WriteInt32 appends one row of int32 values.
func (w *Writer) WriteInt32(row []int32) error {
	if w.dtype != "int32" || len(row) != w.rowLen() {
		return fmt.Errorf("npy: row of %d int32 for a %s array with rows of %d", len(row), w.dtype, w.rowLen())
	}
	w.buf = w.buf[:0]
	for _, v := range row {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(v))
	}
	w.rows++
	_, err := w.w.Write(w.buf)
	return err
}

// Close writes the final header and closes the file.
func (w *Writer) Close() error {
	if err := w.w.Flush(); err != nil {
		w.f.Close()
		return err
	}
	h, err := Header(w.dtype, append([]int{w.rows}, w.inner...))
	if err != nil {
		w.f.Close()
		return err
	}
	// Pad the shorter header to the reserved length with spaces.
	body := h[len(magic)+2 : len(h)-1]
	fixed := append([]byte{}, magic...)
	fixed = binary.LittleEndian.AppendUint16(fixed, uint16(w.hlen-len(magic)-2))
	fixed = append(fixed, body...)
	fixed = append(fixed, []byte(strings.Repeat(" ", w.hlen-len(fixed)-1))...)
	fixed = append(fixed, '\n')
	if _, err := w.f.WriteAt(fixed, 0); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

var shapeRe = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
var descrRe = regexp.MustCompile(`'descr':\s*'([^']*)'`)

// Array is a loaded array.
type Array struct {
	Dtype string
	Shape []int
	Data  []byte // raw little-endian element bytes
}

// Read loads a .npy file written by this package or by NumPy (C order,
// little endian).
func Read(r io.Reader) (*Array, error) {
	head := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("npy: header: %w", err)
	}
	if string(head[:6]) != string(magic[:6]) {
		return nil, errors.New("npy: not an .npy file")
	}
	hl := int(binary.LittleEndian.Uint16(head[8:]))
	dict := make([]byte, hl)
	if _, err := io.ReadFull(r, dict); err != nil {
		return nil, fmt.Errorf("npy: header: %w", err)
	}
	a := &Array{}
	m := descrRe.FindSubmatch(dict)
	if m == nil {
		return nil, errors.New("npy: header has no descr")
	}
	for k, v := range descr {
		if v == string(m[1]) {
			a.Dtype = k
		}
	}
	if a.Dtype == "" {
		return nil, fmt.Errorf("npy: unsupported descr %s", m[1])
	}
	if strings.Contains(string(dict), "'fortran_order': True") {
		return nil, errors.New("npy: fortran order is not supported")
	}
	sm := shapeRe.FindSubmatch(dict)
	if sm == nil {
		return nil, errors.New("npy: header has no shape")
	}
	n := 1
	for _, p := range strings.Split(string(sm[1]), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("npy: bad shape %q", sm[1])
		}
		a.Shape = append(a.Shape, v)
		n *= v
	}
	size := map[string]int{"float32": 4, "uint8": 1, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8, "float64": 8}[a.Dtype]
	data, err := io.ReadAll(io.LimitReader(r, int64(n*size)+1))
	if err != nil {
		return nil, err
	}
	if len(data) != n*size {
		return nil, fmt.Errorf("npy: %d data bytes, shape needs %d", len(data), n*size)
	}
	a.Data = data
	return a, nil
}

// ReadFile loads the .npy file at path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return a, nil
}

// Float32s returns a float32 array's values.
func (a *Array) Float32s() ([]float32, error) {
	if a.Dtype != "float32" {
		return nil, fmt.Errorf("npy: dtype %s, want float32", a.Dtype)
	}
	out := make([]float32, len(a.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
	}
	return out, nil
}
