package kitti

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSequenceRoundTrip writes a two-scan sequence and reads every file back.
func TestSequenceRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sequences", "08")
	scans := [][][4]float32{
		{{1, 2, 3, 0.5}, {-4.25, 0, 1e-3, 1}},
		{{10, -1, -1.73, 0}},
	}
	labels := [][]uint32{{40 | 7<<16, 10}, {252}}
	for i, s := range scans {
		name := []string{"000000", "000001"}[i]
		if err := WriteScan(filepath.Join(dir, "velodyne", name+".bin"), s); err != nil {
			t.Fatal(err)
		}
		if err := WriteLabels(filepath.Join(dir, "labels", name+".label"), labels[i]); err != nil {
			t.Fatal(err)
		}
	}
	tr := []float64{0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0.27}
	if err := WriteCalib(filepath.Join(dir, "calib.txt"), Calib{"Tr": tr, "P0": make([]float64, 12)}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "times.txt"), []byte("0.000000e+00\n1.037359e-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "08" || len(s.Scans) != 2 || s.Scans[1] != "000001" || s.Time(1) != 1.037359e-01 {
		t.Fatalf("sequence %+v", s)
	}
	got, err := s.Calib.VeloToCam()
	if err != nil || got[11] != 0.27 || got[1] != -1 {
		t.Fatalf("Tr %v, %v", got, err)
	}
	for i := range scans {
		sc, err := ReadScan(s.ScanPath(i))
		if err != nil {
			t.Fatal(err)
		}
		if sc.Len() != len(scans[i]) {
			t.Fatalf("scan %d: %d points, wrote %d", i, sc.Len(), len(scans[i]))
		}
		for j, p := range scans[i] {
			if x, y, z, r := sc.At(j); [4]float32{x, y, z, r} != p {
				t.Errorf("scan %d point %d: %v, wrote %v", i, j, [4]float32{x, y, z, r}, p)
			}
		}
		ls, err := ReadLabels(s.LabelPath(i))
		if err != nil {
			t.Fatal(err)
		}
		for j, l := range labels[i] {
			if ls[j] != l {
				t.Errorf("scan %d label %d: %#x, wrote %#x", i, j, ls[j], l)
			}
		}
	}
	if Semantic(40|7<<16) != 40 || Instance(40|7<<16) != 7 {
		t.Error("semantic and instance halves swapped")
	}
	if p := s.PredictionPath("/out", 1); p != "/out/sequences/08/predictions/000001.label" {
		t.Errorf("prediction path %s", p)
	}
}

// TestMalformed checks that truncated files and bad calibrations are
// errors naming the file.
func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "x.bin")
	os.WriteFile(bad, make([]byte, 17), 0o644)
	if _, err := ReadScan(bad); err == nil {
		t.Error("17-byte scan accepted")
	}
	if _, err := ReadLabels(bad); err == nil {
		t.Error("17-byte label file accepted")
	}
	cal := filepath.Join(dir, "calib.txt")
	os.WriteFile(cal, []byte("Tr: 1 2 x\n"), 0o644)
	if _, err := ReadCalib(cal); err == nil {
		t.Error("non-numeric calib accepted")
	}
	os.WriteFile(cal, []byte("Tr: 1 2 3\n"), 0o644)
	c, err := ReadCalib(cal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VeloToCam(); err == nil {
		t.Error("3-number Tr accepted")
	}
	if _, err := Open(dir); err == nil {
		t.Error("sequence without velodyne/ accepted")
	}
}
