#!/usr/bin/env python3
"""Writes projection_golden.bin: a random cloud and the pixel of every point
as lidar-bonnetal's numpy range projection computes it (float32 arithmetic).

Run with numpy installed:  python3 gen_projection_golden.py
Layout (little endian): uint32 N, H, W; float32 fov_up_deg, fov_down_deg;
N×4 float32 points (x, y, z, remission); N int32 proj_x; N int32 proj_y;
H×W int32 proj_idx (−1 empty).
"""
import struct
import numpy as np

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

depth = np.linalg.norm(pts[:, 0:3], 2, axis=1)
x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
fov_up = FOV_UP / 180.0 * np.pi
fov_down = FOV_DOWN / 180.0 * np.pi
fov = abs(fov_down) + abs(fov_up)
yaw = -np.arctan2(y, x)
pitch = np.arcsin(z / depth)
proj_x = 0.5 * (yaw / np.pi + 1.0)
proj_y = 1.0 - (pitch + abs(fov_down)) / fov
proj_x *= W
proj_y *= H
proj_x = np.maximum(0, np.minimum(W - 1, np.floor(proj_x))).astype(np.int32)
proj_y = np.maximum(0, np.minimum(H - 1, np.floor(proj_y))).astype(np.int32)
assert depth.dtype == np.float32 and proj_x.dtype == np.int32
order = np.argsort(depth, kind="stable")[::-1]
idx = np.full((H, W), -1, dtype=np.int32)
idx[proj_y[order], proj_x[order]] = np.arange(n, dtype=np.int32)[order]

with open("projection_golden.bin", "wb") as f:
    f.write(struct.pack("<3I2f", n, H, W, FOV_UP, FOV_DOWN))
    f.write(pts.astype("<f4").tobytes())
    f.write(proj_x.astype("<i4").tobytes())
    f.write(proj_y.astype("<i4").tobytes())
    f.write(idx.astype("<i4").tobytes())
