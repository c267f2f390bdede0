#!/usr/bin/env bash
# ratios.sh measures issue 16's kernels beside their reference
# implementations on the same inputs, in interleaved rounds, and prints
# reference CPU time / ours (single thread both) per kernel. Not run in CI:
# it needs the references (scripts/golden.sh sets them up: lidar-bonnetal
# and lightweight-human-pose-estimation.pytorch under .cache/golden/src,
# mmpose in the golden venv, Debian's torch).
#   tools/bench/ratios.sh [rounds]      (default 3)
# Each round runs every Go benchmark once (-cpu 1, CPU ms per op) and every
# reference script once; the table gives the median over rounds of each.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOPERCEPT_BENCH_DUMP=$work
for pkg in perception/lidarseg perception/pose/decode perception/bev/lss; do
  go test -count=1 -run 'TestDump' "./$pkg/" >/dev/null
  go test -c -o "$work/$(basename "$pkg").test" "./$pkg/"
done
log=$work/log
: >"$log"
# go_bench PKGDIR BINARY PATTERN BENCHTIME: one "go <name> <cpu-ms>" line per benchmark.
go_bench() {
  (cd "$1" && "$work/$2" -test.run XXX -test.bench "$3" -test.cpu 1 -test.benchtime "$4") |
    awk '/^Benchmark/ { for (i = 3; i < NF; i++) if ($(i+1) ~ /^cpu-ms/) print "go", $1, $i }' >>"$log"
}
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  go_bench perception/lidarseg lidarseg.test 'BenchmarkProject$|BenchmarkKNN$|BenchmarkKNNRandom' 40x
  go_bench perception/pose/decode decode.test 'BenchmarkDARKPerson|BenchmarkPAFSixPeople' 2000x
  go_bench perception/bev/lss lss.test 'BenchmarkPool$|BenchmarkPoolUniform' 10x
  ROUNDS=5 scripts/golden.sh tools/bench/ref_lidarseg.py 2>/dev/null |
    awk '/^LaserScan/ {print "ref BenchmarkProject", $(NF-1)} /^KNN realistic/ {print "ref BenchmarkKNN", $(NF-1)} /^KNN random/ {print "ref BenchmarkKNNRandom", $(NF-1)}' >>"$log"
  ROUNDS=20 scripts/golden.sh tools/bench/ref_dark.py 2>/dev/null |
    awk '/^mmpose/ {print "ref BenchmarkDARKPerson", $(NF-1)}' >>"$log"
  ROUNDS=10 scripts/golden.sh tools/bench/ref_paf.py 2>/dev/null |
    awk '/^lightweight-openpose/ {print "ref BenchmarkPAFSixPeople", $(NF-1)}' >>"$log"
  ROUNDS=2 THREADS=1 scripts/golden.sh tools/bench/ref_pool.py 2>/dev/null |
    awk '/ rig,/ {print "ref BenchmarkPool", $(NF-1)} / uniform,/ {print "ref BenchmarkPoolUniform", $(NF-1)}' >>"$log"
done
# Median per (side, benchmark); for the pooling reference, the faster of
# index_add_ and index_put_ in each round.
python3 - "$log" <<'PY'
import statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, name, v = line.split()
    runs[(side, name.split("-")[0])].append(float(v))
def med(side, name):
    v = runs.get((side, name))
    if not v:
        return None
    if side == "ref" and name.startswith("BenchmarkPool"):
        v = [min(v[i:i + 2]) for i in range(0, len(v), 2)]
    return statistics.median(v)
print("| kernel (Go benchmark) | reference | reference CPU ms | ours CPU ms | ratio |")
print("|---|---|---|---|---|")
refs = {"BenchmarkProject": "lidar-bonnetal LaserScan (numpy)", "BenchmarkKNN": "lidar-bonnetal KNN (torch, 1 thread)",
        "BenchmarkKNNRandom": "same, random labels", "BenchmarkDARKPerson": "mmpose get_heatmap_maximum + refine_keypoints_dark",
        "BenchmarkPool": "torch index_add_/index_put_ (1 thread)", "BenchmarkPoolUniform": "same, cells uniform",
        "BenchmarkPAFSixPeople": "lightweight-openpose extract_keypoints ×18 + group_keypoints"}
for name, ref in refs.items():
    o, r = med("go", name), med("ref", name)
    ratio = f"{r / o:.1f}×" if o and r else "—"
    fmt = lambda v: "—" if v is None else f"{v:.4g}"
    print(f"| {name} | {ref} | {fmt(r)} | {fmt(o)} | {ratio} |")
PY
