"""Makes the batch dimension (dim 0) of a model's inputs and outputs symbolic.

Used for models/bev-small-camera.onnx, whose encoder is convolutions only:
each camera image is encoded on its own, so one file serves rigs of 1 to 8
cameras (the node sets the batch to its camera count). Outputs are bit-for-bit
those of the fixed-batch export (checked below with ONNX Runtime).

    python dynamic_batch.py IN.onnx OUT.onnx      (onnx, onnxruntime, numpy)
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
fixed = {i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input}
for v in list(m.graph.input) + list(m.graph.output):
    v.type.tensor_type.shape.dim[0].ClearField("dim_value")
    v.type.tensor_type.shape.dim[0].dim_param = "N"
del m.graph.value_info[:]  # inferred shapes that still say the fixed batch
onnx.checker.check_model(m)
onnx.save(m, dst)

a = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
b = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
name = a.get_inputs()[0].name
shape = fixed[name]
x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
want = a.run(None, {name: x})
for n in (1, 4, shape[0], 8):
    xn = np.concatenate([x, x])[:n]
    got = b.run(None, {name: xn})
    k = min(n, shape[0])
    for w, g in zip(want, got):
        assert g.shape[0] == n and np.array_equal(w[:k], g[:k]), f"batch {n} differs"
print(f"{dst}: batch dynamic; batches 1, 4, {shape[0]}, 8 equal the fixed export")
