#!/usr/bin/env bash
# lidarseg_lidars.sh scores a lidarseg model through the node on the
# held-out drives of the README's "lidarseg on any lidar" table: seeds 301
# and 302, 3 s each, five simulated lidars at 2048 and 1024 columns, no
# cameras. The drives are simulated into DIR once (about 1.2 GB) and reused.
# One line per lidar: mIoU over the classes present (kNN post-processing)
# on each seed, and the classes with at least 1,000 ground-truth points on a
# drive that score under 0.40. Not run in CI (about half a minute once the
# drives exist).
#   tools/bench/lidarseg_lidars.sh [MODEL.onnx [DIR]]
# default: models/lidarseg-any-small.onnx, DIR .cache/ls-heldout.
# CROWD=1 scores the crowded held-out drives instead (seeds 307 and 308,
# --pedestrians 40 --cyclists 30 --moving-cars 40, DIR .cache/ls-crowd),
# where every rare class is on the drive.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-models/lidarseg-any-small.onnx}
seeds=(301 302) flags=() def=.cache/ls-heldout
if [[ -n ${CROWD:-} ]]; then
  seeds=(307 308) flags=(--pedestrians 40 --cyclists 30 --moving-cars 40) def=.cache/ls-crowd
fi
dir=${2:-$def}
bin=bin/gopercept
go build -o "$bin" ./cmd/gopercept  # always: a stale binary would score old code
lidars=("hdl64 2048" "hdl64 1024" "os1-128 2048" "os1-128 1024" "os1-64 2048" "os1-64 1024" "hdl32 2048" "hdl32 1024" "vlp16 2048" "vlp16 1024")
for l in "${lidars[@]}"; do
  set -- $l
  for s in "${seeds[@]}"; do
    out="$dir/$1-$2-s$s"
    [[ -f $out/metadata.yaml ]] || "$bin" simulate -o "$out" --seed $s --duration 3 --cameras none --lidar "$1" --columns "$2" "${flags[@]}" >/dev/null
  done
done
printf '%-8s %-7s %10s %10s  %s\n' lidar columns "mIoU ${seeds[0]}" "mIoU ${seeds[1]}" "classes >= 1,000 points under 0.40 (${seeds[0]} / ${seeds[1]})"
for l in "${lidars[@]}"; do
  set -- $l
  res=()
  for s in "${seeds[@]}"; do
    res+=("$("$bin" eval lidarseg --json "$dir/$1-$2-s$s" --params params/lidarseg.yaml \
      -p "lidarseg:model.path:=$model" --post-processing knn)")
  done
  python3 - "$1" "$2" "${res[@]}" <<'PY'
import json, sys
lidar, cols, *res = sys.argv[1:]
m, low = [], []
for r in res:
    r = json.loads(r)[0]
    m.append(f"{r['miou_present_classes']:.3f}")
    low.append(",".join(f"{c['class']} {c['iou']:.2f}" for c in r["per_class"]
                        if c["tp"] + c["fn"] >= 1000 and c["iou"] is not None and c["iou"] < 0.40) or "-")
print(f"{lidar:<8} {cols:<7} {m[0]:>10} {m[1]:>10}  {' / '.join(low)}")
PY
done
