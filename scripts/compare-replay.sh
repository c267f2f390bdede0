#!/usr/bin/env bash
# compare-replay.sh REV_A REV_B replays the demo drives (make demo's
# out/sample and out/people, with make demo's parameters) through the
# gopercept of two revisions and compares the outputs message by message
# (tools/bagdiff): a refactor that must not change behaviour shows every
# topic identical.
#   scripts/compare-replay.sh 2bc5a5d HEAD
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/fetch-ort.sh >/dev/null
export GOPERCEPT_ORT_LIB=${GOPERCEPT_ORT_LIB:-$root/.cache/ort/1.30.0/libonnxruntime.so.1}
[ $# -eq 2 ] || { echo "usage: $0 REV_A REV_B" >&2; exit 2; }
[ -d out/sample ] && [ -d out/people ] || { echo "$0: run make demo first (it writes out/sample and out/people)" >&2; exit 1; }
work=$(mktemp -d)
trap 'for w in "$work"/src-*; do [ -d "$w" ] && git worktree remove --force "$w"; done; rm -rf "$work"' EXIT
params=params/lidarseg.yaml,params/pose2d.yaml,params/bevfusion.yaml,params/demo.yaml
for side in a b; do
	rev=$1; [ $side = b ] && rev=$2
	git worktree add -q --detach "$work/src-$side" "$rev"
	(cd "$work/src-$side" && go build -o "$work/gopercept-$side" ./cmd/gopercept)
	echo "compare-replay: $rev" >&2
	# Each revision with its own parameters and models.
	(cd "$work/src-$side" &&
		"$work/gopercept-$side" replay "$root/out/sample" -o "$work/$side.mcap" --nodes lidarseg,pose2d,bevfusion --params "$params" --fast >/dev/null &&
		"$work/gopercept-$side" replay "$root/out/people" -o "$work/$side-people.mcap" --nodes pose2d --params params/pose2d.yaml,params/demo.yaml --fast >/dev/null)
done
rc=0
go run ./tools/bagdiff "$work/a.mcap" "$work/b.mcap" || rc=1
go run ./tools/bagdiff "$work/a-people.mcap" "$work/b-people.mcap" || rc=1
exit $rc
