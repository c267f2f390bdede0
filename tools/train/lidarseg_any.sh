#!/usr/bin/env bash
# lidarseg_any.sh retrains models/lidarseg-any-small, the range-image model
# of any spinning lidar: five simulated lidars (HDL-64E-, OS1-128-, OS1-64-,
# HDL-32E- and VLP-16-like) at 2048 and 1024 columns, each projected at its
# own rings and columns (simulate --preset native), sensor mounting,
# intensity and noise randomised; one default and two crowded drives (more
# pedestrians, cyclists, cars and trucks) per lidar, 50 scans each; a 2 s
# validation drive per lidar. Two runs, as the model was made: 7 epochs of
# a 10-epoch schedule, then 10 more from there. DATA_ONLY=1 simulates the
# drives and stops (tools/train/lidarseg_family.sh fine-tunes on them).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=bin/gopercept
D=${DATA:-data/lidarany}
mkdir -p "$D"
cfgs=("hdl64 2048" "hdl64 1024" "os1-128 2048" "os1-128 1024" "os1-64 2048" "os1-64 1024" "hdl32 2048" "hdl32 1024" "vlp16 2048" "vlp16 1024")
crowd="--pedestrians 40 --cyclists 30 --moving-cars 40"
# sim DIR LIDAR COLUMNS FLAGS...: one training or validation drive, once.
sim() { [[ -f $1/meta.yaml ]] || "$bin" simulate --dataset lidarseg --preset native --lidar "$2" --columns "$3" "${@:4}" -o "$1" >/dev/null; }
s=121; v=211
for c in "${cfgs[@]}"; do
  set -- $c
  sim "$D/s$s-$1-$2" "$1" "$2" --randomize-sensor --seed $s --duration 10 --every 2
  sim "$D/s$((s + 1))-$1-$2-crowd" "$1" "$2" --randomize-sensor --seed $((s + 1)) --duration 10 --every 2 $crowd
  sim "$D/s$((s + 41))-$1-$2-crowd" "$1" "$2" --randomize-sensor --seed $((s + 41)) --duration 10 --every 2 $crowd
  sim "$D/v$v-$1-$2" "$1" "$2" --seed $v --duration 2 --every 2
  s=$((s + 2)); v=$((v + 1))
done
[[ -z ${DATA_ONLY:-} ]] || exit 0
out=${OUT:-models/lidarseg-any-small}
train=$(ls -d "$D"/s*) val=$(ls -d "$D"/v*)
export TRAIN_THREADS=${TRAIN_THREADS:-2}
/usr/bin/python3 tools/train/lidarseg.py --train $train --val $val --out "$out" --epochs 10 --stop-after 7 \
  --batch 8 --lr 4e-3 --width 32 --lovasz 1 --seed 1
cp "$out-state.pt" "$out-run1-state.pt"
/usr/bin/python3 tools/train/lidarseg.py --train $train --val $val --out "$out" --epochs 10 ${STOP_AFTER:+--stop-after $STOP_AFTER} \
  --batch 8 --lr 3e-3 --width 32 --lovasz 1 --seed 2 --init "$out-run1-state.pt" \
  --command "tools/train/lidarseg_any.sh (data: simulate --dataset lidarseg --preset native --randomize-sensor, $(echo ${cfgs[*]} | tr ' ' ,))"
