#!/usr/bin/env bash
# detector_crowd.sh retrains detector-person-small, the person detector of
# pose2d's top-down path, on crowds: twelve 20 s front-camera drives with
# people along the route (simulate --dataset pose always adds them) and two
# with a crowd across the view every half second (--crowd-size 10, 30 or
# more people a frame), one frame in two; up to 64 boxes a frame, so the
# crowded frames count (the shipped model kept frames under 32 boxes, half
# of its drives'). Validation: seed 91. About 35 min on one thread. It
# writes to data/detector (OUT to change): measured end to end it scores
# the same as the shipped model on average (models/detector-person-small
# .card.yaml, to_close_gap), so it is an experiment to build on, not the
# shipped file.
#
# SIZE=640 CROP=416 trains models/detector-person-640 instead: frames
# letterboxed to 640 (simulate --detector-size 640, data/detector640), the
# network trained on 416×416 windows of them at scale 0.5–1.4 (an epoch
# costs 1.7 times one at 320; about 37 min on two threads) and exported at
# 640, where a person 35 px tall in the 640×480 frame keeps its 35 px
# instead of 17.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=bin/gopercept
SIZE=${SIZE:-320}
CROP=${CROP:-0}
if [[ $SIZE == 320 ]]; then
  D=${DATA:-data/detector} name=detector-person-small
else
  D=${DATA:-data/detector$SIZE} name=detector-person-$SIZE
fi
mkdir -p "$D"
sim() { [[ -f $1/meta.yaml ]] || "$bin" simulate --dataset pose --detector-size "$SIZE" --cameras front --width 640 --height 480 --every 2 --duration 20 -o "$@" >/dev/null; }
train=()
for s in 11 12 13 14 15 16 17 18 19 20 21 22; do
  sim "$D/s$s" --seed $s
  train+=("$D/s$s")
done
for s in 23 24; do
  sim "$D/c$s" --seed $s --crowd-size 10
  train+=("$D/c$s")
done
sim "$D/s91" --seed 91
TRAIN_THREADS=${TRAIN_THREADS:-1} /usr/bin/python3 tools/train/detector.py --train "${train[@]}" --val "$D/s91" \
  --out "${OUT:-$D/$name}" --epochs 20 --batch 8 --width 32 --lr 3e-3 --seed 1 --crop "$CROP" \
  --command "SIZE=$SIZE CROP=$CROP tools/train/detector_crowd.sh"
