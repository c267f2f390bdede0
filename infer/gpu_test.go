package infer_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/infer"
)

// envGPUChild marks the child process TestGPUBuild starts.
const envGPUChild = "GOPERCEPT_TEST_GPU_CHILD"

// TestGPUBuild runs the GPU build of ONNX Runtime that scripts/gpu/setup.sh
// installs, in a child process: a process loads one ONNX Runtime library
// (the others here load the CPU build), and the dynamic linker reads
// LD_LIBRARY_PATH, which the providers need for the CUDA libraries, only at
// start. It skips only when that build is not installed; CI never installs
// it (about 2 GB). Without a GPU it checks that asking for CUDA or TensorRT
// falls back to the CPU with one log line naming what is missing; on a GPU
// machine, that the model runs on CUDA (and TensorRT, when its libraries
// are on the path) and gives the CPU's answer.
func TestGPUBuild(t *testing.T) {
	if os.Getenv(envGPUChild) == "1" {
		gpuChild(t)
		return
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	lib := infer.GPULibrary(root)
	if _, err := os.Stat(lib); err != nil {
		t.Skipf("the GPU build of ONNX Runtime is not installed (%v); scripts/gpu/setup.sh installs it", err)
	}
	ldPath := filepath.Dir(lib)
	if trt := os.Getenv("TENSORRT_LIB_DIR"); trt != "" {
		ldPath += ":" + trt
	}
	if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
		ldPath += ":" + old
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGPUBuild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envGPUChild+"=1", infer.EnvLibrary+"="+lib, "LD_LIBRARY_PATH="+ldPath)
	out, err := cmd.CombinedOutput()
	t.Logf("child (%s=%s):\n%s", infer.EnvLibrary, lib, out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestGPUBuild") {
		t.Fatal("the child did not pass TestGPUBuild")
	}
}

func gpuChild(t *testing.T) {
	needORT(t)
	lib := os.Getenv(infer.EnvLibrary)
	if got := infer.LoadedLibrary(); got != lib {
		t.Fatalf("loaded %q, want the GPU build %q", got, lib)
	}
	if v := infer.RuntimeVersion(); v != infer.LibraryVersion {
		t.Fatalf("GPU build is ONNX Runtime %s, want %s (the C API onnxruntime_go is built for)", v, infer.LibraryVersion)
	}
	// ONNX Runtime loads its providers from beside its own library.
	for _, p := range []string{"shared", "cuda", "tensorrt"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_"+p+".so")); err != nil {
			t.Errorf("provider library: %v", err)
		}
	}
	_, driverErr := os.Stat("/dev/nvidiactl")
	gpu := driverErr == nil

	want := []float32{1.5, 2.5, 3.5, 3}
	run := func(m *infer.Model) {
		t.Helper()
		copy(m.Input("x"), []float32{1, 1, 1, 1})
		if err := m.Run(); err != nil {
			t.Fatalf("%s: %v", m.Provider(), err)
		}
		for i, v := range m.Output("y") {
			if v != want[i] {
				t.Fatalf("%s: y = %v, want %v", m.Provider(), m.Output("y"), want)
			}
		}
	}

	var lines []string
	m := openAffine(t, infer.Config{Providers: []string{"cuda", "cpu"}, Logf: func(s string) { lines = append(lines, s) }})
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %q", len(lines), lines)
	}
	t.Log(lines[0])
	if gpu {
		if m.Provider() != "CUDAExecutionProvider" || lines[0] != "infer: affine runs on CUDAExecutionProvider (fp32)" {
			t.Errorf("on a GPU machine: runs on %s, log %q", m.Provider(), lines[0])
		}
	} else {
		const prefix = "infer: affine runs on CPUExecutionProvider (fp32), fallback from cuda: no NVIDIA driver on this machine (libcuda.so.1 not found): "
		if m.Provider() != "CPUExecutionProvider" || !strings.HasPrefix(lines[0], prefix) {
			t.Errorf("without a GPU: runs on %s, log %q, want the prefix %q", m.Provider(), lines[0], prefix)
		}
	}
	run(m)

	lines = nil
	m = openAffine(t, infer.Config{Providers: []string{"tensorrt", "cuda", "cpu"}, FP16: true, TensorRTCacheDir: t.TempDir(),
		Logf: func(s string) { lines = append(lines, s) }})
	t.Log(lines)
	trt := m.Provider() == "TensorrtExecutionProvider"
	if !trt {
		fb := m.Fallbacks()
		if len(fb) == 0 || !strings.HasPrefix(fb[0], "tensorrt: ") {
			t.Fatalf("runs on %s with fallbacks %q", m.Provider(), fb)
		}
		if !gpu && !strings.Contains(fb[0], "no NVIDIA driver") && !strings.Contains(fb[0], "TensorRT's libraries are not on the library path") {
			t.Errorf("TensorRT's fallback reason does not say what is missing: %q", fb[0])
		}
	} else if m.Precision() != "fp16" {
		t.Errorf("TensorRT with FP16: precision %s", m.Precision())
	}
	run(m)

	dir := t.TempDir()
	p := writeModel(t, dir, "affine", affineGraph(), affineCard)
	engines, err := infer.BuildEngine(infer.Config{ModelPath: p, TensorRTCacheDir: dir, Logf: func(string) {}})
	if !trt {
		var pe *infer.ProviderError
		if !errors.As(err, &pe) || len(pe.Reasons) != 1 || !strings.HasPrefix(pe.Reasons[0], "tensorrt: ") {
			t.Fatalf("BuildEngine without TensorRT: %v, want a ProviderError naming tensorrt alone", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("BuildEngine: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(engines, "*.engine"))
	if len(files) == 0 {
		t.Errorf("BuildEngine: no engine in %s", engines)
	}
}

// BuildEngineOnly never falls back: on a machine without TensorRT (the CPU
// build here) Open fails naming tensorrt alone, although cpu is listed.
func TestBuildEngineOnlyNoFallback(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	p := writeModel(t, dir, "affine", affineGraph(), affineCard)
	m, err := infer.Open(infer.Config{ModelPath: p, Providers: []string{"cuda", "cpu"}, BuildEngineOnly: true,
		TensorRTCacheDir: dir, Logf: func(string) {}})
	if err == nil {
		defer m.Close()
		if m.Provider() != "TensorrtExecutionProvider" || m.EngineCacheDir() == "" {
			t.Fatalf("BuildEngineOnly opened on %s, engine cache %q", m.Provider(), m.EngineCacheDir())
		}
		t.Skip("TensorRT works here; TestGPUBuild checks the engine")
	}
	var pe *infer.ProviderError
	if !errors.As(err, &pe) || len(pe.Reasons) != 1 || !strings.HasPrefix(pe.Reasons[0], "tensorrt: ") {
		t.Fatalf("got %v, want a ProviderError with tensorrt's reason alone", err)
	}
	if _, err := infer.BuildEngine(infer.Config{ModelPath: p, Logf: func(string) {}}); !errors.Is(err, infer.ErrProvider) {
		t.Fatalf("BuildEngine: %v, want ErrProvider", err)
	}
}
