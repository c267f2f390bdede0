#!/usr/bin/env bash
# bev_modes.sh scores a bevfusion camera/fuser pair through the node in its
# three modes (fused, lidar-only, camera-only) on the held-out drives of the
# README's "Fused, lidar-only and camera-only" tables: seeds 301 (3 s), 302
# and 303 (5 s) with the HDL-64E-like lidar, and 301–303 (3 s) with the
# VLP-16-like one, cameras at the lidar's 10 Hz. The drives are simulated
# into DIR once (about 1 GB) and reused. One line per drive and mode: car
# and person AP at 2 m centre distance and occupancy IoU, as the cards'
# heldout_modes record them. Not run in CI (under 2 min a pair once the
# drives exist).
#   tools/bench/bev_modes.sh [CAMERA.onnx FUSER.onnx [DIR]]
# default: models/bev-depth-small-{camera,fuser}.onnx, DIR .cache/bev-heldout
set -euo pipefail
cd "$(dirname "$0")/../.."
cam=${1:-models/bev-depth-small-camera.onnx}
fus=${2:-models/bev-depth-small-fuser.onnx}
dir=${3:-.cache/bev-heldout}
bin=bin/gopercept
go build -o "$bin" ./cmd/gopercept  # always: a stale binary would score old code
drives=("hdl64 301 3" "hdl64 302 5" "hdl64 303 5" "vlp16 301 3" "vlp16 302 3" "vlp16 303 3")
for d in "${drives[@]}"; do
  set -- $d
  out="$dir/$1/s$2"
  [[ -f $out/metadata.yaml ]] || "$bin" simulate -o "$out" --seed "$2" --duration "$3" --camera-hz 10 --lidar "$1" >/dev/null
done
printf '%-6s %-5s %-12s %9s %12s %13s\n' lidar seed mode "car AP@2m" "person AP@2m" "occupancy IoU"
for d in "${drives[@]}"; do
  set -- $d
  for mode in fused lidar-only camera-only; do
    extra=()
    case $mode in
      lidar-only) extra=(-p 'bevfusion:cameras:=[]' -p 'bevfusion:encoder_model:=""') ;;
      camera-only) extra=(-p 'bevfusion:cloud_topic:=""') ;;
    esac
    res=$("$bin" eval bevfusion --json "$dir/$1/s$2" --params params/bevfusion.yaml,params/demo.yaml \
      -p "bevfusion:encoder_model:=$cam" -p "bevfusion:fuser_model:=$fus" "${extra[@]}")
    python3 - "$1" "$2" "$mode" "$res" <<'EOF'
import json, sys
lidar, seed, mode, res = sys.argv[1:]
r = json.loads(res)
ap = {c["name"]: c for c in r["classes"]}
def at2(name):  # ap is at 0.5, 1, 2 and 4 m
    c = ap.get(name)
    return "%.3f" % c["ap"][2] if c and c["ap"][2] is not None else "-"
print("%-6s %-5s %-12s %9s %12s %13.3f" % (lidar, seed, mode, at2("car"), at2("person"), r["occupancy_iou"]))
EOF
  done
done
