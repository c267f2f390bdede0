#!/usr/bin/env bash
# lint.sh runs staticcheck and deadcode, pinned in tools/lint/go.mod (a
# module of its own, so the linters' dependencies never touch the
# project's), over the whole module with the ros2 build tag, so the live
# driver is checked too and nothing it alone uses reads as dead. Any finding
# fails. Part of make test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# The ros2-tagged files need ROS 2's headers for cgo.
env_out=$(scripts/ros2-env.sh) || { echo "scripts/lint.sh: ROS 2 setup failed (see above)" >&2; exit 1; }
eval "$env_out"
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/tiiuae/rclgo
tool() { go tool -modfile=tools/lint/go.mod "$@"; }
echo "lint: staticcheck" >&2
tool staticcheck -tags ros2 ./...
echo "lint: deadcode" >&2
# An Example without an Output comment is documentation that go test only
# compiles (the live driver's needs a ROS graph), so deadcode cannot reach it.
raw=$(tool deadcode -tags ros2 -test ./...)
dead=$(grep -v '_test\.go:[0-9]*:[0-9]*: unreachable func: Example' <<<"$raw" || true)
if [ -n "$dead" ]; then
	echo "deadcode: unreachable functions (delete them, or use them):" >&2
	echo "$dead" >&2
	exit 1
fi
