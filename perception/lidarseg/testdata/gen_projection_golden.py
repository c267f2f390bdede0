#!/usr/bin/env python3
"""Writes projection_golden.bin: a random cloud and the pixel of every point
as lidar-bonnetal's own LaserScan.do_range_projection computes it.

Run with scripts/golden.sh (it checks the reference out under GOLDEN_SRC).
Layout (little endian): uint32 N, H, W; float32 fov_up_deg, fov_down_deg;
N×4 float32 points (x, y, z, remission); N int32 proj_x; N int32 proj_y;
H×W int32 proj_idx (−1 empty).
"""
# golden-requires: numpy==1.26.4
# golden-reference: https://github.com/PRBonn/lidar-bonnetal 99b827f0228ff0e997473ac8e2cecbaa4af7d7c7
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.environ["GOLDEN_SRC"], "lidar-bonnetal", "train", "common"))
from laserscan import LaserScan  # noqa: E402  lidar-bonnetal's own class

H, W, FOV_UP, FOV_DOWN = 32, 256, 3.0, -25.0
rng = np.random.default_rng(7)
n = 6000
r = rng.uniform(0.5, 80.0, n)
az = rng.uniform(-np.pi, np.pi, n)
el = np.deg2rad(rng.uniform(-30.0, 6.0, n))
pts = np.stack([r * np.cos(el) * np.cos(az), r * np.cos(el) * np.sin(az), r * np.sin(el), rng.uniform(0, 1, n)], axis=1)
# Edge cases: directly behind (yaw ±π), on the axes, on column and row
# boundaries, above and below the field of view.
extra = []
for k in range(W + 1):
    a = -np.pi + 2 * np.pi * k / W
    extra.append([10 * np.cos(a), -10 * np.sin(a), -1.0, 0.5])
for k in range(H + 1):
    p = np.deg2rad(FOV_UP) - np.deg2rad(FOV_UP - FOV_DOWN) * k / H
    extra.append([20 * np.cos(p), 0.0, 20 * np.sin(p), 0.5])
extra += [[-5, 0, 0, 0.1], [-5, -0.0, 0, 0.1], [5, 0, 0, 0.1], [0, 5, 0, 0.1], [0, -5, 0, 0.1],
          [3, 1, 9, 0.2], [3, 1, -9, 0.2], [0, 0, 4, 0.3], [0, 0, -4, 0.3]]
pts = np.concatenate([pts, np.array(extra)]).astype(np.float32)
n = pts.shape[0]

# As LaserScan.open_scan hands a .bin scan over: float32 xyz and remission.
scan = LaserScan(project=True, H=H, W=W, fov_up=FOV_UP, fov_down=FOV_DOWN)
scan.set_points(np.ascontiguousarray(pts[:, 0:3]), np.ascontiguousarray(pts[:, 3]))
assert scan.unproj_range.dtype == np.float32 and scan.proj_x.dtype == np.int32
# Where two points share a pixel and their float32 range, the one written
# there is the one numpy's unstable argsort puts last: the Go test names
# that exception (the cloud has such ties).
with open("projection_golden.bin", "wb") as f:
    f.write(struct.pack("<3I2f", n, H, W, FOV_UP, FOV_DOWN))
    f.write(pts.astype("<f4").tobytes())
    f.write(scan.proj_x.astype("<i4").tobytes())
    f.write(scan.proj_y.astype("<i4").tobytes())
    f.write(scan.proj_idx.astype("<i4").tobytes())
