package infer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTensorRTVersion(t *testing.T) {
	t.Setenv(EnvTensorRTVersion, "10.9.1")
	if got := tensorRTVersion(); got != "10.9.1" {
		t.Errorf("with %s: %q", EnvTensorRTVersion, got)
	}
	dir := t.TempDir()
	for _, name := range []string{"libnvinfer.so.10", "libnvinfer.so.10.3.0", "libnvinfer_plugin.so.10.3.0"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(EnvTensorRTVersion, "")
	t.Setenv("LD_LIBRARY_PATH", dir)
	if got := tensorRTVersion(); got != "10.3.0" {
		t.Errorf("from %s: %q, want 10.3.0", dir, got)
	}
}

func TestGPUNameFallback(t *testing.T) {
	if got := gpuName(1 << 20); got != "gpu1048576" {
		t.Errorf("gpuName of a missing GPU: %q", got)
	}
	t.Logf("GPU 0: %s", gpuName(0))
}

// The parameters reach the option maps handed to ONNX Runtime's provider
// option structs (TensorRTProviderOptions.Update, CUDAProviderOptions.Update).
// Whether ONNX Runtime accepts them is checked by TestGPUBuild where the
// providers load (a GPU machine).
func TestProviderOptions(t *testing.T) {
	cfg := Config{DeviceID: 3, FP16: true}
	trt := tensorRTOptions(cfg, "/cache/x")
	want := map[string]string{
		"device_id": "3", "trt_fp16_enable": "1",
		"trt_engine_cache_enable": "1", "trt_engine_cache_path": "/cache/x",
		"trt_timing_cache_enable": "1", "trt_timing_cache_path": "/cache/x",
	}
	if len(trt) != len(want) {
		t.Errorf("TensorRT options %v, want %v", trt, want)
	}
	for k, v := range want {
		if trt[k] != v {
			t.Errorf("TensorRT option %s = %q, want %q", k, trt[k], v)
		}
	}
	if got := tensorRTOptions(Config{}, "d")["trt_fp16_enable"]; got != "0" {
		t.Errorf("trt_fp16_enable without FP16: %q", got)
	}
	cuda := cudaProviderOptions(cfg)
	if len(cuda) != 1 || cuda["device_id"] != "3" {
		t.Errorf("CUDA options %v, want device_id 3 only", cuda)
	}
}
