#!/usr/bin/env python3
"""Writes the real photographs pose2d's MoveNet test runs on.

Source: scikit-image 0.25.2's PyPI wheel (cp311 manylinux x86_64), whose
skimage/data/ ships astronaut.png (Eileen Collins, NASA: "No known copyright
restrictions, released into the public domain", per skimage.data.astronaut)
and camera.png (a cameraman, "CC0 by the photographer (Lav Varshney)", per
skimage.data.camera). Both are 512x512; they are re-encoded as JPEG quality 90
(same size) to keep the repository small; camera.png is grey and stays grey
(the node reads it as rgb8 with equal channels).

The third photograph, grace_hopper.jpg (512x600, so the node's letterbox
pads it), comes from matplotlib 3.11.2's PyPI wheel (cp311 manylinux x86_64),
mpl-data/sample_data/grace_hopper.jpg, copied byte for byte: a U.S. Navy
official photograph, public domain as a work of the U.S. federal government
(the JPEG's own comment names its source, Wikimedia Commons
File:Grace_Hopper.jpg).

Run once, by hand, with the converter venv (TensorFlow encodes the JPEG):
  pip download --no-deps scikit-image==0.25.2 --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_17_x86_64 -d .cache/convert/skimage
  pip download --no-deps matplotlib==3.11.2 --only-binary=:all: \
      --python-version 3.11 --platform manylinux2014_x86_64 -d .cache/convert/mpl
  .cache/convert/venv/bin/python nodes/pose2d/testdata/gen_photos.py \
      .cache/convert/skimage/scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
      .cache/convert/mpl/matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
The keypoints in photos.json were marked by hand on these JPEGs (not by a model).
"""
import hashlib
import os
import sys
import zipfile

WHEEL_SHA256 = "24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641"
MPL_WHEEL_SHA256 = "07d9b9fa60cd4c393692f50d0bb03123242ddf61c99bb0e95e75feb354e7c1a8"
HOPPER_SHA256 = "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130"


def checked(path, want):
    data = open(path, "rb").read()
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise SystemExit(f"{path}: sha256 {got}, want {want}")
    return data


def main():
    import tensorflow as tf
    checked(sys.argv[1], WHEEL_SHA256)
    here = os.path.dirname(os.path.abspath(__file__))
    with zipfile.ZipFile(sys.argv[1]) as z:
        for name in ("astronaut", "camera"):
            png = z.read(f"skimage/data/{name}.png")
            img = tf.io.decode_png(png, channels=3)
            jpg = tf.io.encode_jpeg(img, quality=90).numpy()
            out = os.path.join(here, f"{name}.jpg")
            with open(out, "wb") as f:
                f.write(jpg)
            print(f"{out}: {img.shape[1]}x{img.shape[0]} from skimage/data/{name}.png "
                  f"(sha256 {hashlib.sha256(png).hexdigest()}), {len(jpg)} bytes, "
                  f"sha256 {hashlib.sha256(jpg).hexdigest()}")
    # Already a JPEG: copied as it is, so its bytes are the wheel's.
    checked(sys.argv[2], MPL_WHEEL_SHA256)
    with zipfile.ZipFile(sys.argv[2]) as z:
        jpg = z.read("matplotlib/mpl-data/sample_data/grace_hopper.jpg")
    if hashlib.sha256(jpg).hexdigest() != HOPPER_SHA256:
        raise SystemExit(f"{sys.argv[2]}: grace_hopper.jpg sha256 {hashlib.sha256(jpg).hexdigest()}, want {HOPPER_SHA256}")
    out = os.path.join(here, "grace_hopper.jpg")
    with open(out, "wb") as f:
        f.write(jpg)
    print(f"{out}: copied from matplotlib/mpl-data/sample_data/grace_hopper.jpg, {len(jpg)} bytes, sha256 {HOPPER_SHA256}")


if __name__ == "__main__":
    main()
