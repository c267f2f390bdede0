#!/usr/bin/env python3
"""Times lidar-bonnetal's own LaserScan range projection (numpy) and KNN
post-processing (torch) on the workloads of lidarseg's BenchmarkProject,
BenchmarkKNN and BenchmarkKNNRandom: 131,072 points into 64×2048, S5 k5.

Not run in CI. Write the workload, then run this with scripts/golden.sh:
  GOPERCEPT_BENCH_DUMP=/tmp/bw go test -count=1 -run TestDumpBenchWorkload ./perception/lidarseg/
  GOPERCEPT_BENCH_DUMP=/tmp/bw scripts/golden.sh tools/bench/ref_lidarseg.py
It prints, per kernel, the CPU time (time.process_time, all threads) of
the fastest and the median of the rounds, in ms, single-threaded (torch
set to one thread; numpy's code here is single-threaded).
"""
# golden-apt: python3-torch python3-numpy
# golden-reference: https://github.com/PRBonn/lidar-bonnetal 99b827f0228ff0e997473ac8e2cecbaa4af7d7c7
import os
import statistics
import sys
import time

import numpy as np
import torch

train = os.path.join(os.environ["GOLDEN_SRC"], "lidar-bonnetal", "train")
sys.path.insert(0, os.path.join(train, "common"))
sys.path.insert(0, os.path.join(train, "tasks", "semantic", "postproc"))
from laserscan import LaserScan  # noqa: E402  lidar-bonnetal's own classes
from KNN import KNN  # noqa: E402

H, W, FOV_UP, FOV_DOWN = 64, 2048, 3.0, -25.0
ROUNDS = int(os.environ.get("ROUNDS", "30"))
work = os.environ["GOPERCEPT_BENCH_DUMP"]
torch.set_num_threads(1)

cloud = np.fromfile(os.path.join(work, "cloud.bin"), "<f4").reshape(-1, 4)
# LaserScan.open_scan's arrays: float32 xyz and remission. The sweep's NaN
# points are dropped, as the .bin scans lidar-bonnetal reads have none.
cloud = cloud[np.isfinite(cloud).all(1)]
xyz, rem = np.ascontiguousarray(cloud[:, :3]), np.ascontiguousarray(cloud[:, 3])


def timed(fn):
    ts = []
    for _ in range(ROUNDS):
        t0 = time.process_time()
        fn()
        ts.append((time.process_time() - t0) * 1e3)
    return min(ts), statistics.median(ts)


scan = LaserScan(project=True, H=H, W=W, fov_up=FOV_UP, fov_down=FOV_DOWN)
print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} thread), {len(xyz)} points, {ROUNDS} rounds")
print("LaserScan.set_points (projection)  min %.2f ms  median %.2f ms" % timed(lambda: scan.set_points(xyz, rem)))

scan.set_points(xyz, rem)
knn = KNN({"knn": 5, "search": 5, "sigma": 1.0, "cutoff": 1.0}, 20)
args = (torch.from_numpy(scan.proj_range), torch.from_numpy(scan.unproj_range))
px, py = torch.from_numpy(scan.proj_x.astype(np.int64)), torch.from_numpy(scan.proj_y.astype(np.int64))
for name in ["realistic", "random"]:
    labels = np.fromfile(os.path.join(work, f"labels_{name}.bin"), "<u2").reshape(H, W)
    argmax = torch.from_numpy(labels.astype(np.int64))
    with torch.no_grad():
        print(f"KNN {name} labels".ljust(36) + "min %.2f ms  median %.2f ms" % timed(lambda: knn(*args, argmax, px, py)))
