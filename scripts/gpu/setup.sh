#!/usr/bin/env bash
# setup.sh installs ONNX Runtime 1.30.0 with its CUDA and TensorRT execution
# providers, and the CUDA libraries they load, into the project cache
# .cache/ort-gpu/1.30.0/lib, and writes .cache/ort-gpu/1.30.0/env.sh, which
# points infer at that library (GOPERCEPT_ORT_LIB) and the dynamic linker at
# the CUDA libraries (LD_LIBRARY_PATH: the provider libraries have no RUNPATH,
# and the linker reads the variable only when a process starts, so it cannot
# be set from inside the node). Prints env.sh's path on stdout:
#
#   scripts/gpu/setup.sh && . .cache/ort-gpu/1.30.0/env.sh
#   gopercept bench lidarseg -p lidarseg:model.providers=cuda,cpu
#
# Everything comes from PyPI by pinned version and SHA-256 (pip download
# --require-hashes; pip checks every wheel before it is used):
#   - onnxruntime-gpu 1.30.0: its wheel carries the C library
#     (onnxruntime/capi/libonnxruntime.so.1.30.0, the same C API as the CPU
#     build scripts/fetch-ort.sh fetches) and libonnxruntime_providers_{shared,
#     cuda,tensorrt}.so; it is built against CUDA 13, cuDNN 9 and TensorRT 10.
#     Only the shared libraries are used: no Python package is installed.
#   - CUDA 13.0 update 2 runtime libraries and cuDNN 9 for CUDA 13.
# The GPU driver (libcuda.so.1, driver ≥ 580 for CUDA 13) is the machine's
# own and is never installed here.
#
# TensorRT 10 (libnvinfer.so.10, libnvonnxparser.so.10) is not on any
# registry this project reaches as a binary: PyPI's tensorrt-cu13-libs is a
# stub whose build step downloads from NVIDIA's own index. Give a directory
# that holds those libraries (a TensorRT tar's lib/, or the machine's
# /usr/lib/x86_64-linux-gnu when TensorRT is installed there) with
# TENSORRT_LIB_DIR; env.sh then puts it on the library path. Without it the
# TensorRT provider fails to load and infer falls back to the next provider,
# saying that libnvinfer.so.10 is missing.
#
# Idempotent: an install whose stamp matches this script's pins is left alone
# (env.sh is rewritten, so TENSORRT_LIB_DIR can be changed later).
# Environment:
#   GOPERCEPT_ROOT   repository root (default: two levels above this script)
#   TENSORRT_LIB_DIR directory with TensorRT 10's libraries (optional)
#   GPU_SETUP_SKIP_VERIFY=1  skip the ldd check at the end
set -euo pipefail

ORT_VERSION=1.30.0

# name==version and the SHA-256 of the one wheel pip picks for
# --python-version 3.11 on manylinux x86_64 (the Python version only selects
# the onnxruntime-gpu wheel; its C library does not depend on it).
LOCK=$(cat <<'EOF'
onnxruntime-gpu==1.30.0 --hash=sha256:4fbf0c5d7b5fb99266c2e8a802e3e64af68bdc383e0f3c7349b985f1087eedaa
nvidia-cuda-runtime==13.0.96 --hash=sha256:7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548
nvidia-cublas==13.1.0.3 --hash=sha256:ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171
nvidia-curand==10.4.0.35 --hash=sha256:1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc
nvidia-cufft==12.0.0.61 --hash=sha256:6c44f692dce8fd5ffd3e3df134b6cdb9c2f72d99cf40b62c32dde45eea9ddad3
nvidia-cuda-nvrtc==13.0.88 --hash=sha256:ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575
nvidia-nvjitlink==13.0.88 --hash=sha256:13a74f429e23b921c1109976abefacc69835f2f433ebd323d3946e11d804e47b
nvidia-cudnn-cu13==9.14.0.64 --hash=sha256:024ce8f7571d322991ecadbe82907df2e89b5f36597d03436413ec6dd7c9fe54
EOF
)

root="${GOPERCEPT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
dest="${root}/.cache/ort-gpu/${ORT_VERSION}"
lib="${dest}/lib"
stamp="${dest}/installed.lock"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "gpu/setup: only linux/x86_64 is packaged" >&2; exit 1 ;;
esac

if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${LOCK}" && -f "${lib}/libonnxruntime.so.1" ]]; then
  echo "gpu/setup: ${lib} is installed" >&2
else
  command -v python3 >/dev/null || { echo "gpu/setup: python3 with pip is needed (pip download)" >&2; exit 1; }
  command -v unzip >/dev/null || { echo "gpu/setup: unzip is needed (apt-get install unzip)" >&2; exit 1; }
  mkdir -p "${root}/.cache"
  # Beside the destination, so the final mv is a rename on one filesystem.
  tmp="$(mktemp -d "${root}/.cache/ort-gpu-tmp.XXXXXX")"
  trap 'rm -rf "${tmp}"' EXIT
  printf '%s\n' "${LOCK}" >"${tmp}/requirements.txt"
  echo "gpu/setup: downloading $(wc -l <"${tmp}/requirements.txt") pinned wheels (about 1.5 GB)" >&2
  # --platform pins the wheel pip picks, so the hash is the same on every
  # machine; pip takes the tags literally, hence the list.
  python3 -m pip download -q --no-deps --only-binary=:all: --require-hashes \
    --python-version 3.11 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64 \
    -r "${tmp}/requirements.txt" -d "${tmp}/wheels" >&2
  mkdir -p "${tmp}/lib"
  for whl in "${tmp}"/wheels/*.whl; do
    # The shared libraries only: onnxruntime/capi/*.so* and nvidia/*/lib/*.so*.
    unzip -q -o -j "${whl}" 'onnxruntime/capi/lib*.so*' 'nvidia/*/lib/*.so*' -d "${tmp}/lib" 2>/dev/null || {
      rc=$?
      # unzip exits 11 when one of the patterns matches nothing in this wheel.
      [[ ${rc} -eq 11 ]] || { echo "gpu/setup: cannot unpack ${whl##*/} (unzip exit ${rc})" >&2; exit 1; }
    }
  done
  [[ -f "${tmp}/lib/libonnxruntime.so.${ORT_VERSION}" ]] || { echo "gpu/setup: libonnxruntime.so.${ORT_VERSION} not in the onnxruntime-gpu wheel" >&2; exit 1; }
  # infer loads libonnxruntime.so.1 (the library's soname).
  ln -sf "libonnxruntime.so.${ORT_VERSION}" "${tmp}/lib/libonnxruntime.so.1"
  chmod 0644 "${tmp}"/lib/*.so* 2>/dev/null || true
  rm -rf "${lib}"
  mkdir -p "${dest}"
  mv "${tmp}/lib" "${lib}"
  printf '%s\n' "${LOCK}" >"${stamp}"
  echo "gpu/setup: installed into ${lib}" >&2
fi

trt_dir="${TENSORRT_LIB_DIR:-}"
if [[ -n "${trt_dir}" ]]; then
  [[ -e "${trt_dir}/libnvinfer.so.10" && -e "${trt_dir}/libnvonnxparser.so.10" ]] || {
    echo "gpu/setup: TENSORRT_LIB_DIR=${trt_dir} has no libnvinfer.so.10 and libnvonnxparser.so.10 (TensorRT 10, which ONNX Runtime ${ORT_VERSION} is built against)" >&2
    exit 1
  }
fi

# env.sh: source it before starting a node or gopercept.
{
  echo "# Written by scripts/gpu/setup.sh: ONNX Runtime ${ORT_VERSION} with the CUDA and TensorRT providers."
  echo "export GOPERCEPT_ORT_LIB='${lib}/libonnxruntime.so.1'"
  echo "export LD_LIBRARY_PATH='${lib}${trt_dir:+:${trt_dir}}'\${LD_LIBRARY_PATH:+:\${LD_LIBRARY_PATH}}"
} >"${dest}/env.sh.partial.$$"
mv -f "${dest}/env.sh.partial.$$" "${dest}/env.sh"

if [[ "${GPU_SETUP_SKIP_VERIFY:-}" != 1 ]]; then
  # Every library the providers need must resolve from the install, except
  # the driver's libcuda.so.1 and, without TENSORRT_LIB_DIR, TensorRT's.
  allowed='libcuda.so.1'
  [[ -n "${trt_dir}" ]] || allowed+='|libnvinfer.so.10|libnvonnxparser.so.10'
  missing=$(for so in "${lib}"/libonnxruntime_providers_cuda.so "${lib}"/libonnxruntime_providers_tensorrt.so "${lib}"/libcudnn*.so.9 "${lib}"/libcublas*.so.13 "${lib}"/libcufft.so.12; do
      LD_LIBRARY_PATH="${lib}${trt_dir:+:${trt_dir}}" ldd "${so}" | awk '/not found/ {print $1}'
    done | sort -u | grep -Ev "^(${allowed})$" || true)
  if [[ -n "${missing}" ]]; then
    echo "gpu/setup: libraries the providers need are missing from ${lib}: $(echo ${missing})" >&2
    exit 1
  fi
  [[ -e /dev/nvidiactl ]] || ldconfig -p | grep -q 'libcuda.so.1 ' ||
    echo "gpu/setup: no NVIDIA driver on this machine (libcuda.so.1); the GPU providers will fall back to the CPU here" >&2
  [[ -n "${trt_dir}" ]] ||
    echo "gpu/setup: no TENSORRT_LIB_DIR; the TensorRT provider will fall back to CUDA (see this script's header)" >&2
fi
echo "${dest}/env.sh"
