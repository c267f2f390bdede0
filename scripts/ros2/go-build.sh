#!/usr/bin/env bash
# go-build.sh OUT PKG builds a node executable with the ros2 build tag
# against the ROS 2 found by scripts/ros2-env.sh: the sourced one (apt's
# /opt/ros/jazzy or /opt/ros/humble, as colcon has it) or the project's
# PyPI install. colcon calls it from CMakeLists.txt.
set -euo pipefail
out=$1
pkg=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
env_out=$(scripts/ros2-env.sh) || { echo "go-build: ROS 2 environment setup failed" >&2; exit 1; }
eval "$env_out"
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/tiiuae/rclgo
export GOFLAGS=${GOFLAGS:--buildvcs=false}
go build -tags ros2 -trimpath -o "$out" "$pkg"
