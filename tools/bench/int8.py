#!/usr/bin/env python3
"""int8.py: does int8 pay on this CPU? Quantizes an ONNX model with ONNX
Runtime's static quantizer (per-channel int8 weights, uint8 activations; QDQ
and QOperator formats) and times fp32 and both int8 forms in alternating
rounds, two intra-op threads and no spinning, as the nodes run them. Timing
only: the calibration reads random inputs, so the int8 models' outputs are
not meant to be used.

  python3 -m venv .cache/int8-venv
  .cache/int8-venv/bin/pip install onnxruntime==1.30.0 onnx==1.23.2 numpy==2.4.6 sympy==1.14.0
  .cache/int8-venv/bin/python tools/bench/int8.py models/lidarseg-small.onnx 1,5,64,2048

Prints p50 / p95 in ms per model and round.
"""
import os
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quant_pre_process, quantize_static


class RandomInputs(CalibrationDataReader):
    def __init__(self, name, shape, n=4):
        rng = np.random.default_rng(0)
        self.it = iter([{name: rng.standard_normal(shape).astype(np.float32)} for _ in range(n)])

    def get_next(self):
        return next(self.it, None)


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: int8.py MODEL.onnx N,C,H,W")
    src, shape = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    name = session(src).get_inputs()[0].name
    tmp = tempfile.mkdtemp(prefix="int8-")
    pre = os.path.join(tmp, "pre.onnx")
    quant_pre_process(src, pre)
    models = {"fp32": src}
    for fmt, qf in (("int8-qdq", QuantFormat.QDQ), ("int8-qop", QuantFormat.QOperator)):
        models[fmt] = os.path.join(tmp, fmt + ".onnx")
        quantize_static(pre, models[fmt], RandomInputs(name, shape), quant_format=qf, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    sessions = {k: session(p) for k, p in models.items()}
    x = {name: np.random.default_rng(1).standard_normal(shape).astype(np.float32)}
    for s in sessions.values():
        for _ in range(3):
            s.run(None, x)
    for r in range(3):
        for k, s in sessions.items():
            ts = []
            for _ in range(20):
                t = time.perf_counter()
                s.run(None, x)
                ts.append((time.perf_counter() - t) * 1e3)
            print(f"round {r} {k:9s} p50 {np.percentile(ts, 50):6.1f} ms  p95 {np.percentile(ts, 95):6.1f} ms", flush=True)


if __name__ == "__main__":
    main()
