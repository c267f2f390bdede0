// Package infer is the one inference wrapper every gopercept model runs
// through: it finds and loads the ONNX Runtime library, reads the model card
// that sits beside each model, checks the model against its card, picks an
// execution provider (TensorRT, CUDA, CPU, in the caller's order of
// preference, falling back with the reason logged) and runs the model on
// tensors allocated once and reused across frames.
//
// # Files
//
// A model is a pair of files: model.onnx and model.card.yaml (in general
// "<stem>.onnx" and "<stem>.card.yaml"). See Card for the card's fields.
//
// # ONNX Runtime
//
// The library is ONNX Runtime 1.30.0 for linux/x86_64, fetched into the
// project cache .cache/ort/1.30.0/libonnxruntime.so.1 by scripts/fetch-ort.sh
// (make ort) and checked against a pinned SHA-256 (LibrarySHA256). A vehicle's
// GPU build of the library is named by GOPERCEPT_ORT_LIB instead. Init loads
// the library once per process; Open calls it.
//
// # GPU
//
// scripts/gpu/setup.sh installs the GPU build of the same release with its
// CUDA and TensorRT providers and the CUDA libraries (GPULibrary) and writes
// an env.sh that sets GOPERCEPT_ORT_LIB and LD_LIBRARY_PATH. Config.DeviceID
// picks the GPU, Config.FP16 lets TensorRT build fp16 engines, and
// BuildEngine builds and caches a model's TensorRT engines ahead of a run
// (the nodes' build_engine_only parameter). A provider that cannot start
// (no driver, TensorRT's libraries missing, a CPU-only build) is skipped
// with the reason in the one line Open logs.
//
// # Tensors
//
// Open allocates every input and output once. Model.Input and Model.Output
// return the tensors' backing slices: fill the input in place, call Run, read
// the output in place. Run does not allocate for models whose shapes are all
// fixed or have a dynamic batch, on the CPU. A model whose first dimension
// is dynamic (a batch of pose crops, [N,3,256,192]) takes its batch size
// from SetBatch, which reallocates only when the batch outgrows the capacity
// reached so far. Other dynamic dimensions get their sizes from Config.Dims
// by the symbolic names on the card.
//
// # Tests
//
// The tests run on the real library and fail, never skip, when it is
// missing: run scripts/fetch-ort.sh (make ort) first. Package onnxbuild
// writes the small ONNX models they use, and is there for other packages'
// tests too.
//
// A Model is not safe for concurrent use; give each goroutine its own.
package infer
