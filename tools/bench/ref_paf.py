#!/usr/bin/env python3
"""Times lightweight-human-pose-estimation.pytorch's own bottom-up decoding
(modules/keypoints.py: extract_keypoints for the 18 parts, then
group_keypoints, as demo.py runs them on the upsampled maps) on the
workload of pose/decode's BenchmarkPAFSixPeople: six people on 19 heatmaps
and 38 PAF channels of 328×184.

Not run in CI. Write the workload, then run this with scripts/golden.sh:
  GOPERCEPT_BENCH_DUMP=/tmp/bw go test -count=1 -run TestDumpPAFWorkload ./perception/pose/decode/
  GOPERCEPT_BENCH_DUMP=/tmp/bw scripts/golden.sh tools/bench/ref_paf.py
Prints CPU time (time.process_time) per frame, min and median.
"""
# golden-requires: numpy==1.26.4
# golden-reference: https://github.com/Daniil-Osokin/lightweight-human-pose-estimation.pytorch d23c284b09acf27a163e1febd511e7482cac25ed
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.environ["GOLDEN_SRC"], "lightweight-human-pose-estimation.pytorch"))
from modules.keypoints import extract_keypoints, group_keypoints  # noqa: E402  the reference's own code

ROUNDS = int(os.environ.get("ROUNDS", "50"))
work = os.environ["GOPERCEPT_BENCH_DUMP"]
H, W = 184, 328
# demo.py's layout: [H, W, C] after the network output's transpose.
heatmaps = np.fromfile(os.path.join(work, "paf_heatmaps.bin"), "<f4").reshape(19, H, W).transpose(1, 2, 0)
pafs = np.ascontiguousarray(np.fromfile(os.path.join(work, "paf_pafs.bin"), "<f4").reshape(38, H, W).transpose(1, 2, 0))


def frame(hm):
    all_keypoints_by_type = []
    total = 0
    for kpt_idx in range(18):  # the background channel is not decoded
        total += extract_keypoints(hm[:, :, kpt_idx], all_keypoints_by_type, total)
    return group_keypoints(all_keypoints_by_type, pafs)


ts = []
people = 0
for _ in range(ROUNDS):
    hm = np.ascontiguousarray(heatmaps)  # extract_keypoints zeroes low values in place: a fresh copy, untimed
    t0 = time.process_time()
    pose_entries, _ = frame(hm)
    ts.append((time.process_time() - t0) * 1e3)
    people = len(pose_entries)
print(f"numpy {np.__version__}, {people} people found, {ROUNDS} rounds")
print("lightweight-openpose extract+group  min %.3f ms  median %.3f ms" % (min(ts), statistics.median(ts)))
