# golden-requires: --no-deps mmpose==1.3.2 numpy==1.26.4 opencv-python-headless==4.10.0.84
"""Writes dark_golden.bin: heatmaps and the keypoints mmpose's own
refine_keypoints_dark (mmpose 1.3.2, mmpose/codecs/utils/refinement.py, with
its gaussian_blur calling OpenCV's GaussianBlur at sigma 0) gives for them.

The Go test TestDARKAgainstMMPose reads the file and checks decode.DARK.
mmpose is installed without its dependencies (mmcv, mmengine and torch do
not install here) and only the two module files are loaded: torch is
imported at the top of post_processing.py but used only by functions this
generator never calls, so a placeholder module stands in for it.

Layout (little-endian): int32 magic 0x4b524144 ("DARK"), n, h, w, nk, then
nk int32 kernel sizes, then n·h·w float32 heatmaps, then for each kernel
n·2 float32 (x, y) in heatmap cells.
"""
import importlib.util
import os
import struct
import sys
import types

import numpy as np

KERNELS = [3, 5, 7, 9, 11, 13, 15, 17]
H, W = 40, 32


def load_mmpose():
    spec = importlib.util.find_spec("mmpose")
    utils = os.path.join(os.path.dirname(spec.origin), "codecs", "utils")
    torch = types.ModuleType("torch")
    torch.Tensor = object
    torch.nn = types.ModuleType("torch.nn")
    torch.nn.functional = types.ModuleType("torch.nn.functional")
    sys.modules.update({"torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional})
    # Parent packages without their __init__ (which imports mmcv/mmengine).
    for name, path in [("mmpose", os.path.dirname(spec.origin)), ("mmpose.codecs", os.path.dirname(utils)), ("mmpose.codecs.utils", utils)]:
        m = types.ModuleType(name)
        m.__path__ = [path]
        sys.modules[name] = m
    mods = {}
    for name in ["post_processing", "refinement"]:
        full = "mmpose.codecs.utils." + name
        s = importlib.util.spec_from_file_location(full, os.path.join(utils, name + ".py"))
        m = importlib.util.module_from_spec(s)
        sys.modules[full] = m
        s.loader.exec_module(m)
        mods[name] = m
    return mods["post_processing"].get_heatmap_maximum, mods["refinement"].refine_keypoints_dark


def blob(rng, cx, cy, sigma, peak=1.0):
    ys, xs = np.mgrid[0:H, 0:W]
    return peak * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma * sigma))


def heatmaps(rng):
    maps = []
    # Uniform noise: the argmax anywhere, a rough neighbourhood.
    for _ in range(5):
        maps.append(rng.uniform(0, 1, (H, W)))
    # One person's heatmap as a model gives it: a Gaussian at a sub-cell
    # centre (the sigmas mmpose trains with), a little noise, a lower peak.
    for _ in range(12):
        s = rng.choice([1.0, 1.5, 2.0, 3.0])
        m = blob(rng, rng.uniform(4, W - 5), rng.uniform(4, H - 5), s, rng.uniform(0.3, 1.0))
        maps.append(m + rng.normal(0, 0.01, (H, W)) * m.max())
    # Two blobs (the higher wins), and elongated blobs (Hessian off-diagonal).
    for _ in range(3):
        m = blob(rng, rng.uniform(4, W - 5), rng.uniform(4, H - 5), 2.0, 0.9)
        maps.append(m + blob(rng, rng.uniform(4, W - 5), rng.uniform(4, H - 5), 1.5, 0.6))
    for _ in range(3):
        cx, cy, a = rng.uniform(6, W - 7), rng.uniform(6, H - 7), rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:H, 0:W]
        u = (xs - cx) * np.cos(a) + (ys - cy) * np.sin(a)
        v = -(xs - cx) * np.sin(a) + (ys - cy) * np.cos(a)
        maps.append(np.exp(-u * u / (2 * 3.0**2) - v * v / (2 * 1.2**2)))
    # Peaks near the border: within two cells (left unrefined) and just
    # inside (the blur reads past the edge).
    for cx, cy in [(1.2, 20.3), (2.4, 3.6), (W - 2.6, H - 3.3), (15.5, H - 1.4)]:
        maps.append(blob(rng, cx, cy, 2.0))
    return np.stack(maps).astype(np.float32)


def main():
    get_heatmap_maximum, refine_keypoints_dark = load_mmpose()
    rng = np.random.default_rng(7)
    hm = heatmaps(rng)
    n = hm.shape[0]
    out = [struct.pack("<5i", 0x4B524144, n, H, W, len(KERNELS)), struct.pack(f"<{len(KERNELS)}i", *KERNELS), hm.astype("<f4").tobytes()]
    locs, vals = get_heatmap_maximum(hm.copy())
    assert (vals > 0).all()  # a non-positive maximum is marked -1 before refinement
    for k in KERNELS:
        # One instance, n keypoints; refine_keypoints_dark blurs in place.
        kp = refine_keypoints_dark(locs.copy()[None], hm.copy(), blur_kernel_size=k)[0]
        out.append(kp.astype("<f4").tobytes())
    with open("dark_golden.bin", "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main()
