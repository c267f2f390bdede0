#!/usr/bin/env bash
# setup.sh installs the pinned training environment from Debian's packages.
set -euo pipefail
want_torch=1.13.1+dfsg-4
want_onnx=1.12.0-2+b4
want_numpy=1:1.24.2-1+deb12u1
if /usr/bin/python3 -c "import torch, onnx, numpy, yaml" 2>/dev/null; then
  exit 0
fi
echo "setup: installing python3-torch ${want_torch}, python3-onnx ${want_onnx}, python3-numpy ${want_numpy}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  "python3-torch=${want_torch}" "python3-onnx=${want_onnx}" "python3-numpy=${want_numpy}" python3-yaml >/dev/null
