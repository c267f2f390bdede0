package infer_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
)

// Example builds a tiny model with its card, opens it and runs it on two
// frames, reusing the same input and output slices.
func Example() {
	dir, err := os.MkdirTemp("", "infer-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	model := filepath.Join(dir, "double.onnx")
	g := onnxbuild.NewGraph("double").
		Input("x", onnxbuild.Float, 1, 3).
		Node("Add", []string{"x", "x"}, []string{"y"}).
		Output("y", onnxbuild.Float, 1, 3)
	if err := onnxbuild.NewModel(g).WriteFile(model); err != nil {
		log.Fatal(err)
	}
	card := "name: double\nversion: 1.0.0\ntask: example\nfamily: identity\n" +
		"inputs: [{name: x, shape: [1, 3], type: float32}]\n" +
		"outputs: [{name: y, shape: [1, 3], type: float32}]\n"
	if err := os.WriteFile(infer.CardPathFor(model), []byte(card), 0o644); err != nil {
		log.Fatal(err)
	}

	m, err := infer.Open(infer.Config{
		ModelPath: model,
		Providers: []string{"cuda", "cpu"},
		Logf:      func(string) {}, // the provider line names the library's path here
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	in, out := m.Input("x"), m.Output("y")
	for frame := 1; frame <= 2; frame++ {
		for i := range in {
			in[i] = float32(frame * (i + 1))
		}
		if err := m.Run(); err != nil {
			log.Fatal(err)
		}
		fmt.Println(out)
	}
	// Output:
	// [2 4 6]
	// [4 8 12]
}
