#!/usr/bin/env python3
"""Writes knn_golden.bin: a ray-cast street scene, the per-pixel classes a
network might predict for its range image, and every point's class after
lidar-bonnetal's own KNN post-processing (train/tasks/semantic/postproc/
KNN.py) with RangeNet++'s settings: knn 5, search 5, sigma 1, cutoff 1.

Run with scripts/golden.sh (Debian's python3-torch and numpy; the reference
checked out under GOLDEN_SRC). Layout (little endian): uint32 N, H, W,
classes, knn, search; float32 fov_up_deg, fov_down_deg, sigma, cutoff;
N×3 float32 points (x, y, z); H×W float32 proj_range (−1 empty, as
LaserScan makes it); H×W uint16 pixel classes (the argmax fed to KNN,
empty pixels included); N uint16 classes KNN returned.
"""
# golden-apt: python3-torch python3-numpy
# golden-reference: https://github.com/PRBonn/lidar-bonnetal 99b827f0228ff0e997473ac8e2cecbaa4af7d7c7
import os
import struct
import sys

import numpy as np
import torch

train = os.path.join(os.environ["GOLDEN_SRC"], "lidar-bonnetal", "train")
sys.path.insert(0, os.path.join(train, "common"))
sys.path.insert(0, os.path.join(train, "tasks", "semantic", "postproc"))
from laserscan import LaserScan  # noqa: E402  lidar-bonnetal's own classes
from KNN import KNN  # noqa: E402

H, W, FOV_UP, FOV_DOWN = 32, 256, 3.0, -25.0
CLASSES = 20  # SemanticKITTI's 19 classes and "unlabeled"
CAR, PERSON, ROAD, SIDEWALK, BUILDING, VEGETATION, TERRAIN, POLE = 1, 6, 9, 11, 13, 15, 17, 18
PARAMS = {"knn": 5, "search": 5, "sigma": 1.0, "cutoff": 1.0}
rng = np.random.default_rng(11)

# A 40-beam sensor with irregular beam angles on a 32-row image: some rows
# get two beams (occluded points), some none (empty pixels).
beams = np.sort(rng.uniform(FOV_DOWN + 0.2, FOV_UP - 0.2, 40))
az = np.linspace(-np.pi, np.pi, 320, endpoint=False)
el = np.deg2rad(beams)[:, None] + np.zeros_like(az)[None, :]
az = az[None, :] + rng.normal(0, 0.002, el.shape)
d = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1).reshape(-1, 3)

t_hit = np.full(len(d), np.inf)
cls = np.zeros(len(d), np.int64)


def take(t, c):
    """Keeps the nearer of the current hit and t (inf: no hit) per ray."""
    better = (t > 0.3) & (t < t_hit)
    t_hit[better] = t[better]
    cls[better] = c if np.isscalar(c) else c[better]


def box(lo, hi, c):
    lo, hi = np.array(lo, float), np.array(hi, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = (lo - 0) / d, (hi - 0) / d
    tn = np.nanmax(np.minimum(a, b), axis=1)
    tf = np.nanmin(np.maximum(a, b), axis=1)
    take(np.where((tn <= tf) & (tf > 0), tn, np.inf), c)


def cylinder(cx, cy, r, z0, z1, c):
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = -2 * (d[:, 0] * cx + d[:, 1] * cy)
    q = cx * cx + cy * cy - r * r
    disc = b * b - 4 * a * q
    t = np.where(disc >= 0, (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a), np.inf)
    z = t * d[:, 2]
    take(np.where((z >= z0) & (z <= z1), t, np.inf), c)


def sphere(cx, cy, cz, r, c):
    b = -2 * (d @ np.array([cx, cy, cz]))
    q = cx * cx + cy * cy + cz * cz - r * r
    disc = b * b - 4 * q
    take(np.where(disc >= 0, (-b - np.sqrt(np.maximum(disc, 0))) / 2, np.inf), c)


ground = -1.73
with np.errstate(divide="ignore"):
    tg = np.where(d[:, 2] < 0, ground / d[:, 2], np.inf)
gy = np.abs(tg * d[:, 1])
take(tg, np.where(gy < 4, ROAD, np.where(gy < 6, SIDEWALK, TERRAIN)))
box([-40, 12, ground], [45, 13, 6], BUILDING)
box([-60, -15, ground], [8, -14, 9], BUILDING)
box([20, -30, ground], [22, -15, 7], BUILDING)
for x, y, yaw_len in [(8, -2.5, 4.2), (15, 2.2, 4.5), (-9, -2.4, 4.0), (-18, 2.6, 4.4), (30, -2.2, 4.6)]:
    box([x, y - 0.9, ground], [x + yaw_len, y + 0.9, ground + 1.5], CAR)
for x, y in [(5, 4.8), (-4, -5.2), (23, 5.1)]:
    box([x, y, ground], [x + 0.5, y + 0.5, ground + 1.8], PERSON)
for x in [-30, -15, 0, 12, 26, 40]:
    cylinder(x, 6.5, 0.15, ground, ground + 6, POLE)
for x, y, r in [(-6, 8, 2.5), (18, 9, 3.0), (35, -9, 3.5), (-25, -10, 2.8)]:
    sphere(x, y, ground + 3.5, r, VEGETATION)

hit = t_hit < 80
t_hit = t_hit[hit] + rng.normal(0, 0.02, hit.sum())
pts = (d[hit] * t_hit[:, None]).astype(np.float32)
gt = cls[hit]

scan = LaserScan(project=True, H=H, W=W, fov_up=FOV_UP, fov_down=FOV_DOWN)
scan.set_points(pts, np.zeros(len(pts), np.float32))
n = len(pts)

# What a network might predict per pixel: the class of the point shown
# there, blurred at borders, with noise, some "unlabeled" pixels, and
# arbitrary classes on empty pixels (a network predicts there too).
idx = scan.proj_idx
pred = np.where(idx >= 0, gt[np.maximum(idx, 0)], rng.integers(0, CLASSES, idx.shape))
blur = rng.random(idx.shape) < 0.10
sy = np.clip(np.arange(H)[:, None] + rng.integers(-1, 2, idx.shape), 0, H - 1)
sx = np.clip(np.arange(W)[None, :] + rng.integers(-1, 2, idx.shape), 0, W - 1)
pred = np.where(blur, pred[sy, sx], pred)
noise = rng.random(idx.shape) < 0.03
pred = np.where(noise, rng.integers(1, CLASSES, idx.shape), pred)
pred = np.where(rng.random(idx.shape) < 0.03, 0, pred)

# As user.py calls it: un-batched tensors, long pixel coordinates.
knn = KNN(PARAMS, CLASSES)
with torch.no_grad():
    out = knn(torch.from_numpy(scan.proj_range), torch.from_numpy(scan.unproj_range),
              torch.from_numpy(pred.astype(np.int64)),
              torch.from_numpy(scan.proj_x.astype(np.int64)), torch.from_numpy(scan.proj_y.astype(np.int64)))
out = out.numpy()
print("points", n, "empty pixels", int((idx < 0).sum()), "torch", torch.__version__, file=sys.stderr)

with open("knn_golden.bin", "wb") as f:
    f.write(struct.pack("<6I4f", n, H, W, CLASSES, PARAMS["knn"], PARAMS["search"], FOV_UP, FOV_DOWN,
                        PARAMS["sigma"], PARAMS["cutoff"]))
    f.write(pts.astype("<f4").tobytes())
    f.write(scan.proj_range.astype("<f4").tobytes())
    f.write(pred.astype("<u2").tobytes())
    f.write(out.astype("<u2").tobytes())
