#!/usr/bin/env python3
"""Times BEV pooling with torch's index_add_ on the workloads of bev/lss's
BenchmarkPool (the nuScenes rig, 1.59 M of 6×118×32×88 frustum points kept)
and BenchmarkPoolUniform (all 1.99 M points, cells uniformly spread): 80
channels into 256×256 cells.

The sort by cell is cached (done once per geometry, as BEVFusion's
precomputation and ours are); each round does what a frame does: the
features to channels-last, the per-point products and the index_add_
into the cells. The result stays [cells, C] (no final transpose, which
would only add to torch's time). Not run in CI:
  GOPERCEPT_BENCH_DUMP=/tmp/bw go test -count=1 -run TestDumpPoolWorkload ./perception/bev/lss/
  GOPERCEPT_BENCH_DUMP=/tmp/bw scripts/golden.sh tools/bench/ref_pool.py
Prints CPU time (time.process_time) per frame, min and median, at one torch
thread and at two (THREADS=1 for one only).
"""
# golden-apt: python3-torch python3-numpy
import os
import statistics
import time

import numpy as np
import torch

N, D, FH, FW, C, CELLS = 6, 118, 32, 88, 80, 256 * 256
ROUNDS = int(os.environ.get("ROUNDS", "10"))
work = os.environ["GOPERCEPT_BENCH_DUMP"]
depth = torch.from_numpy(np.fromfile(os.path.join(work, "pool_depth.bin"), "<f4")).reshape(N, D, FH, FW)
feat = torch.from_numpy(np.fromfile(os.path.join(work, "pool_feat.bin"), "<f4")).reshape(N, C, FH, FW)


def frame_index_add(depth_idx, feat_idx, cell):
    featT = feat.permute(0, 2, 3, 1).reshape(-1, C)
    x = featT[feat_idx] * depth.reshape(-1)[depth_idx][:, None]
    out = torch.zeros(CELLS, C)
    out.index_add_(0, cell, x)
    return out


def frame_index_put(depth_idx, feat_idx, cell):
    # The same sum through index_put_ with accumulate, torch's other
    # scatter-add; the faster of the two is the reference.
    featT = feat.permute(0, 2, 3, 1).reshape(-1, C)
    x = featT[feat_idx] * depth.reshape(-1)[depth_idx][:, None]
    out = torch.zeros(CELLS, C)
    out.index_put_((cell,), x, accumulate=True)
    return out


for threads in [int(t) for t in os.environ.get("THREADS", "1,2").split(",")]:
    torch.set_num_threads(threads)
    for name in ("rig", "uniform"):
        pts = torch.from_numpy(np.fromfile(os.path.join(work, f"pool_{name}.bin"), "<i4").reshape(-1, 2).astype(np.int64))
        depth_idx, cell = pts[:, 0].contiguous(), pts[:, 1].contiguous()
        feat_idx = (depth_idx // (D * FH * FW)) * (FH * FW) + depth_idx % (FH * FW)
        for fname, frame in (("index_add_", frame_index_add), ("index_put_", frame_index_put)):
            ts = []
            for _ in range(ROUNDS):
                t0 = time.process_time()
                frame(depth_idx, feat_idx, cell)
                ts.append((time.process_time() - t0) * 1e3)
            print(f"torch {torch.__version__} {fname} {threads} thread(s), {name}, {len(cell)} points: min %.1f ms  median %.1f ms" % (min(ts), statistics.median(ts)))
