#!/usr/bin/env bash
# golden.sh regenerates the reference-conformance golden files: every
# */testdata/gen_*.py, run with the reference implementation itself.
# Not part of CI (it needs PyPI, Debian packages and the references'
# sources); the Go tests only read the files it writes.
#
# A generator declares what it needs in header comments:
#   # golden-requires: pycocotools==2.0.8 numpy==1.26.4   (PyPI pins, venv)
#   # golden-apt: python3-torch python3-numba            (Debian; runs with /usr/bin/python3)
#   # golden-reference: https://github.com/OWNER/REPO COMMIT
# A reference is checked out under $GOLDEN_SRC/REPO (default
# .cache/golden/src) at COMMIT and the generator finds it through the
# GOLDEN_SRC environment variable. Run one generator with
#   scripts/golden.sh path/to/testdata/gen_x.py
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache/golden
export GOLDEN_SRC=${GOLDEN_SRC:-$cache/src}
mkdir -p "$cache" "$GOLDEN_SRC"

if [ $# -gt 0 ]; then gens=("$@"); else mapfile -t gens < <(git ls-files '*/testdata/gen_*.py' | sort); fi

header() { sed -n "s/^# $1: *//p" "$2" | tr '\n' ' '; }

venv=$cache/venv
for g in "${gens[@]}"; do
  req=$(header golden-requires "$g")
  apt=$(header golden-apt "$g")
  ref=$(header golden-reference "$g")
  if [ -n "$ref" ]; then
    read -r url commit <<<"$ref"
    name=${url##*/}
    if [ ! -d "$GOLDEN_SRC/$name" ]; then
      echo "golden: cloning $url at $commit into $GOLDEN_SRC/$name" >&2
      git clone -q "$url" "$GOLDEN_SRC/$name"
    fi
    # Only a checkout of its own: git -C on a plain folder would act on the
    # enclosing repository (this one).
    if [ -e "$GOLDEN_SRC/$name/.git" ]; then
      git -C "$GOLDEN_SRC/$name" checkout -q "$commit" || { echo "golden: cannot check out $commit in $GOLDEN_SRC/$name" >&2; exit 1; }
    else
      echo "golden: $GOLDEN_SRC/$name is not a git checkout; using it as it is (it must be $commit)" >&2
    fi
  fi
  if [ -n "$apt" ]; then
    # shellcheck disable=SC2086
    dpkg -s $apt >/dev/null 2>&1 || { echo "golden: installing Debian packages $apt" >&2; apt-get install -y -q $apt >/dev/null; }
    py=/usr/bin/python3
  else
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    # shellcheck disable=SC2086
    [ -z "$req" ] || "$venv/bin/pip" install -q $req
    py=$venv/bin/python
  fi
  echo "golden: $g" >&2
  (cd "$(dirname "$g")" && "$py" "$(basename "$g")")
done
