package simdrive

import (
	"os"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func mkdir(p string) error { return os.MkdirAll(p, 0o755) }

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vec(p [3]float64) r3.Vec { return r3.Vec{X: p[0], Y: p[1], Z: p[2]} }
