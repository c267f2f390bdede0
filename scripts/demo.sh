#!/usr/bin/env bash
# demo.sh is `make demo`: simulate a 10 s drive with exact ground truth (once;
# it is kept in out/sample), replay it through the three nodes into
# out/demo.mcap (open it in Foxglove, or `ros2 bag play out/demo.mcap`), and
# score the nodes against the ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/gopercept
sample=out/sample
mkdir -p out
if [[ ! -f "$sample/metadata.yaml" ]]; then
  rm -rf "$sample"
  echo "demo: simulating the sample drive (10 s: 100 lidar sweeps, six cameras, depth, ground truth)" >&2
  "$bin" simulate -o "$sample" --seed 7 --duration 10 --cameras six --width 352 --height 128 --depth --pedestrians 60 --preview out/preview
fi
"$bin" info "$sample"
params=params/lidarseg.yaml,params/pose2d.yaml,params/bevfusion.yaml,params/demo.yaml
echo "demo: replaying through lidarseg, pose2d and bevfusion" >&2
"$bin" replay "$sample" -o out/demo.mcap --nodes lidarseg,pose2d,bevfusion --params "$params" --fast
echo
"$bin" eval lidarseg "$sample" --params params/lidarseg.yaml,params/demo.yaml
echo
"$bin" eval pose2d "$sample" --params params/pose2d.yaml,params/demo.yaml
echo
echo "demo: outputs in out/demo.mcap; pictures of the simulated world in out/preview/"
