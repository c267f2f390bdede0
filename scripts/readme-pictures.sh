#!/usr/bin/env bash
# readme-pictures.sh makes the README's pictures from `make demo`'s outputs:
# node outputs from out/demo.mcap and the simulator's ground truth from
# out/preview. Run `make demo` first.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=bin/gopercept
mkdir -p docs
# 2.1 s: the sweep that starts at 2.0 s (the preview time) is published when it ends
at=${AT:-2.1}
"$bin" snapshot out/demo.mcap --topic /lidarseg/range_image --at "$at" -o docs/lidarseg_range_image.png
"$bin" snapshot out/demo_people.mcap --topic /pose2d/overlay --at "$at" -o docs/pose2d_overlay.png
"$bin" snapshot out/demo.mcap --topic /bevfusion/ipm --at "$at" -o docs/bevfusion_ipm.png
"$bin" snapshot out/demo.mcap --topic /bevfusion/bev_image --at "$at" -o docs/bevfusion_bev.png
cp out/preview/range_labels.png docs/ground_truth_range_labels.png
cp out/preview/camera_cam_front.png docs/ground_truth_cam_front.png
cp out/preview/bev_ground_truth.png docs/ground_truth_bev.png
ls -la docs
