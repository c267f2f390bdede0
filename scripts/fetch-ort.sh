#!/usr/bin/env bash
# fetch-ort.sh puts the pinned ONNX Runtime shared library into the
# project-local cache and prints its path on stdout.
#
# The library comes from the npm package onnxruntime-node (its install script
# downloads from the internet, so it is never run: the package tarball is
# fetched with `npm pack` and only the one file is extracted). The file's
# SHA-256 is pinned here and in infer/library.go (ortSHA256); both must change
# together.
#
# Idempotent: a cached file with the right checksum is left alone.
# Environment:
#   GOPERCEPT_ROOT  repository root (default: the parent of this script's dir)
set -euo pipefail

ORT_VERSION=1.30.0
ORT_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
NPM_PACKAGE="onnxruntime-node@${ORT_VERSION}"
MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1

root="${GOPERCEPT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
dest_dir="${root}/.cache/ort/${ORT_VERSION}"
dest="${dest_dir}/libonnxruntime.so.1"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "${dest}" ]]; then
  if [[ "$(sha_of "${dest}")" == "${ORT_SHA256}" ]]; then
    echo "${dest}"
    exit 0
  fi
  echo "fetch-ort: ${dest} has the wrong SHA-256; fetching it again" >&2
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "fetch-ort: only linux/x86_64 is packaged; set GOPERCEPT_ORT_LIB to your own libonnxruntime.so" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "fetch-ort: npm is needed (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

echo "fetch-ort: npm pack ${NPM_PACKAGE}" >&2
(cd "${tmp}" && npm pack --silent "${NPM_PACKAGE}" >/dev/null)
tarball="$(ls "${tmp}"/onnxruntime-node-*.tgz)"
tar -xzf "${tarball}" -C "${tmp}" "${MEMBER}"

got="$(sha_of "${tmp}/${MEMBER}")"
if [[ "${got}" != "${ORT_SHA256}" ]]; then
  echo "fetch-ort: SHA-256 mismatch for ${MEMBER} from ${NPM_PACKAGE}: got ${got}, want ${ORT_SHA256}" >&2
  exit 1
fi

mkdir -p "${dest_dir}"
# Rename into place so that a concurrent reader never sees a partial file.
cp "${tmp}/${MEMBER}" "${dest}.partial.$$"
chmod 0644 "${dest}.partial.$$"
mv -f "${dest}.partial.$$" "${dest}"
echo "${dest}"
