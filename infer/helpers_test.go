package infer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
)

// needORT fails the test when ONNX Runtime cannot be loaded: the tests run
// on the real library, never skip it.
func needORT(tb testing.TB) {
	tb.Helper()
	if err := infer.Init(); err != nil {
		tb.Fatalf("ONNX Runtime is not available: %v\n"+
			"run scripts/fetch-ort.sh (make ort) before go test, or set %s", err, infer.EnvLibrary)
	}
}

// writeModel writes g as <dir>/<stem>.onnx and card as <dir>/<stem>.card.yaml
// (no card when card is "") and returns the model path.
func writeModel(tb testing.TB, dir, stem string, g *onnxbuild.Graph, card string) string {
	tb.Helper()
	p := filepath.Join(dir, stem+".onnx")
	if err := onnxbuild.NewModel(g).WriteFile(p); err != nil {
		tb.Fatal(err)
	}
	if card != "" {
		if err := os.WriteFile(infer.CardPathFor(p), []byte(card), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

// affineGraph is y = x*w + b with x, y [1,4] float32.
func affineGraph() *onnxbuild.Graph {
	return onnxbuild.NewGraph("affine").
		Input("x", onnxbuild.Float, 1, 4).
		Initializer("w", onnxbuild.Float, []int64{4}, []float32{1, 2, 3, 4}).
		Initializer("b", onnxbuild.Float, []int64{4}, []float32{0.5, 0.5, 0.5, -1}).
		Node("Mul", []string{"x", "w"}, []string{"xw"}).
		Node("Add", []string{"xw", "b"}, []string{"y"}).
		Output("y", onnxbuild.Float, 1, 4)
}

const affineCard = `name: affine
version: 0.1.0
task: test
family: affine
inputs:
  - {name: x, shape: [1, 4], type: float32}
outputs:
  - {name: y, shape: [1, 4], type: float32}
`

// batchGraph is y = x*w with x, y [N,3] float32 and w = [1, 10, 100].
func batchGraph() *onnxbuild.Graph {
	return onnxbuild.NewGraph("batch").
		Input("x", onnxbuild.Float, "N", 3).
		Initializer("w", onnxbuild.Float, []int64{3}, []float32{1, 10, 100}).
		Node("Mul", []string{"x", "w"}, []string{"y"}).
		Output("y", onnxbuild.Float, "N", 3)
}

const batchCard = `name: batch
version: 0.1.0
task: test
family: scale
inputs:
  - {name: x, shape: [N, 3], type: float32}
outputs:
  - {name: y, shape: [N, 3], type: float32}
`

// openAffine opens the affine model in a temporary directory.
func openAffine(tb testing.TB, cfg infer.Config) *infer.Model {
	tb.Helper()
	needORT(tb)
	cfg.ModelPath = writeModel(tb, tb.TempDir(), "affine", affineGraph(), affineCard)
	if cfg.Logf == nil {
		cfg.Logf = func(string) {}
	}
	m, err := infer.Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}
