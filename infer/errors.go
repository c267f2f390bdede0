package infer

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of these (check
// with errors.Is) or are one of the typed errors below (check with errors.As);
// an invalid Config is the shared *configerr.Error (configerr.ErrInvalid),
// named "infer.Config.<field>".
var (
	// ErrLibraryMissing means the ONNX Runtime shared library is not where
	// LibraryPath looks for it; run scripts/fetch-ort.sh (make ort).
	ErrLibraryMissing = errors.New("infer: ONNX Runtime library missing")
	// ErrLibraryChecksum means the cached library's SHA-256 is not the
	// pinned one.
	ErrLibraryChecksum = errors.New("infer: ONNX Runtime library checksum mismatch")
	// ErrInit means ONNX Runtime failed to initialise.
	ErrInit = errors.New("infer: ONNX Runtime initialisation failed")
	// ErrCard means a model card is missing, unreadable or invalid.
	ErrCard = errors.New("infer: invalid model card")
	// ErrModel means a model file is missing or cannot be loaded.
	ErrModel = errors.New("infer: cannot load model")
	// ErrMismatch means a model does not match its card.
	ErrMismatch = errors.New("infer: model does not match its card")
	// ErrProvider means no execution provider could run the model.
	ErrProvider = errors.New("infer: no execution provider could run the model")
	// ErrBatch means a batch size cannot be used with the model.
	ErrBatch = errors.New("infer: invalid batch size")
	// ErrClosed means the Model has been closed.
	ErrClosed = errors.New("infer: model closed")
	// ErrEngineBuilt is returned by a node's constructor when its
	// build_engine_only parameter is set and BuildEngine has built and
	// cached its TensorRT engines: the work is done and the node does not
	// run. Drivers exit with status 0 on it.
	ErrEngineBuilt = errors.New("infer: TensorRT engines built and cached (build_engine_only); the node does not run")
)

// CardError is an invalid model card; Field names the offending field as a
// YAML path (for example "inputs[0].shape").
type CardError struct {
	Path   string // card file, "" when parsed from memory
	Field  string
	Reason string
}

func (e *CardError) Error() string {
	where := "model card"
	if e.Path != "" {
		where = "model card " + e.Path
	}
	if e.Field == "" {
		return fmt.Sprintf("infer: %s: %s", where, e.Reason)
	}
	return fmt.Sprintf("infer: %s: %s: %s", where, e.Field, e.Reason)
}

// Unwrap returns ErrCard.
func (e *CardError) Unwrap() error { return ErrCard }

// MismatchError lists every difference between a model and its card.
type MismatchError struct {
	Model       string   // model file name
	Differences []string // one entry per difference, e.g. `input "in": shape [1 5 64 1024], card says [1 5 64 2048]`
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("infer: model %s does not match its card: %s",
		e.Model, strings.Join(e.Differences, "; "))
}

// Unwrap returns ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// ProviderError records why every requested execution provider failed.
type ProviderError struct {
	Model   string
	Reasons []string // "provider: reason", in the order tried
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("infer: model %s: no execution provider could run it: %s",
		e.Model, strings.Join(e.Reasons, "; "))
}

// Unwrap returns ErrProvider.
func (e *ProviderError) Unwrap() error { return ErrProvider }
