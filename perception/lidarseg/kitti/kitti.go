// Package kitti reads and writes SemanticKITTI sequences: velodyne/*.bin
// scans (float32 x, y, z, remission per point, little endian),
// labels/*.label (uint32 per point: semantic id in the lower 16 bits,
// instance id in the upper 16), calib.txt and times.txt, and predictions in
// the layout semantic-kitti-api's evaluate_semantics.py reads:
// <root>/sequences/<NN>/predictions/<scan>.label.
package kitti

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// PointSize is the bytes of one scan point: four little-endian float32.
const PointSize = 16

// Scan is one velodyne .bin file's bytes: PointSize bytes per point, x, y,
// z in metres and remission in 0..1, little endian — the layout of a
// PointCloud2 with fields x, y, z, intensity at offsets 0, 4, 8, 12.
type Scan []byte

// Len returns the number of points.
func (s Scan) Len() int { return len(s) / PointSize }

// At returns point i.
func (s Scan) At(i int) (x, y, z, remission float32) {
	p := s[i*PointSize:]
	f := func(o int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p[o:])) }
	return f(0), f(4), f(8), f(12)
}

// ReadScan reads a velodyne .bin file.
func ReadScan(path string) (Scan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kitti: scan: %w", err)
	}
	if len(b)%PointSize != 0 {
		return nil, fmt.Errorf("kitti: scan %s: %d bytes, not a multiple of %d (x, y, z, remission float32)", path, len(b), PointSize)
	}
	return Scan(b), nil
}

// WriteScan writes points (x, y, z, remission) as a velodyne .bin file,
// creating its directory.
func WriteScan(path string, pts [][4]float32) error {
	b := make([]byte, 0, len(pts)*PointSize)
	for _, p := range pts {
		for _, v := range p {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return writeFile(path, b)
}

// Semantic returns the semantic id of a .label value (its lower 16 bits).
func Semantic(l uint32) uint16 { return uint16(l) }

// Instance returns the instance id of a .label value (its upper 16 bits).
func Instance(l uint32) uint16 { return uint16(l >> 16) }

// ReadLabels reads a .label file.
func ReadLabels(path string) ([]uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kitti: labels: %w", err)
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("kitti: labels %s: %d bytes, not a multiple of 4 (uint32 per point)", path, len(b))
	}
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out, nil
}

// WriteLabels writes a .label file, creating its directory.
func WriteLabels(path string, labels []uint32) error {
	b := make([]byte, 0, 4*len(labels))
	for _, l := range labels {
		b = binary.LittleEndian.AppendUint32(b, l)
	}
	return writeFile(path, b)
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("kitti: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("kitti: %w", err)
	}
	return nil
}

// Calib is a calib.txt: each line's key (P0..P3, Tr) and its numbers.
type Calib map[string][]float64

// ReadCalib reads a calib.txt ("KEY: v1 v2 ..." per line).
func ReadCalib(path string) (Calib, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kitti: calib: %w", err)
	}
	defer f.Close()
	c := Calib{}
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		key, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("kitti: calib %s:%d: no \"KEY:\" in %q", path, ln, line)
		}
		var vs []float64
		for _, w := range strings.Fields(rest) {
			v, err := strconv.ParseFloat(w, 64)
			if err != nil {
				return nil, fmt.Errorf("kitti: calib %s:%d: %s: %w", path, ln, key, err)
			}
			vs = append(vs, v)
		}
		c[strings.TrimSpace(key)] = vs
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kitti: calib %s: %w", path, err)
	}
	return c, nil
}

// VeloToCam returns Tr, the 3×4 row-major transform from the velodyne to
// the left camera frame.
func (c Calib) VeloToCam() ([12]float64, error) {
	var out [12]float64
	tr, ok := c["Tr"]
	if !ok {
		return out, errors.New("kitti: calib has no Tr")
	}
	if len(tr) != 12 {
		return out, fmt.Errorf("kitti: calib Tr has %d numbers, want 12", len(tr))
	}
	copy(out[:], tr)
	return out, nil
}

// WriteCalib writes c as a calib.txt, keys in sorted order.
func WriteCalib(path string, c Calib) error {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ":")
		for _, v := range c[k] {
			b.WriteString(" " + strconv.FormatFloat(v, 'e', 12, 64))
		}
		b.WriteByte('\n')
	}
	return writeFile(path, []byte(b.String()))
}

// Sequence is one sequences/NN directory.
type Sequence struct {
	Dir   string    // the sequence directory
	Name  string    // its base name, e.g. "08"
	Scans []string  // scan names without extension ("000000"), sorted
	Calib Calib     // calib.txt; nil when the directory has none
	Times []float64 // times.txt, seconds per scan; nil when absent
}

// Open lists a sequence's velodyne scans and reads its calib.txt and
// times.txt when present.
func Open(dir string) (*Sequence, error) {
	s := &Sequence{Dir: dir, Name: filepath.Base(filepath.Clean(dir))}
	ents, err := os.ReadDir(filepath.Join(dir, "velodyne"))
	if err != nil {
		return nil, fmt.Errorf("kitti: sequence %s: %w", dir, err)
	}
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".bin") {
			s.Scans = append(s.Scans, strings.TrimSuffix(n, ".bin"))
		}
	}
	if len(s.Scans) == 0 {
		return nil, fmt.Errorf("kitti: sequence %s: no velodyne/*.bin scans", dir)
	}
	sort.Strings(s.Scans)
	if c, err := ReadCalib(filepath.Join(dir, "calib.txt")); err == nil {
		s.Calib = c
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if s.Times, err = readTimes(filepath.Join(dir, "times.txt")); err != nil {
		return nil, err
	}
	if s.Times != nil && len(s.Times) < len(s.Scans) {
		return nil, fmt.Errorf("kitti: sequence %s: times.txt has %d lines for %d scans", dir, len(s.Times), len(s.Scans))
	}
	return s, nil
}

func readTimes(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kitti: times: %w", err)
	}
	var out []float64
	for i, w := range strings.Fields(string(b)) {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, fmt.Errorf("kitti: times %s: line %d: %w", path, i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ScanPath returns the path of scan i's velodyne file.
func (s *Sequence) ScanPath(i int) string {
	return filepath.Join(s.Dir, "velodyne", s.Scans[i]+".bin")
}

// LabelPath returns the path of scan i's label file (it may not exist: the
// test split has none).
func (s *Sequence) LabelPath(i int) string {
	return filepath.Join(s.Dir, "labels", s.Scans[i]+".label")
}

// Time returns scan i's time in seconds: times.txt's, else 0.1 s per scan
// (the HDL-64E's 10 Hz).
func (s *Sequence) Time(i int) float64 {
	if s.Times != nil {
		return s.Times[i]
	}
	return float64(i) / 10
}

// PredictionPath returns where semantic-kitti-api's evaluate_semantics.py
// looks for the prediction of scan i under root (its --predictions):
// root/sequences/NN/predictions/<scan>.label.
func (s *Sequence) PredictionPath(root string, i int) string {
	return filepath.Join(root, "sequences", s.Name, "predictions", s.Scans[i]+".label")
}
