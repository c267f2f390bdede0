#!/usr/bin/env python3
"""Writes the real photographs pose2d's MoveNet test runs on.

Source: scikit-image 0.25.2's PyPI wheel (cp311 manylinux x86_64), whose
skimage/data/ ships astronaut.png (Eileen Collins, NASA: "No known copyright
restrictions, released into the public domain", per skimage.data.astronaut)
and camera.png (a cameraman, "CC0 by the photographer (Lav Varshney)", per
skimage.data.camera). Both are 512x512; they are re-encoded as JPEG quality 90
(same size) to keep the repository small; camera.png is grey and stays grey
(the node reads it as rgb8 with equal channels).

Run once, by hand, with the converter venv (TensorFlow encodes the JPEG):
  pip download --no-deps scikit-image==0.25.2 --only-binary=:all: \
      --python-version 3.11 --platform manylinux_2_17_x86_64 -d .cache/convert/skimage
  .cache/convert/venv/bin/python nodes/pose2d/testdata/gen_photos.py \
      .cache/convert/skimage/scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
The keypoints in photos.json were marked by hand on these JPEGs (not by a model).
"""
import hashlib
import os
import sys
import zipfile

WHEEL_SHA256 = "24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641"


def main():
    import tensorflow as tf
    wheel = open(sys.argv[1], "rb").read()
    got = hashlib.sha256(wheel).hexdigest()
    if got != WHEEL_SHA256:
        raise SystemExit(f"{sys.argv[1]}: sha256 {got}, want {WHEEL_SHA256}")
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


if __name__ == "__main__":
    main()
