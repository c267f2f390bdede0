package infer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Provider names accepted in Config.Providers.
const (
	ProviderTensorRT = "tensorrt"
	ProviderCUDA     = "cuda"
	ProviderCPU      = "cpu"
)

// providerNames maps Config.Providers entries to ONNX Runtime's names.
var providerNames = map[string]string{
	ProviderTensorRT: "TensorrtExecutionProvider",
	ProviderCUDA:     "CUDAExecutionProvider",
	ProviderCPU:      "CPUExecutionProvider",
}

// EnvTensorRTVersion overrides the TensorRT version used in the engine cache
// key when it cannot be read from the installed libnvinfer.
const EnvTensorRTVersion = "GOPERCEPT_TRT_VERSION"

// sessionOptions builds session options for one provider and returns the
// precision it will run at.
func (m *Model) sessionOptions(provider string) (*ort.SessionOptions, string, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*ort.SessionOptions, string, error) {
		_ = opts.Destroy()
		return nil, "", err
	}
	if m.cfg.IntraOpThreads > 0 {
		if err := opts.SetIntraOpNumThreads(m.cfg.IntraOpThreads); err != nil {
			return fail(err)
		}
	}
	// ONNX Runtime's worker threads spin after a run by default; a node's
	// own stages (kNN, decoding, encoding) follow every run on the same
	// cores, so the spinning would only steal their time.
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return fail(err)
	}
	precision := "fp32"
	switch provider {
	case ProviderTensorRT:
		trt, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return fail(err)
		}
		defer trt.Destroy()
		dir, err := m.engineCacheDir()
		if err != nil {
			return fail(err)
		}
		if m.cfg.FP16 {
			precision = "fp16"
		}
		if err := trt.Update(tensorRTOptions(m.cfg, dir)); err != nil {
			return fail(err)
		}
		if err := opts.AppendExecutionProviderTensorRT(trt); err != nil {
			return fail(err)
		}
		m.engineDir = dir
		// Operators TensorRT cannot take go to CUDA rather than the CPU when
		// CUDA is there; without it they run on the CPU.
		if cuda, err := m.cudaOptions(); err == nil {
			_ = opts.AppendExecutionProviderCUDA(cuda)
			_ = cuda.Destroy()
		}
	case ProviderCUDA:
		cuda, err := m.cudaOptions()
		if err != nil {
			return fail(err)
		}
		defer cuda.Destroy()
		if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
			return fail(err)
		}
	case ProviderCPU:
	default:
		return fail(fmt.Errorf("unknown provider %q", provider))
	}
	return opts, precision, nil
}

// tensorRTOptions are the TensorRT provider's options for cfg, engines and
// timing caches kept in dir (ONNX Runtime's TensorRT provider option names).
func tensorRTOptions(cfg Config, dir string) map[string]string {
	return map[string]string{
		"device_id":               strconv.Itoa(cfg.DeviceID),
		"trt_engine_cache_enable": "1",
		"trt_engine_cache_path":   dir,
		"trt_timing_cache_enable": "1",
		"trt_timing_cache_path":   dir,
		"trt_fp16_enable":         boolOption(cfg.FP16),
	}
}

// cudaProviderOptions are the CUDA provider's options for cfg. FP16 has no
// CUDA option: the CUDA provider runs the model's own precision.
func cudaProviderOptions(cfg Config) map[string]string {
	return map[string]string{"device_id": strconv.Itoa(cfg.DeviceID)}
}

func boolOption(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (m *Model) cudaOptions() (*ort.CUDAProviderOptions, error) {
	cuda, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return nil, err
	}
	if err := cuda.Update(cudaProviderOptions(m.cfg)); err != nil {
		_ = cuda.Destroy()
		return nil, err
	}
	return cuda, nil
}

// BuildEngine builds and caches the TensorRT engines of a model, as Open
// with Config.BuildEngineOnly does, closes it, and returns the engine cache
// directory (see EngineCacheKey). A later Open with the same model, GPU,
// TensorRT version and settings loads the engines instead of building them
// (minutes for a large model). Without a working TensorRT provider it fails
// with a *ProviderError saying why.
func BuildEngine(cfg Config) (string, error) {
	cfg.BuildEngineOnly = true
	m, err := Open(cfg)
	if err != nil {
		return "", err
	}
	dir := m.engineDir
	if err := m.Close(); err != nil {
		return "", fmt.Errorf("model %s: %w", m.file, err)
	}
	return dir, nil
}

// engineCacheDir creates and returns the TensorRT cache directory of this
// model on this GPU and TensorRT version.
func (m *Model) engineCacheDir() (string, error) {
	base := m.cfg.TensorRTCacheDir
	if base == "" {
		if root, err := repoRoot(); err == nil {
			base = filepath.Join(root, ".cache", "trt")
		} else if uc, err := os.UserCacheDir(); err == nil {
			base = filepath.Join(uc, "gopercept", "trt")
		} else {
			return "", fmt.Errorf("no TensorRT cache directory: set Config.TensorRTCacheDir")
		}
	}
	sum, err := fileSHA256(m.cfg.ModelPath)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, EngineCacheKey(sum, gpuName(m.cfg.DeviceID), tensorRTVersion()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("TensorRT cache: %w", err)
	}
	return dir, nil
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._]+`)

// EngineCacheKey returns the name of a model's TensorRT cache directory:
// "<model SHA-256>-<GPU name>-trt<TensorRT version>", with every run of
// characters other than letters, digits, '.' and '_' in the GPU name and
// version replaced by '_' ("…-NVIDIA_H100_80GB_HBM3-trt10.3.0"). An engine
// built for one GPU model or TensorRT release is never loaded by another;
// ONNX Runtime also checks its own engine hash inside the directory.
//
// At Open, the GPU name is read from /proc/driver/nvidia/gpus/*/information
// (the DeviceID-th GPU in PCI bus order, which is CUDA's order when
// CUDA_DEVICE_ORDER=PCI_BUS_ID; "gpu<id>" when it cannot be read), and the
// TensorRT version from the libnvinfer.so.X.Y.Z found in LD_LIBRARY_PATH or
// the system library directories (GOPERCEPT_TRT_VERSION overrides it;
// "unknown" when none is found).
func EngineCacheKey(modelSHA256, gpu, trtVersion string) string {
	clean := func(s string) string {
		s = strings.Trim(unsafeKeyChars.ReplaceAllString(strings.TrimSpace(s), "_"), "_")
		if s == "" {
			return "unknown"
		}
		return s
	}
	return modelSHA256 + "-" + clean(gpu) + "-trt" + clean(trtVersion)
}

// gpuName returns the model name of the id-th NVIDIA GPU in PCI bus order.
func gpuName(id int) string {
	infos, _ := filepath.Glob("/proc/driver/nvidia/gpus/*/information")
	sort.Strings(infos) // directories are PCI bus ids
	if id < len(infos) {
		if data, err := os.ReadFile(infos[id]); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "Model:"); ok {
					return strings.TrimSpace(v)
				}
			}
		}
	}
	return "gpu" + strconv.Itoa(id)
}

// tensorRTVersion returns the version of the newest libnvinfer.so.X.Y.Z on
// the library path.
func tensorRTVersion() string {
	if v := os.Getenv(EnvTensorRTVersion); v != "" {
		return v
	}
	dirs := filepath.SplitList(os.Getenv("LD_LIBRARY_PATH"))
	dirs = append(dirs, "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
		"/usr/local/tensorrt/lib", "/usr/local/lib", "/usr/lib")
	best := ""
	for _, d := range dirs {
		if d == "" {
			continue
		}
		libs, _ := filepath.Glob(filepath.Join(d, "libnvinfer.so.*"))
		for _, l := range libs {
			v := strings.TrimPrefix(filepath.Base(l), "libnvinfer.so.")
			if strings.Count(v, ".") > strings.Count(best, ".") {
				best = v
			}
		}
		if best != "" && strings.Count(best, ".") >= 2 {
			break
		}
	}
	if best == "" {
		return "unknown"
	}
	return best
}
