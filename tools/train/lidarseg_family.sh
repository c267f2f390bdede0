#!/usr/bin/env bash
# lidarseg_family.sh makes the lidarseg-any-small family (its card's
# members) from the lidarseg-any-small release of commit b940140 (the model
# of every lidar, tools/train/lidarseg_any.sh), by two fine-tunes from its
# ONNX weights (tools/train/lidarseg.py --init X.onnx), each keeping the
# epoch whose weakest validation lidar scores best:
#   lidarseg-any-sparse-small: the HDL-32E- and VLP-16-like drives of
#     lidarseg_any.sh plus four more of each lidar and column count (two
#     crowded); 12 epochs, then 12 more at half the learning rate from
#     that model's ONNX; about 31 min on two cores;
#   lidarseg-any-small (the card's own model, for lidars no member covers):
#     the HDL-64E-, OS1-128- and OS1-64-like drives plus one more crowded
#     drive of each; 10 epochs, about 52 min.
# Its card then lists the members: lidarseg-small (for the HDL-64E-like
# lidar at 2048 columns, by its card's sensors) and the sparse one
# (max_beams: 32).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=bin/gopercept
D=${DATA:-data/lidarany}
DATA=$D DATA_ONLY=1 tools/train/lidarseg_any.sh
crowd="--pedestrians 40 --cyclists 30 --moving-cars 40"
# extra DIR LIDAR COLUMNS SEED [crowd]: one more training drive, once.
extra() {
  [[ -f $1/meta.yaml ]] || "$bin" simulate --dataset lidarseg --preset native --lidar "$2" --columns "$3" \
    --randomize-sensor --seed "$4" --duration 10 --every 2 ${5:+$crowd} -o "$1" >/dev/null
}
s=601
for c in "hdl32 2048" "hdl32 1024" "vlp16 2048" "vlp16 1024"; do
  set -- $c
  extra "$D/x$s-$1-$2" "$1" "$2" $s
  extra "$D/x$((s + 1))-$1-$2" "$1" "$2" $((s + 1))
  extra "$D/x$((s + 2))-$1-$2-crowd" "$1" "$2" $((s + 2)) crowd
  extra "$D/x$((s + 3))-$1-$2-crowd" "$1" "$2" $((s + 3)) crowd
  s=$((s + 4))
done
s=621
for c in "hdl64 2048" "hdl64 1024" "os1-128 2048" "os1-128 1024" "os1-64 2048" "os1-64 1024"; do
  set -- $c
  extra "$D/x$s-$1-$2-crowd" "$1" "$2" $s crowd
  s=$((s + 1))
done
init=$D/release-b940140/lidarseg-any-small
mkdir -p "$(dirname "$init")"
for f in onnx card.yaml; do git show "b940140:models/lidarseg-any-small.$f" >"$init.$f"; done
export TRAIN_THREADS=${TRAIN_THREADS:-2}
out=${OUT:-models}
/usr/bin/python3 tools/train/lidarseg.py --train $(ls -d "$D"/[sx]*-hdl32-* "$D"/[sx]*-vlp16-*) \
  --val $(ls -d "$D"/v*-hdl32-* "$D"/v*-vlp16-*) --out "$out/lidarseg-any-sparse-small" --epochs 12 --batch 8 --lr 2e-3 \
  --width 32 --lovasz 1 --seed 11 --select worst --init "$init.onnx" \
  --command "tools/train/lidarseg_family.sh: lidarseg.py --epochs 12 --batch 8 --lr 2e-3 --lovasz 1 --seed 11 --select worst --init lidarseg-any-small of b940140"
/usr/bin/python3 tools/train/lidarseg.py --train $(ls -d "$D"/[sx]*-hdl32-* "$D"/[sx]*-vlp16-*) \
  --val $(ls -d "$D"/v*-hdl32-* "$D"/v*-vlp16-*) --out "$out/lidarseg-any-sparse-small-2" --epochs 12 --batch 8 --lr 1e-3 \
  --width 32 --lovasz 1 --seed 13 --select worst --init "$out/lidarseg-any-sparse-small.onnx" \
  --command "tools/train/lidarseg_family.sh: from its first step, lidarseg.py --epochs 12 --batch 8 --lr 1e-3 --lovasz 1 --seed 13 --select worst"
/usr/bin/python3 tools/train/lidarseg.py --train $(ls -d "$D"/[sx]*-hdl64-* "$D"/[sx]*-os1-*) \
  --val $(ls -d "$D"/v*-hdl64-* "$D"/v*-os1-*) --out "$out/lidarseg-any-dense-small" --epochs 10 --batch 8 --lr 2e-3 \
  --width 32 --lovasz 1 --seed 12 --select worst --init "$init.onnx" \
  --command "tools/train/lidarseg_family.sh: lidarseg.py --epochs 10 --batch 8 --lr 2e-3 --lovasz 1 --seed 12 --select worst --init lidarseg-any-small of b940140"
echo "lidarseg_family.sh: $out/lidarseg-any-sparse-small-2 is the sparse member and $out/lidarseg-any-dense-small the new lidarseg-any-small: rename them and give the latter's card the members" >&2
