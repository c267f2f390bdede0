#!/usr/bin/env python3
"""Writes ioueval_golden.bin: random per-point predictions and ground truth
over SemanticKITTI's 20 classes (0 ignored), and the per-class IoU, mean
IoU and accuracy that semantic-kitti-api's own iouEval (auxiliary/
np_ioueval.py, the evaluator of evaluate_semantics.py) reports for them.

Run with scripts/golden.sh. Layout (little endian): uint32 N, classes,
ignored class; N uint16 predictions; N uint16 ground truth; classes float64
IoU; float64 mean IoU; float64 accuracy.
"""
# golden-requires: numpy==1.26.4
# golden-reference: https://github.com/PRBonn/semantic-kitti-api a9c749e8124b2243b6eef1b8bcf971a9f1173a2d
import contextlib
import io
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.environ["GOLDEN_SRC"], "semantic-kitti-api"))
from auxiliary.np_ioueval import iouEval  # noqa: E402  semantic-kitti-api's own

CLASSES, IGNORE = 20, 0
rng = np.random.default_rng(3)
n = 20000
# Skewed class frequencies; classes 5 and 7 absent from both ground truth
# and predictions (their union is 0), 12 only in the ground truth, 14 only
# predicted, and predictions of the ignored class 0 (misses, no one's FP).
freq = rng.gamma(0.7, 1.0, CLASSES)
freq[[5, 7, 14]] = 0
freq /= freq.sum()
gt = rng.choice(CLASSES, n, p=freq)
pred = np.where(rng.random(n) < 0.7, gt, rng.choice(CLASSES, n, p=freq))
pred[pred == 12] = 1
pred[rng.random(n) < 0.02] = 14
pred[rng.random(n) < 0.02] = 0
assert not ((gt == 5) | (gt == 7) | (pred == 5) | (pred == 7)).any()

with contextlib.redirect_stdout(io.StringIO()):  # it prints its include list
    ev = iouEval(CLASSES, [IGNORE])
ev.addBatch(pred, gt)
miou, iou = ev.getIoU()
acc = ev.getacc()
print("mIoU", miou, "acc", acc, file=sys.stderr)

with open("ioueval_golden.bin", "wb") as f:
    f.write(struct.pack("<3I", n, CLASSES, IGNORE))
    f.write(pred.astype("<u2").tobytes())
    f.write(gt.astype("<u2").tobytes())
    f.write(iou.astype("<f8").tobytes())
    f.write(struct.pack("<2d", miou, acc))
