package infer_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/configerr"
)

func TestLibraryFetched(t *testing.T) {
	p, err := infer.LibraryPath()
	if err != nil {
		t.Fatalf("%v\nrun scripts/fetch-ort.sh (make ort) before go test", err)
	}
	needORT(t)
	t.Logf("ONNX Runtime %s from %s", infer.RuntimeVersion(), p)
}

func TestLibraryPathErrors(t *testing.T) {
	t.Run("env missing", func(t *testing.T) {
		t.Setenv(infer.EnvLibrary, filepath.Join(t.TempDir(), "nope.so"))
		_, err := infer.LibraryPath()
		if !errors.Is(err, infer.ErrLibraryMissing) {
			t.Fatalf("got %v, want ErrLibraryMissing", err)
		}
	})
	t.Run("cache missing", func(t *testing.T) {
		t.Setenv(infer.EnvLibrary, "")
		t.Setenv(infer.EnvRoot, t.TempDir())
		_, err := infer.LibraryPath()
		if !errors.Is(err, infer.ErrLibraryMissing) || !strings.Contains(err.Error(), "fetch-ort.sh") {
			t.Fatalf("got %v, want ErrLibraryMissing telling to run fetch-ort.sh", err)
		}
	})
	t.Run("checksum", func(t *testing.T) {
		root := t.TempDir()
		t.Setenv(infer.EnvLibrary, "")
		t.Setenv(infer.EnvRoot, root)
		p := infer.CachedLibrary(root)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not a library"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := infer.LibraryPath()
		if !errors.Is(err, infer.ErrLibraryChecksum) {
			t.Fatalf("got %v, want ErrLibraryChecksum", err)
		}
	})
	t.Run("env set", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "libonnxruntime.so")
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(infer.EnvLibrary, p)
		got, err := infer.LibraryPath()
		if err != nil || got != p {
			t.Fatalf("got %q, %v; want %q", got, err, p)
		}
	})
}

func TestRunAffine(t *testing.T) {
	var lines []string
	m := openAffine(t, infer.Config{Logf: func(s string) { lines = append(lines, s) }})
	if len(lines) != 1 || lines[0] != "infer: affine runs on CPUExecutionProvider (fp32)" {
		t.Errorf("log lines %q", lines)
	}
	if m.Provider() != "CPUExecutionProvider" || m.Precision() != "fp32" {
		t.Errorf("provider %q precision %q", m.Provider(), m.Precision())
	}
	in, out := m.Input("x"), m.Output("y")
	if len(in) != 4 || len(out) != 4 {
		t.Fatalf("len(in) %d len(out) %d, want 4", len(in), len(out))
	}
	w, b := []float32{1, 2, 3, 4}, []float32{0.5, 0.5, 0.5, -1}
	for frame := 0; frame < 3; frame++ {
		for i := range in {
			in[i] = float32(frame*10 + i)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		for i := range out {
			want := in[i]*w[i] + b[i]
			if math.Abs(float64(out[i]-want)) > 1e-6 {
				t.Errorf("frame %d: y[%d] = %v, want %v", frame, i, out[i], want)
			}
		}
		if &m.Input("x")[0] != &in[0] || &m.Output("y")[0] != &out[0] {
			t.Fatalf("frame %d: backing slices changed", frame)
		}
	}
	if got := m.InputShape("x"); len(got) != 2 || got[0] != 1 || got[1] != 4 {
		t.Errorf("InputShape %v", got)
	}
	if m.Input("nope") != nil || infer.InputOf[int64](m, "x") != nil {
		t.Error("Input of an unknown name or wrong type is not nil")
	}
	if err := m.SetBatch(2); !errors.Is(err, infer.ErrBatch) {
		t.Errorf("SetBatch(2) on a fixed model: %v, want ErrBatch", err)
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	m := openAffine(t, infer.Config{})
	if err := m.Run(); err != nil { // warm-up
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Run allocates %v times, want 0", allocs)
	}
}

// convRef is a brute-force 2-D convolution (one image, no padding, stride 1).
func convRef(x []float32, c, h, w int, k []float32, oc, kh, kw int, bias []float32) []float32 {
	oh, ow := h-kh+1, w-kw+1
	y := make([]float32, oc*oh*ow)
	for o := 0; o < oc; o++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				s := bias[o]
				for ci := 0; ci < c; ci++ {
					for a := 0; a < kh; a++ {
						for b := 0; b < kw; b++ {
							s += x[(ci*h+i+a)*w+j+b] * k[((o*c+ci)*kh+a)*kw+b]
						}
					}
				}
				y[(o*oh+i)*ow+j] = s
			}
		}
	}
	return y
}

func convSoftmaxGraph(c, h, w, oc int, k, bias []float32) *onnxbuild.Graph {
	return onnxbuild.NewGraph("conv").
		Input("img", onnxbuild.Float, 1, c, h, w).
		Initializer("k", onnxbuild.Float, []int64{int64(oc), int64(c), 3, 3}, k).
		Initializer("bias", onnxbuild.Float, []int64{int64(oc)}, bias).
		Node("Conv", []string{"img", "k", "bias"}, []string{"feat"}, onnxbuild.AttrInts("kernel_shape", 3, 3)).
		Node("Softmax", []string{"feat"}, []string{"prob"}, onnxbuild.AttrInt("axis", 1)).
		Output("feat", onnxbuild.Float, 1, oc, h-2, w-2).
		Output("prob", onnxbuild.Float, 1, oc, h-2, w-2)
}

func convCard(c, h, w, oc int) string {
	return fmt.Sprintf(`name: conv
version: 1.0.0
task: segmentation
family: rangenet
inputs:
  - {name: img, shape: [1, %d, %d, %d], type: float32}
outputs:
  - {name: feat, shape: [1, %d, %d, %d], type: float32}
  - {name: prob, shape: [1, %[4]d, %[5]d, %[6]d], type: float32}
`, c, h, w, oc, h-2, w-2)
}

// lcg is a fixed-seed generator for test data.
type lcg uint64

func (g *lcg) float() float32 {
	*g = *g*6364136223846793005 + 1442695040888963407
	return float32(uint32(*g>>33))/float32(1<<31) - 0.5
}

func TestConvSoftmaxAgainstBruteForce(t *testing.T) {
	needORT(t)
	const c, h, w, oc = 3, 6, 7, 4
	g := lcg(1)
	k := make([]float32, oc*c*9)
	for i := range k {
		k[i] = g.float()
	}
	bias := []float32{0.1, -0.2, 0.3, 0}
	p := writeModel(t, t.TempDir(), "conv", convSoftmaxGraph(c, h, w, oc, k, bias), convCard(c, h, w, oc))
	m, err := infer.Open(infer.Config{ModelPath: p, Logf: func(string) {}, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x := m.Input("img")
	for i := range x {
		x[i] = g.float()
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	want := convRef(x, c, h, w, k, oc, 3, 3, bias)
	feat, prob := m.Output("feat"), m.Output("prob")
	for i := range want {
		if math.Abs(float64(feat[i]-want[i])) > 1e-5 {
			t.Fatalf("feat[%d] = %v, want %v", i, feat[i], want[i])
		}
	}
	plane := (h - 2) * (w - 2)
	for p := 0; p < plane; p++ {
		var sum float64
		for o := 0; o < oc; o++ {
			sum += math.Exp(float64(want[o*plane+p]))
		}
		for o := 0; o < oc; o++ {
			wantP := math.Exp(float64(want[o*plane+p])) / sum
			if math.Abs(float64(prob[o*plane+p])-wantP) > 1e-5 {
				t.Fatalf("prob[%d,%d] = %v, want %v", o, p, prob[o*plane+p], wantP)
			}
		}
	}
}

func TestDynamicBatch(t *testing.T) {
	needORT(t)
	p := writeModel(t, t.TempDir(), "batch", batchGraph(), batchCard)
	m, err := infer.Open(infer.Config{ModelPath: p, Batch: 2, MaxBatch: 8, Logf: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.DynamicBatch() || m.Batch() != 2 || m.Capacity() != 2 {
		t.Fatalf("dynamic %v batch %d capacity %d", m.DynamicBatch(), m.Batch(), m.Capacity())
	}
	frame := 0
	check := func(n int) {
		t.Helper()
		x := m.Input("x")
		if len(x) != 3*n {
			t.Fatalf("batch %d: len(x) = %d", n, len(x))
		}
		frame++
		for i := range x {
			x[i] = float32(i + frame)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		y := m.Output("y")
		if len(y) != 3*n {
			t.Fatalf("batch %d: len(y) = %d", n, len(y))
		}
		if s := m.OutputShape("y"); s[0] != int64(n) || s[1] != 3 {
			t.Fatalf("batch %d: output shape %v", n, s)
		}
		for i := range y {
			want := x[i] * []float32{1, 10, 100}[i%3]
			if y[i] != want {
				t.Fatalf("batch %d: y[%d] = %v, want %v", n, i, y[i], want)
			}
		}
	}
	check(2)
	check(2)
	base := &m.Input("x")[0]
	if err := m.SetBatch(1); err != nil {
		t.Fatal(err)
	}
	check(1)
	if &m.Input("x")[0] != base || m.Capacity() != 2 {
		t.Error("shrinking the batch reallocated")
	}
	if err := m.SetBatch(5); err != nil {
		t.Fatal(err)
	}
	if m.Capacity() != 5 {
		t.Errorf("capacity %d after SetBatch(5)", m.Capacity())
	}
	check(5)
	grown := &m.Input("x")[0]
	if err := m.RunBatch(3); err != nil {
		t.Fatal(err)
	}
	check(3)
	check(3)
	if &m.Input("x")[0] != grown {
		t.Error("batch 3 within capacity 5 reallocated")
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && m.Provider() == "CPUExecutionProvider" {
		t.Errorf("Run with a dynamic batch allocates %v times", allocs)
	}
	for _, n := range []int{0, -1, 9} {
		if err := m.SetBatch(n); !errors.Is(err, infer.ErrBatch) {
			t.Errorf("SetBatch(%d): %v, want ErrBatch", n, err)
		}
	}
	// Alternating between sizes already used does not allocate.
	allocs = testing.AllocsPerRun(20, func() {
		_ = m.SetBatch(2)
		_ = m.SetBatch(4)
	})
	if allocs != 0 {
		t.Errorf("SetBatch between used sizes allocates %v times", allocs)
	}
}

func TestSymbolicDims(t *testing.T) {
	needORT(t)
	g := onnxbuild.NewGraph("relu").
		Input("x", onnxbuild.Float, 1, "W").
		Node("Relu", []string{"x"}, []string{"y"}).
		Output("y", onnxbuild.Float, 1, "W")
	card := `name: relu
version: "1"
task: test
family: relu
inputs: [{name: x, shape: [1, W], type: float32}]
outputs: [{name: y, shape: [1, W], type: float}]
`
	p := writeModel(t, t.TempDir(), "relu", g, card)
	_, err := infer.Open(infer.Config{ModelPath: p, Logf: func(string) {}})
	var ce *configerr.Error
	if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) || ce.Param != "infer.Config.Dims" || !strings.Contains(ce.Reason, `input "x" dimension 1 (W)`) {
		t.Fatalf("without Dims: %v", err)
	}
	m, err := infer.Open(infer.Config{ModelPath: p, Dims: map[string]int64{"W": 5}, Logf: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	copy(m.Input("x"), []float32{-1, 2, -3, 4, -5})
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if got := m.Output("y"); len(got) != 5 || got[1] != 2 || got[2] != 0 || got[3] != 4 {
		t.Errorf("y = %v", got)
	}
}

func TestFloat16Output(t *testing.T) {
	needORT(t)
	g := onnxbuild.NewGraph("cast").
		Input("x", onnxbuild.Float, 1, 3).
		Node("Cast", []string{"x"}, []string{"y"}, onnxbuild.AttrInt("to", int64(onnxbuild.Float16))).
		Output("y", onnxbuild.Float16, 1, 3)
	card := `name: cast
version: "1"
task: test
family: cast
inputs: [{name: x, shape: [1, 3], type: float32}]
outputs: [{name: y, shape: [1, 3], type: float16}]
`
	p := writeModel(t, t.TempDir(), "cast", g, card)
	m, err := infer.Open(infer.Config{ModelPath: p, Logf: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	copy(m.Input("x"), []float32{1, -2, 0.5})
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	got := infer.OutputOf[uint16](m, "y")
	want := []uint16{0x3C00, 0xC000, 0x3800}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("y[%d] = %#04x, want %#04x", i, got[i], want[i])
		}
	}
	if m.Output("y") != nil {
		t.Error("Output on a float16 tensor is not nil")
	}
	if m.Precision() != "fp16" {
		t.Errorf("precision %q, want fp16", m.Precision())
	}
}

func TestCardMismatch(t *testing.T) {
	needORT(t)
	header := "name: affine\nversion: 0.1.0\ntask: test\nfamily: affine\n"
	cases := []struct {
		name  string
		io    string
		diffs []string
	}{
		{"wrong name", `inputs: [{name: in, shape: [1, 4], type: float32}]
outputs: [{name: y, shape: [1, 4], type: float32}]`,
			[]string{`input "x": in the model, not on the card`, `input "in": on the card, not in the model`}},
		{"wrong shape", `inputs: [{name: x, shape: [1, 8], type: float32}]
outputs: [{name: y, shape: [1, 4], type: float32}]`,
			[]string{`input "x": shape [1 4], card says [1 8]`}},
		{"wrong rank", `inputs: [{name: x, shape: [1, 4], type: float32}]
outputs: [{name: y, shape: [1, 2, 2], type: float32}]`,
			[]string{`output "y": shape [1 4] (rank 2), card says [1 2 2] (rank 3)`}},
		{"dynamic on card only", `inputs: [{name: x, shape: [N, 4], type: float32}]
outputs: [{name: y, shape: [1, 4], type: float32}]`,
			[]string{`input "x": shape [1 4], card says [N 4]`}},
		{"wrong type", `inputs: [{name: x, shape: [1, 4], type: float32}]
outputs: [{name: y, shape: [1, 4], type: float16}]`,
			[]string{`output "y": type float32, card says float16`}},
		{"everything", `inputs: [{name: x, shape: [1, 5], type: int64}]
outputs: [{name: y, shape: [1, 4], type: float32}, {name: z, shape: [1], type: float32}]`,
			[]string{`input "x": type float32, card says int64`, `input "x": shape [1 4], card says [1 5]`, `output "z": on the card, not in the model`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeModel(t, t.TempDir(), "affine", affineGraph(), header+tc.io+"\n")
			_, err := infer.Open(infer.Config{ModelPath: p, Logf: func(string) {}})
			var me *infer.MismatchError
			if !errors.As(err, &me) || !errors.Is(err, infer.ErrMismatch) {
				t.Fatalf("got %v, want a MismatchError", err)
			}
			if !strings.HasPrefix(err.Error(), "infer: model affine.onnx does not match its card: ") {
				t.Errorf("message %q", err)
			}
			if len(me.Differences) != len(tc.diffs) {
				t.Errorf("differences %q, want %q", me.Differences, tc.diffs)
			}
			for _, d := range tc.diffs {
				if !strings.Contains(err.Error(), d) {
					t.Errorf("message %q lacks %q", err, d)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	t.Run("missing model", func(t *testing.T) {
		_, err := infer.Open(infer.Config{ModelPath: filepath.Join(dir, "none.onnx")})
		if !errors.Is(err, infer.ErrModel) || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing card", func(t *testing.T) {
		p := writeModel(t, dir, "nocard", affineGraph(), "")
		_, err := infer.Open(infer.Config{ModelPath: p})
		var ce *infer.CardError
		if !errors.Is(err, infer.ErrCard) || !errors.As(err, &ce) || ce.Path != filepath.Join(dir, "nocard.card.yaml") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("corrupt model", func(t *testing.T) {
		p := filepath.Join(dir, "corrupt.onnx")
		if err := os.WriteFile(p, []byte("\x08\x08\x3a\xff\xff\xffgarbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(infer.CardPathFor(p), []byte(affineCard), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := infer.Open(infer.Config{ModelPath: p})
		if !errors.Is(err, infer.ErrModel) || !strings.Contains(err.Error(), "is not a model ONNX Runtime can load") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("explicit card path", func(t *testing.T) {
		p := writeModel(t, dir, "elsewhere", affineGraph(), "")
		cp := filepath.Join(dir, "cards", "affine.yaml")
		if err := os.MkdirAll(filepath.Dir(cp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cp, []byte(affineCard), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := infer.Open(infer.Config{ModelPath: p, CardPath: cp, Logf: func(string) {}})
		if err != nil {
			t.Fatal(err)
		}
		m.Close()
		if err := m.Run(); !errors.Is(err, infer.ErrClosed) {
			t.Errorf("Run after Close: %v", err)
		}
	})
	for _, tc := range []struct {
		name   string
		cfg    infer.Config
		param  string
		value  any
		reason string
	}{
		{"no model path", infer.Config{}, "infer.Config.ModelPath", nil, "required"},
		{"unknown provider", infer.Config{ModelPath: "m.onnx", Providers: []string{"cpu", "rocm"}}, "infer.Config.Providers[1]", "rocm", "unknown provider; want tensorrt, cuda or cpu"},
		{"duplicate provider", infer.Config{ModelPath: "m.onnx", Providers: []string{"cpu", "CPU"}}, "infer.Config.Providers[1]", "cpu", "listed twice"},
		{"negative device", infer.Config{ModelPath: "m.onnx", DeviceID: -1}, "infer.Config.DeviceID", -1, "negative"},
		{"batch over max", infer.Config{ModelPath: "m.onnx", Batch: 9, MaxBatch: 8}, "infer.Config.Batch", 9, "outside 1..MaxBatch (8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := infer.Open(tc.cfg)
			var ce *configerr.Error
			if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) || ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
				t.Fatalf("got %v, want %s = %v: %s", err, tc.param, tc.value, tc.reason)
			}
		})
	}
}

func TestProviderFallback(t *testing.T) {
	var lines []string
	m := openAffine(t, infer.Config{
		Providers:        []string{"tensorrt", "cuda", "cpu"},
		TensorRTCacheDir: t.TempDir(),
		Logf:             func(s string) { lines = append(lines, s) },
	})
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %q", len(lines), lines)
	}
	t.Log(lines[0])
	if m.Provider() != "CPUExecutionProvider" {
		// A GPU build of ONNX Runtime (GOPERCEPT_ORT_LIB) on a GPU machine.
		if !strings.Contains(lines[0], "runs on "+m.Provider()) {
			t.Errorf("log %q does not name %s", lines[0], m.Provider())
		}
		return
	}
	fb := m.Fallbacks()
	if len(fb) != 2 || !strings.HasPrefix(fb[0], "tensorrt: ") || !strings.HasPrefix(fb[1], "cuda: ") {
		t.Errorf("fallbacks %q", fb)
	}
	if !strings.HasPrefix(lines[0], "infer: affine runs on CPUExecutionProvider (fp32), fallback from tensorrt: ") ||
		!strings.Contains(lines[0], ", cuda: ") {
		t.Errorf("log line %q", lines[0])
	}
	copy(m.Input("x"), []float32{1, 1, 1, 1})
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if got := m.Output("y"); got[3] != 3 {
		t.Errorf("y = %v", got)
	}
}

func TestProviderNoneWorks(t *testing.T) {
	needORT(t)
	p := writeModel(t, t.TempDir(), "affine", affineGraph(), affineCard)
	m, err := infer.Open(infer.Config{ModelPath: p, Providers: []string{"cuda"}, Logf: func(string) {}})
	if err == nil {
		defer m.Close()
		if m.Provider() != "CUDAExecutionProvider" {
			t.Fatalf("runs on %s", m.Provider())
		}
		t.Logf("CUDA is available here; nothing to fall back from")
		return
	}
	var pe *infer.ProviderError
	if !errors.As(err, &pe) || !errors.Is(err, infer.ErrProvider) || len(pe.Reasons) != 1 {
		t.Fatalf("got %v, want a ProviderError with one reason", err)
	}
	t.Log(err)
}

func TestEngineCacheKey(t *testing.T) {
	got := infer.EngineCacheKey("ab12", "NVIDIA H100 80GB HBM3", "10.3.0")
	if want := "ab12-NVIDIA_H100_80GB_HBM3-trt10.3.0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := infer.EngineCacheKey("ab12", " ", "../x"); got != "ab12-unknown-trt.._x" {
		t.Errorf("got %q", got)
	}
}

func TestFloat16Input(t *testing.T) {
	needORT(t)
	g := onnxbuild.NewGraph("widen").
		Input("x", onnxbuild.Float16, "N", 2).
		Node("Cast", []string{"x"}, []string{"y"}, onnxbuild.AttrInt("to", int64(onnxbuild.Float))).
		Output("y", onnxbuild.Float, "N", 2)
	card := `name: widen
version: "1"
task: test
family: cast
inputs: [{name: x, shape: [N, 2], type: half}]
outputs: [{name: y, shape: [N, 2], type: float32}]
`
	p := writeModel(t, t.TempDir(), "widen", g, card)
	m, err := infer.Open(infer.Config{ModelPath: p, Batch: 2, Logf: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	copy(infer.InputOf[uint16](m, "x"), []uint16{0x3C00, 0xC000, 0x3800, 0x7BFF})
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	want := []float32{1, -2, 0.5, 65504}
	got := m.Output("y")
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("y[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSlogLine(t *testing.T) {
	var out strings.Builder
	logger := slog.New(slog.NewTextHandler(&out, nil))
	needORT(t)
	p := writeModel(t, t.TempDir(), "affine", affineGraph(), affineCard)
	m, err := infer.Open(infer.Config{ModelPath: p, Logger: logger, Providers: []string{"cuda", "cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "infer: affine runs on "+m.Provider()) {
		t.Errorf("log %q", out.String())
	}
}

// TestBuilderOps runs a model using float, int64 initializers and float and
// ints attributes, to check onnxbuild's encoding through ONNX Runtime.
func TestBuilderOps(t *testing.T) {
	needORT(t)
	g := onnxbuild.NewGraph("ops").
		Input("x", onnxbuild.Float, 1, 6).
		Initializer("shape", onnxbuild.Int64, []int64{2}, []int64{2, 3}).
		Node("LeakyRelu", []string{"x"}, []string{"l"}, onnxbuild.AttrFloat("alpha", 0.25)).
		Node("Reshape", []string{"l", "shape"}, []string{"r"}).
		Node("Transpose", []string{"r"}, []string{"y"}, onnxbuild.AttrInts("perm", 1, 0)).
		Output("y", onnxbuild.Float, 3, 2)
	card := `name: ops
version: "1"
task: test
family: test
inputs: [{name: x, shape: [1, 6], type: float32}]
outputs: [{name: y, shape: [3, 2], type: float32}]
`
	p := writeModel(t, t.TempDir(), "ops", g, card)
	m, err := infer.Open(infer.Config{ModelPath: p, Logf: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	copy(m.Input("x"), []float32{1, -4, 3, -8, 5, 6})
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	// LeakyRelu: [1 -1 3 -2 5 6]; as 2x3 transposed to 3x2: [1 -2, -1 5, 3 6].
	want := []float32{1, -2, -1, 5, 3, 6}
	got := m.Output("y")
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("y = %v, want %v", got, want)
		}
	}
}
