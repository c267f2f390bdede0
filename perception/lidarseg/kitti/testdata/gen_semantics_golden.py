#!/usr/bin/env python3
"""Writes a two-scan SemanticKITTI sequence (sequences/08/labels and
sequences/08/predictions, raw ids with instance bits) and
semantics_golden.json: the scores semantic-kitti-api's own
evaluate_semantics.py gives it (its --codalab scores.txt).

Run with scripts/golden.sh.
"""
# golden-requires: numpy==1.26.4 pyyaml==6.0.1
# golden-reference: https://github.com/PRBonn/semantic-kitti-api a9c749e8124b2243b6eef1b8bcf971a9f1173a2d
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import yaml

api = os.path.join(os.environ["GOLDEN_SRC"], "semantic-kitti-api")
cfg = yaml.safe_load(open(os.path.join(api, "config", "semantic-kitti.yaml")))
lmap = cfg["learning_map"]
rng = np.random.default_rng(5)

# Every raw id of the label map but the motorcyclist's (32, 255): that class
# is absent from ground truth and predictions and scores 0 in the mean.
raw_ids = np.array(sorted(k for k in lmap if k not in (32, 255)), dtype=np.uint32)
seq = os.path.join("semantic_kitti", "sequences", "08")
shutil.rmtree("semantic_kitti", ignore_errors=True)
for d in ("labels", "predictions"):
    os.makedirs(os.path.join(seq, d))
for scan, n in (("000000", 3000), ("000001", 2500)):
    gt = rng.choice(raw_ids, n)
    # Right class (often another raw id of it: moving car for car) 70 % of
    # the time, else any raw id; instance ids in the upper 16 bits.
    same = np.array([rng.choice([k for k in raw_ids if lmap[k] == lmap[g]]) for g in gt], dtype=np.uint32)
    pred = np.where(rng.random(n) < 0.7, same, rng.choice(raw_ids, n)).astype(np.uint32)
    gt = gt | (rng.integers(0, 50, n, dtype=np.uint32) << 16)
    pred = pred | (rng.integers(0, 50, n, dtype=np.uint32) << 16)
    gt.astype("<u4").tofile(os.path.join(seq, "labels", scan + ".label"))
    pred.astype("<u4").tofile(os.path.join(seq, "predictions", scan + ".label"))

out = tempfile.mkdtemp()
root = os.path.abspath("semantic_kitti")
subprocess.run([sys.executable, "evaluate_semantics.py", "--dataset", root, "--predictions", root,
                "--split", "valid", "--codalab", out], cwd=api, check=True, stdout=subprocess.DEVNULL)
scores = yaml.safe_load(open(os.path.join(out, "scores.txt")))
with open("semantics_golden.json", "w") as f:
    json.dump(scores, f, indent=1, sort_keys=True)
    f.write("\n")
