package infer

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gopercept/gopercept/internal/configerr"
	ort "github.com/yalue/onnxruntime_go"
)

// DefaultMaxBatch is Config.MaxBatch's default.
const DefaultMaxBatch = 256

// Config configures Open.
type Config struct {
	// ModelPath is the .onnx file. Required.
	ModelPath string
	// CardPath is the model card; default "<stem>.card.yaml" beside
	// ModelPath (see CardPathFor).
	CardPath string
	// Providers are the execution providers to try, in order of preference:
	// "tensorrt", "cuda", "cpu". Default ["cpu"]. A provider that fails is
	// skipped with its reason logged; list "cpu" last to always have one
	// that works.
	Providers []string
	// DeviceID is the CUDA device ordinal for "tensorrt" and "cuda";
	// default 0.
	DeviceID int
	// TensorRTCacheDir is the directory under which TensorRT engines and
	// timing caches are kept, one subdirectory per model, GPU and TensorRT
	// version (see EngineCacheKey); default "<repo root>/.cache/trt", or
	// "<user cache dir>/gopercept/trt" outside the repository.
	TensorRTCacheDir string
	// FP16 lets TensorRT build fp16 engines (trt_fp16_enable), where
	// TensorRT picks fp16 or fp32 per layer by speed. It has no effect on the
	// CUDA and CPU providers, which run the model's own precision (ONNX
	// Runtime's CUDA provider has no precision option); a model exported
	// in fp16 runs in fp16 everywhere. Default false.
	FP16 bool
	// BuildEngineOnly makes Open build and cache the model's TensorRT
	// engines (the nodes' build_engine_only parameter): the model is opened
	// on TensorRT alone, whatever Providers says, so that a machine that
	// cannot build the engine fails instead of falling back; and Open runs
	// it once on zero inputs, at Batch and, for a dynamic batch, at MaxBatch
	// too, so that the engines ONNX Runtime builds lazily at a run, and the
	// shape range a dynamic batch needs, are built and cached before the
	// node's first real frame. The returned Model is usable; BuildEngine
	// opens, builds and closes.
	BuildEngineOnly bool
	// IntraOpThreads is the number of threads ONNX Runtime uses inside an
	// operator; 0 leaves ONNX Runtime's default (one per core).
	IntraOpThreads int
	// Batch is the initial batch size of a model whose batch dimension is
	// dynamic; tensors are allocated for it at Open. Default 1. Ignored for
	// models with a fixed batch.
	Batch int
	// MaxBatch caps SetBatch; default DefaultMaxBatch.
	MaxBatch int
	// Dims gives sizes to dynamic dimensions other than the batch, by the
	// symbolic name the card gives them ({"W": 2048}).
	Dims map[string]int64
	// Logger receives the one line saying which provider runs the model;
	// default slog.Default(). Ignored when Logf is set.
	Logger *slog.Logger
	// Logf, when set, receives that line instead of Logger.
	Logf func(string)
}

// Model is a loaded model with its tensors, ready to run. Fill the inputs in
// place (Input, InputOf), call Run, read the outputs in place (Output,
// OutputOf). A Model is not safe for concurrent use.
type Model struct {
	cfg       Config
	card      *Card
	file      string // base name of the model, for messages
	provider  string
	precision string
	fallbacks []string // "provider: reason" for each provider that failed
	engineDir string   // TensorRT engine cache directory, when TensorRT was tried

	inputs, outputs []*tensor // in the model's order
	inNames         []string
	outNames        []string
	inByName        map[string]*tensor
	outByName       map[string]*tensor

	dynamic  bool // some tensor has a dynamic batch dimension
	batch    int  // current batch size
	capacity int  // batch size the backing slices hold

	fixed  *ort.AdvancedSession        // when !dynamic
	dyn    *ort.DynamicAdvancedSession // when dynamic
	views  map[int]*valueSet           // dynamic: ONNX Runtime values per batch size
	cur    *valueSet                   // values for the current batch
	owned  *valueSet                   // fixed: values bound to the session
	closed bool
}

// valueSet is the ONNX Runtime values viewing every tensor at one batch
// size, and for a dynamic model the I/O binding that hands them to the
// session.
type valueSet struct {
	in, out []ort.Value
	binding *ort.IoBinding
}

func (v *valueSet) destroy() {
	if v != nil {
		if v.binding != nil {
			_ = v.binding.Destroy()
		}
		destroyValues(v.in)
		destroyValues(v.out)
	}
}

// Open loads a model and its card, checks the model against the card, picks
// an execution provider and allocates the tensors. Errors are a
// *configerr.Error (a bad Config), or wrap ErrCard (*CardError), ErrModel, ErrMismatch (*MismatchError), ErrProvider
// (*ProviderError) or the errors of Init.
func Open(cfg Config) (*Model, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	file := filepath.Base(cfg.ModelPath)
	if st, err := os.Stat(cfg.ModelPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: model %s not found", ErrModel, cfg.ModelPath)
		}
		return nil, fmt.Errorf("%w: model %s: %w", ErrModel, cfg.ModelPath, err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("%w: model %s is a directory", ErrModel, cfg.ModelPath)
	}
	card, err := LoadCard(cfg.CardPath)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", file, err)
	}
	if err := Init(); err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfo(cfg.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a model ONNX Runtime can load: %s", ErrModel, cfg.ModelPath, oneLine(err))
	}
	m := &Model{cfg: cfg, card: card, file: file}
	if err := m.resolve(ins, outs); err != nil {
		return nil, err
	}
	m.capacity, m.batch = 1, 1
	if m.dynamic {
		m.capacity, m.batch = cfg.Batch, cfg.Batch
	}
	for _, t := range append(append([]*tensor(nil), m.inputs...), m.outputs...) {
		if err := t.alloc(m.capacity); err != nil {
			return nil, fmt.Errorf("%w: model %s: %w", ErrModel, file, err)
		}
	}
	if err := m.openSession(); err != nil {
		m.Close()
		return nil, err
	}
	m.logChoice()
	if cfg.BuildEngineOnly {
		if err := m.buildRuns(); err != nil {
			m.Close()
			return nil, err
		}
	}
	return m, nil
}

// buildRuns runs the model at its batch and, when the batch is dynamic, at
// MaxBatch, then returns to the opening batch (see Config.BuildEngineOnly).
func (m *Model) buildRuns() error {
	sizes := []int{m.batch}
	if m.dynamic && m.cfg.MaxBatch != m.batch {
		sizes = append(sizes, m.cfg.MaxBatch, m.batch)
	}
	for _, n := range sizes {
		if err := m.SetBatch(n); err != nil {
			return fmt.Errorf("model %s: TensorRT engine build at batch %d: %w", m.file, n, err)
		}
		if err := m.Run(); err != nil {
			return fmt.Errorf("model %s: TensorRT engine build, run at batch %d: %w", m.file, n, err)
		}
	}
	return nil
}

func (c *Config) defaults() error {
	if c.ModelPath == "" {
		return configerr.New("infer.Config.ModelPath", nil, "required")
	}
	if c.CardPath == "" {
		c.CardPath = CardPathFor(c.ModelPath)
	}
	if c.BuildEngineOnly {
		c.Providers = []string{ProviderTensorRT}
	}
	if len(c.Providers) == 0 {
		c.Providers = []string{ProviderCPU}
	}
	seen := map[string]bool{}
	for i, p := range c.Providers {
		p = strings.ToLower(strings.TrimSpace(p))
		if _, ok := providerNames[p]; !ok {
			return configerr.New(fmt.Sprintf("infer.Config.Providers[%d]", i), c.Providers[i], "unknown provider; want %s, %s or %s",
				ProviderTensorRT, ProviderCUDA, ProviderCPU)
		}
		if seen[p] {
			return configerr.New(fmt.Sprintf("infer.Config.Providers[%d]", i), p, "listed twice")
		}
		seen[p] = true
		c.Providers[i] = p
	}
	if c.DeviceID < 0 {
		return configerr.New("infer.Config.DeviceID", c.DeviceID, "negative")
	}
	if c.IntraOpThreads < 0 {
		return configerr.New("infer.Config.IntraOpThreads", c.IntraOpThreads, "negative")
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxBatch < 0 {
		return configerr.New("infer.Config.MaxBatch", c.MaxBatch, "negative")
	}
	if c.Batch == 0 {
		c.Batch = 1
	}
	if c.Batch < 0 || c.Batch > c.MaxBatch {
		return configerr.New("infer.Config.Batch", c.Batch, "outside 1..MaxBatch (%d)", c.MaxBatch)
	}
	for k, v := range c.Dims {
		if v <= 0 {
			return configerr.New(fmt.Sprintf("infer.Config.Dims[%q]", k), v, "not positive")
		}
	}
	return nil
}

// resolve compares the model's inputs and outputs with the card, collecting
// every difference, and builds the tensors with fully resolved shapes.
func (m *Model) resolve(ins, outs []ort.InputOutputInfo) error {
	var diffs []string
	m.inByName, m.outByName = map[string]*tensor{}, map[string]*tensor{}
	var unresolved []string
	for _, side := range []struct {
		kind   string
		infos  []ort.InputOutputInfo
		specs  []TensorSpec
		list   *[]*tensor
		names  *[]string
		byName map[string]*tensor
	}{
		{"input", ins, m.card.Inputs, &m.inputs, &m.inNames, m.inByName},
		{"output", outs, m.card.Outputs, &m.outputs, &m.outNames, m.outByName},
	} {
		inModel := map[string]bool{}
		for _, info := range side.infos {
			inModel[info.Name] = true
			spec, ok := findSpec(side.specs, info.Name)
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s %q: in the model, not on the card", side.kind, info.Name))
				continue
			}
			if info.OrtValueType != ort.ONNXTypeTensor {
				diffs = append(diffs, fmt.Sprintf("%s %q: a %s, not a tensor", side.kind, info.Name, info.OrtValueType))
				continue
			}
			mt := elemTypeFromONNX(int(info.DataType))
			if mt != spec.Type {
				diffs = append(diffs, fmt.Sprintf("%s %q: type %s, card says %s", side.kind, info.Name, mt, spec.Type))
			}
			t, d, u := m.merge(side.kind, info, spec)
			if d != "" {
				diffs = append(diffs, d)
			}
			unresolved = append(unresolved, u...)
			t.typ = mt
			*side.list = append(*side.list, t)
			*side.names = append(*side.names, t.name)
			side.byName[t.name] = t
		}
		for _, s := range side.specs {
			if !inModel[s.Name] {
				diffs = append(diffs, fmt.Sprintf("%s %q: on the card, not in the model", side.kind, s.Name))
			}
		}
	}
	if len(diffs) > 0 {
		return &MismatchError{Model: m.file, Differences: diffs}
	}
	if len(unresolved) > 0 {
		return configerr.New("infer.Config.Dims", nil, "model %s: dynamic dimensions without a size: %s; name them on the card and size them in Config.Dims",
			m.file, strings.Join(unresolved, ", "))
	}
	return nil
}

// merge builds the tensor for one model input or output from its model info
// and card spec. It returns the shape difference, if any, and the dynamic
// dimensions it could not size.
func (m *Model) merge(kind string, info ort.InputOutputInfo, spec TensorSpec) (*tensor, string, []string) {
	t := &tensor{name: info.Name}
	md := info.Dimensions
	diff := ""
	if len(md) != len(spec.Shape) {
		diff = fmt.Sprintf("%s %q: shape %v (rank %d), card says %v (rank %d)", kind, info.Name, dimsString(md), len(md), spec.Shape, len(spec.Shape))
		return t, diff, nil
	}
	for i := range md {
		if md[i] >= 0 && (spec.Shape[i].Dynamic() || spec.Shape[i].Size != md[i]) {
			diff = fmt.Sprintf("%s %q: shape %v, card says %v", kind, info.Name, dimsString(md), spec.Shape)
			return t, diff, nil
		}
	}
	var unresolved []string
	t.dims = make([]int64, len(md))
	t.perItem = 1
	for i := range md {
		d := md[i]
		if d < 0 {
			d = spec.Shape[i].Size // the card may fix what the model leaves dynamic
		}
		if d < 0 && i > 0 {
			if v, ok := m.cfg.Dims[spec.Shape[i].Name]; ok && spec.Shape[i].Name != "" {
				d = v
			} else {
				unresolved = append(unresolved, fmt.Sprintf("%s %q dimension %d (%s)", kind, info.Name, i, spec.Shape[i]))
				d = 1
			}
		}
		if d < 0 { // i == 0: the batch
			t.batched = true
			m.dynamic = true
			t.dims[i] = -1
			continue
		}
		t.dims[i] = d
		t.perItem *= d
	}
	return t, "", unresolved
}

func dimsString(d []int64) string {
	parts := make([]string, len(d))
	for i, v := range d {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// openSession tries each provider in turn and keeps the first session that
// opens.
func (m *Model) openSession() error {
	for _, p := range m.cfg.Providers {
		opts, precision, err := m.sessionOptions(p)
		if err == nil {
			err = m.createSession(opts)
			_ = opts.Destroy()
		}
		if err != nil {
			m.fallbacks = append(m.fallbacks, p+": "+providerReason(err))
			continue
		}
		m.provider = providerNames[p]
		m.precision = precision
		if m.precision == "fp32" && m.hasFloat16() {
			m.precision = "fp16"
		}
		return nil
	}
	return &ProviderError{Model: m.file, Reasons: m.fallbacks}
}

func (m *Model) createSession(opts *ort.SessionOptions) error {
	if m.dynamic {
		s, err := ort.NewDynamicAdvancedSession(m.cfg.ModelPath, m.inNames, m.outNames, opts)
		if err != nil {
			return err
		}
		m.dyn = s
		m.views = map[int]*valueSet{}
		if err := m.useBatch(m.batch); err != nil {
			_ = s.Destroy()
			m.dyn, m.views = nil, nil
			return err
		}
		return nil
	}
	vs, err := m.newValues(m.batch)
	if err != nil {
		return err
	}
	s, err := ort.NewAdvancedSession(m.cfg.ModelPath, m.inNames, m.outNames, vs.in, vs.out, opts)
	if err != nil {
		vs.destroy()
		return err
	}
	m.fixed, m.owned, m.cur = s, vs, vs
	return nil
}

func (m *Model) newValues(n int) (*valueSet, error) {
	vs := &valueSet{}
	for _, t := range m.inputs {
		v, err := t.value(n)
		if err != nil {
			vs.destroy()
			return nil, err
		}
		vs.in = append(vs.in, v)
	}
	for _, t := range m.outputs {
		v, err := t.value(n)
		if err != nil {
			vs.destroy()
			return nil, err
		}
		vs.out = append(vs.out, v)
	}
	return vs, nil
}

// useBatch makes n the current batch of a dynamic model, creating (once per
// size) the values that view the backing slices at that size.
func (m *Model) useBatch(n int) error {
	vs, ok := m.views[n]
	if !ok {
		var err error
		if vs, err = m.newValues(n); err != nil {
			return err
		}
		if vs.binding, err = m.dyn.CreateIoBinding(); err != nil {
			vs.destroy()
			return err
		}
		for i, v := range vs.in {
			if err := vs.binding.BindInput(m.inNames[i], v); err != nil {
				vs.destroy()
				return err
			}
		}
		for i, v := range vs.out {
			if err := vs.binding.BindOutput(m.outNames[i], v); err != nil {
				vs.destroy()
				return err
			}
		}
		m.views[n] = vs
	}
	m.cur, m.batch = vs, n
	return nil
}

func (m *Model) hasFloat16() bool {
	for _, t := range append(append([]*tensor(nil), m.inputs...), m.outputs...) {
		if t.typ == Float16 || t.typ == BFloat16 {
			return true
		}
	}
	return false
}

func (m *Model) logChoice() {
	line := fmt.Sprintf("infer: %s runs on %s (%s)", m.card.Name, m.provider, m.precision)
	if len(m.fallbacks) > 0 {
		line += ", fallback from " + strings.Join(m.fallbacks, ", ")
	}
	if m.cfg.Logf != nil {
		m.cfg.Logf(line)
		return
	}
	l := m.cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	l.Info(line)
}

// Run runs the model on the current contents of the input tensors and
// writes the output tensors. On the CPU it does not allocate on the Go
// heap: a model with fixed shapes runs an AdvancedSession bound to the
// tensors at Open, a model with a dynamic batch a DynamicAdvancedSession
// through an I/O binding kept per batch size (on a GPU provider the latter
// makes one 8-byte allocation per input, see runBound).
func (m *Model) Run() error {
	if m.closed {
		return ErrClosed
	}
	var err error
	if m.fixed != nil {
		err = m.fixed.Run()
	} else {
		err = m.runBound()
	}
	if err != nil {
		return fmt.Errorf("infer: %s: run on %s: %w", m.card.Name, m.provider, err)
	}
	return nil
}

// runBound runs a dynamic model through its I/O binding; outputs stay bound
// to the backing slices. On a GPU provider the inputs are bound again on
// every run, because ONNX Runtime copies an input bound for another device
// at bind time (onnxruntime_go allocates 8 bytes per input doing so); on the
// CPU a binding refers to the backing slice itself.
func (m *Model) runBound() error {
	if m.provider != providerNames[ProviderCPU] {
		for i, v := range m.cur.in {
			if err := m.cur.binding.BindInput(m.inNames[i], v); err != nil {
				return err
			}
		}
	}
	return m.dyn.RunWithBinding(m.cur.binding)
}

// SetBatch sets the batch size of a model with a dynamic batch dimension,
// n in 1..Config.MaxBatch. Input and output slices are cut to n items. The
// backing slices are reallocated only when n exceeds the capacity reached so
// far; callers must fetch the slices again after SetBatch. ONNX Runtime
// values for each batch size used are created once and kept, so alternating
// between sizes allocates nothing after the first use of each. For a model
// with a fixed batch, only its own batch size is accepted. Errors wrap
// ErrBatch.
func (m *Model) SetBatch(n int) error {
	if m.closed {
		return ErrClosed
	}
	if !m.dynamic {
		if n == 1 {
			return nil
		}
		return fmt.Errorf("%w: %s has no dynamic batch dimension; only 1 is accepted, not %d", ErrBatch, m.card.Name, n)
	}
	if n < 1 || n > m.cfg.MaxBatch {
		return fmt.Errorf("%w: %d is outside 1..%d (Config.MaxBatch) for %s", ErrBatch, n, m.cfg.MaxBatch, m.card.Name)
	}
	if n > m.capacity {
		for _, vs := range m.views {
			vs.destroy()
		}
		m.views = map[int]*valueSet{}
		m.cur = nil
		for _, t := range append(append([]*tensor(nil), m.inputs...), m.outputs...) {
			if t.batched {
				if err := t.alloc(n); err != nil {
					return err
				}
			}
		}
		m.capacity = n
	}
	return m.useBatch(n)
}

// RunBatch is SetBatch(n) followed by Run. The inputs must already hold n
// items: call SetBatch first and fill the slices it gives when n may exceed
// the capacity.
func (m *Model) RunBatch(n int) error {
	if err := m.SetBatch(n); err != nil {
		return err
	}
	return m.Run()
}

// Batch returns the current batch size (1 for a model without a dynamic
// batch dimension, whatever its fixed first dimension).
func (m *Model) Batch() int { return m.batch }

// Capacity returns the batch size the backing slices can hold without
// reallocating.
func (m *Model) Capacity() int { return m.capacity }

// DynamicBatch reports whether the model's batch dimension is dynamic.
func (m *Model) DynamicBatch() bool { return m.dynamic }

// Input returns the backing slice of a float32 input, cut to the current
// batch, or nil when there is no float32 input of that name. Its layout is
// row-major in the input's shape.
func (m *Model) Input(name string) []float32 { return slice[float32](m.inByName[name], m.batch) }

// Output returns the backing slice of a float32 output, cut to the current
// batch, or nil when there is no float32 output of that name. It is valid
// until the next Run.
func (m *Model) Output(name string) []float32 { return slice[float32](m.outByName[name], m.batch) }

// InputOf returns the backing slice of an input of element type T (uint16
// for float16), cut to the current batch, or nil when the model has no such
// input of that type.
func InputOf[T Element](m *Model, name string) []T { return slice[T](m.inByName[name], m.batch) }

// OutputOf returns the backing slice of an output of element type T, as
// InputOf.
func OutputOf[T Element](m *Model, name string) []T { return slice[T](m.outByName[name], m.batch) }

// InputShape returns the shape of an input at the current batch, or nil.
func (m *Model) InputShape(name string) []int64 {
	if t := m.inByName[name]; t != nil {
		return t.shape(m.batch)
	}
	return nil
}

// OutputShape returns the shape of an output at the current batch, or nil.
func (m *Model) OutputShape(name string) []int64 {
	if t := m.outByName[name]; t != nil {
		return t.shape(m.batch)
	}
	return nil
}

// AppendOutputShape appends the shape of an output at the current batch to
// dst and returns it (dst unchanged for an unknown name): OutputShape
// without its allocation, for per-frame code.
func (m *Model) AppendOutputShape(dst []int64, name string) []int64 {
	t := m.outByName[name]
	if t == nil {
		return dst
	}
	n := len(dst)
	dst = append(dst, t.dims...)
	if t.batched {
		dst[n] = int64(m.batch)
	}
	return dst
}

// InputNames returns the model's input names in the model's order.
func (m *Model) InputNames() []string { return append([]string(nil), m.inNames...) }

// OutputNames returns the model's output names in the model's order.
func (m *Model) OutputNames() []string { return append([]string(nil), m.outNames...) }

// NumOutputs returns the number of outputs; with OutputName it walks them
// without OutputNames' copy, for per-frame code.
func (m *Model) NumOutputs() int { return len(m.outNames) }

// OutputName returns the name of output i, in the model's order.
func (m *Model) OutputName(i int) string { return m.outNames[i] }

// Card returns the model's card.
func (m *Model) Card() *Card { return m.card }

// Provider returns the ONNX Runtime execution provider that runs the model:
// "TensorrtExecutionProvider", "CUDAExecutionProvider" or
// "CPUExecutionProvider". ONNX Runtime may still place single operators that
// the provider lacks on the CPU.
func (m *Model) Provider() string { return m.provider }

// Precision returns "fp16" when TensorRT builds fp16 engines (Config.FP16)
// or the model's tensors are float16, else "fp32".
func (m *Model) Precision() string { return m.precision }

// EngineCacheDir returns the directory of the model's TensorRT engines and
// timing cache (see EngineCacheKey), or "" when TensorRT was not tried.
func (m *Model) EngineCacheDir() string { return m.engineDir }

// Fallbacks returns "provider: reason" for each preferred provider that
// failed before Provider was chosen.
func (m *Model) Fallbacks() []string { return append([]string(nil), m.fallbacks...) }

// Close releases the session and the tensors. The slices returned by Input
// and Output stay valid Go memory but are no longer used by the model.
func (m *Model) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	var err error
	if m.fixed != nil {
		err = m.fixed.Destroy()
		m.fixed = nil
	}
	if m.dyn != nil {
		err = errors.Join(err, m.dyn.Destroy())
		m.dyn = nil
	}
	m.owned.destroy()
	for _, vs := range m.views {
		vs.destroy()
	}
	m.views, m.owned, m.cur = nil, nil, nil
	return err
}

var ortErrorPrefix = regexp.MustCompile(`^.*\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : `)

// providerReason shortens an ONNX Runtime provider error to its message, and
// says what is missing when the library has no GPU providers, the machine
// has no NVIDIA driver, or TensorRT's libraries are not on the library path.
func providerReason(err error) string {
	s := ortErrorPrefix.ReplaceAllString(oneLine(err), "")
	switch {
	case strings.Contains(s, "libonnxruntime_providers_shared.so"):
		s = "this ONNX Runtime build has no GPU providers (scripts/gpu/setup.sh installs one; set " + EnvLibrary + " to it): " + s
	case strings.Contains(s, "libcuda.so.1"):
		s = "no NVIDIA driver on this machine (libcuda.so.1 not found): " + s
	case strings.Contains(s, "libnvinfer.so") || strings.Contains(s, "libnvonnxparser.so"):
		s = "TensorRT's libraries are not on the library path (scripts/gpu/setup.sh's TENSORRT_LIB_DIR): " + s
	}
	return s
}

// oneLine squashes an error's message to one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
