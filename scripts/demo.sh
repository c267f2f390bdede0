#!/usr/bin/env bash
# demo.sh is `make demo`: simulate two short drives with exact ground truth
# (once; they are kept under out/), replay them through the three nodes into
# out/demo.mcap and out/demo_people.mcap (open them in Foxglove, or
# `ros2 bag play`), and score the nodes against the ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/gopercept
mkdir -p out
if [[ ! -f out/sample/metadata.yaml ]]; then
  rm -rf out/sample
  echo "demo: simulating the sample drive (10 s: 100 HDL-64E sweeps, six cameras, depth, ground truth)" >&2
  "$bin" simulate -o out/sample --seed 7 --duration 10 --cameras six --width 704 --height 256 --depth --pedestrians 60 --preview out/preview
fi
if [[ ! -f out/people/metadata.yaml ]]; then
  rm -rf out/people
  echo "demo: simulating the people drive (10 s, a 640×480 front camera with depth, people along the route)" >&2
  "$bin" simulate -o out/people --seed 97 --duration 10 --cameras front --width 640 --height 480 --depth --crowd --lidar hdl32 --columns 1024
fi
"$bin" info out/sample
params=params/lidarseg.yaml,params/pose2d.yaml,params/bevfusion.yaml,params/demo.yaml
echo "demo: replaying the sample drive through lidarseg, pose2d and bevfusion" >&2
"$bin" replay out/sample -o out/demo.mcap --nodes lidarseg,pose2d,bevfusion --params "$params" --fast
echo "demo: replaying the people drive through pose2d" >&2
"$bin" replay out/people -o out/demo_people.mcap --nodes pose2d --params params/pose2d.yaml,params/demo.yaml --fast
echo
"$bin" eval lidarseg out/sample --params params/lidarseg.yaml,params/demo.yaml
echo
"$bin" eval pose2d out/people --params params/pose2d.yaml,params/demo.yaml
echo
"$bin" eval bevfusion out/sample --params params/bevfusion.yaml,params/demo.yaml
echo
echo "demo: node outputs in out/demo.mcap and out/demo_people.mcap; pictures of the simulated world in out/preview/"
