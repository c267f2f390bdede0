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
