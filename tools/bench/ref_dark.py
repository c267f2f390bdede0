#!/usr/bin/env python3
"""Times mmpose's own DARK decoding (get_heatmap_maximum, then
refine_keypoints_dark with blur kernel 11; mmpose 1.3.2's
codecs/utils) on the workload of pose/decode's BenchmarkDARKPerson: one
person's 17×64×48 heatmaps.

Not run in CI. Write the workload, then run this with scripts/golden.sh:
  GOPERCEPT_BENCH_DUMP=/tmp/bw go test -count=1 -run TestDumpDARKWorkload ./perception/pose/decode/
  GOPERCEPT_BENCH_DUMP=/tmp/bw scripts/golden.sh tools/bench/ref_dark.py
mmpose is loaded as pose/decode/testdata/gen_dark_golden.py loads it (its
two module files, without mmcv/mmengine/torch, which it does not use
here). Prints CPU time (time.process_time) per person, min and median.
"""
# golden-requires: --no-deps mmpose==1.3.2 numpy==1.26.4 opencv-python-headless==4.10.0.84
import os
import statistics
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "perception", "pose", "decode", "testdata"))
from gen_dark_golden import load_mmpose  # noqa: E402  the loader, not a re-implementation

cv2.setNumThreads(1)
ROUNDS = int(os.environ.get("ROUNDS", "200"))
hm = np.fromfile(os.path.join(os.environ["GOPERCEPT_BENCH_DUMP"], "dark_person.bin"), "<f4").reshape(17, 64, 48)
get_heatmap_maximum, refine_keypoints_dark = load_mmpose()


def person(m):
    # As mmpose's MSRAHeatmap codec decodes with unbiased=True.
    kp, _ = get_heatmap_maximum(m)
    refine_keypoints_dark(kp[None], m, blur_kernel_size=11)


ts = []
for _ in range(ROUNDS):
    maps = [hm.copy() for _ in range(10)]  # the blur overwrites its input: copies made untimed
    t0 = time.process_time()
    for m in maps:
        person(m)
    ts.append((time.process_time() - t0) * 1e3 / 10)
print(f"numpy {np.__version__}, opencv {cv2.__version__} (1 thread), {ROUNDS}×10 persons")
print("mmpose DARK per person  min %.4f ms  median %.4f ms" % (min(ts), statistics.median(ts)))
