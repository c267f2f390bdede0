package infer

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Pinned ONNX Runtime library. LibrarySHA256 must equal ORT_SHA256 in
// scripts/fetch-ort.sh.
const (
	// LibraryVersion is the ONNX Runtime release in the project cache.
	LibraryVersion = "1.30.0"
	// LibrarySHA256 is the SHA-256 of libonnxruntime.so.1 from the npm
	// package onnxruntime-node@1.30.0 (bin/napi-v6/linux/x64).
	LibrarySHA256 = "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"

	// EnvLibrary names an ONNX Runtime library to use instead of the
	// project cache (a vehicle's GPU build); it is not checksummed.
	EnvLibrary = "GOPERCEPT_ORT_LIB"
	// EnvRoot names the repository root holding .cache/ort; without it the
	// root is found by walking up from the working directory to the go.mod
	// of module github.com/gopercept/gopercept.
	EnvRoot = "GOPERCEPT_ROOT"

	modulePath = "github.com/gopercept/gopercept"
	fetchHint  = "run `make ort` or scripts/fetch-ort.sh"
)

// CachedLibrary returns the path of the pinned library inside the repository
// root: <root>/.cache/ort/1.30.0/libonnxruntime.so.1.
func CachedLibrary(root string) string {
	return filepath.Join(root, ".cache", "ort", LibraryVersion, "libonnxruntime.so.1")
}

// GPULibrary returns where scripts/gpu/setup.sh installs the GPU build of
// the same ONNX Runtime release, with its CUDA and TensorRT providers:
// <root>/.cache/ort-gpu/1.30.0/lib/libonnxruntime.so.1. It is used through
// GOPERCEPT_ORT_LIB and LD_LIBRARY_PATH, which the env.sh the script writes
// beside lib/ sets.
func GPULibrary(root string) string {
	return filepath.Join(root, ".cache", "ort-gpu", LibraryVersion, "lib", "libonnxruntime.so.1")
}

// LibraryPath returns the ONNX Runtime shared library to load: the file named
// by GOPERCEPT_ORT_LIB when that is set, else the pinned copy installed
// beside the executable (a colcon install), else the project cache under the
// repository root (GOPERCEPT_ROOT, or the directory of the go.mod found by
// walking up from the working directory), whose SHA-256 must be
// LibrarySHA256. A missing library gives an error wrapping ErrLibraryMissing
// that says to run scripts/fetch-ort.sh; a wrong checksum wraps
// ErrLibraryChecksum.
func LibraryPath() (string, error) {
	if p := os.Getenv(EnvLibrary); p != "" {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%w: %s=%s: %w", ErrLibraryMissing, EnvLibrary, p, err)
		}
		if st.IsDir() {
			return "", fmt.Errorf("%w: %s=%s is a directory", ErrLibraryMissing, EnvLibrary, p)
		}
		return p, nil
	}
	// An installed node (colcon: lib/gopercept/<node>) carries the pinned
	// library beside its executable.
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "libonnxruntime.so.1")
		if sum, err := fileSHA256(p); err == nil && sum == LibrarySHA256 {
			return p, nil
		}
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	p := CachedLibrary(root)
	sum, err := fileSHA256(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s not found; %s (or set %s)", ErrLibraryMissing, p, fetchHint, EnvLibrary)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrLibraryMissing, p, err)
	}
	if sum != LibrarySHA256 {
		return "", fmt.Errorf("%w: %s has SHA-256 %s, want %s; %s", ErrLibraryChecksum, p, sum, LibrarySHA256, fetchHint)
	}
	return p, nil
}

// repoRoot returns GOPERCEPT_ROOT or the nearest ancestor of the working
// directory whose go.mod declares this module.
func repoRoot() (string, error) {
	if r := os.Getenv(EnvRoot); r != "" {
		return r, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("%w: working directory: %w", ErrLibraryMissing, err)
	}
	for dir := wd; ; {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("%w: no go.mod of %s above %s; set %s to the repository root or %s to the library, then %s",
		ErrLibraryMissing, modulePath, wd, EnvRoot, EnvLibrary, fetchHint)
}

func isModuleRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == modulePath
		}
	}
	return false
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var (
	initOnce sync.Once
	initErr  error
	initLib  string
)

// Init loads the ONNX Runtime library from LibraryPath and initialises its
// environment. It does the work once per process and returns the same result
// on every call; Open calls it. If another package has already initialised
// onnxruntime_go, Init uses that environment.
func Init() error {
	initOnce.Do(func() {
		if ort.IsInitialized() {
			return
		}
		p, err := LibraryPath()
		if err != nil {
			initErr = err
			return
		}
		ort.SetSharedLibraryPath(p)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			initErr = fmt.Errorf("%w: %s: %w", ErrInit, p, err)
			return
		}
		initLib = p
	})
	return initErr
}

// LoadedLibrary returns the library Init loaded, or "" before a successful
// Init (or when another package initialised ONNX Runtime).
func LoadedLibrary() string { return initLib }

// RuntimeVersion returns the loaded ONNX Runtime's version string, or ""
// before Init.
func RuntimeVersion() string {
	if !ort.IsInitialized() {
		return ""
	}
	return ort.GetVersion()
}
