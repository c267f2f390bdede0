package npy

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	w, err := Create(p, "float32", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 4; r++ {
		row := []float32{float32(r), 1, 2, 3, 4, 5.5}
		if err := w.WriteFloat32(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteFloat32([]float32{1}); err == nil {
		t.Fatal("short row accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if a.Dtype != "float32" || len(a.Shape) != 3 || a.Shape[0] != 4 || a.Shape[1] != 2 || a.Shape[2] != 3 {
		t.Fatalf("read %s %v", a.Dtype, a.Shape)
	}
	if v := math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*6*3:])); v != 3 {
		t.Fatalf("row 3 starts with %v", v)
	}
	raw, _ := os.ReadFile(p)
	if hl := int(binary.LittleEndian.Uint16(raw[8:])) + 10; hl%64 != 0 {
		t.Fatalf("header length %d not a multiple of 64", hl)
	}
	// NumPy itself reads it, where Debian's numpy is installed.
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		out, err := exec.Command("/usr/bin/python3", "-c", "import numpy,sys; a=numpy.load(sys.argv[1]); print(a.shape, a.dtype, a[3,1,2])", p).CombinedOutput()
		switch {
		case err != nil && strings.Contains(string(out), "No module named 'numpy'"):
			t.Log("numpy is not installed for /usr/bin/python3: cross-check with NumPy skipped")
		case err != nil || !strings.Contains(string(out), "(4, 2, 3) float32 5.5"):
			t.Fatalf("numpy read: %v %s", err, out)
		}
	}
}
