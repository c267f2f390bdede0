#!/usr/bin/env bash
# launch-test.sh is the launch tier: it builds gopercept and gopercept_msgs
# with colcon into .cache/ros2/ws (incremental) against the ROS 2 that
# scripts/ros2-env.sh provides, sources the workspace as the README's "On a
# vehicle" does, and runs launch/live_test.go (build tag ros2): `ros2
# launch gopercept ...` on a simulated drive published onto the graph,
# checked with `ros2 node list`, `ros2 topic echo --once`, `ros2 param get`
# and `ros2 node info`. Extra arguments go to go test (e.g. -run Namespaced -v).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
env_out=$(scripts/ros2-env.sh) || { echo "launch-test: ROS 2 setup failed (see above); launch tier NOT run" >&2; exit 1; }
eval "$env_out"
command -v ros2 >/dev/null || { echo "launch-test: no ros2 command (ros2-env.sh could not install the ROS 2 CLI; see its warnings); launch tier NOT run" >&2; exit 1; }
venv=$root/.cache/ros2/venv
cmake_args=()
if [[ ":${AMENT_PREFIX_PATH:-}:" == *":$venv:"* ]]; then
	# The PyPI ROS 2: colcon from PyPI too (colcon-bash for install/setup.bash).
	"$venv/bin/pip" install --disable-pip-version-check -q colcon-core==0.21.3 colcon-cmake==0.2.30 colcon-ros==0.5.0 \
		colcon-package-information==0.4.1 colcon-library-path==0.2.1 colcon-recursive-crawl==0.2.3 colcon-bash==0.5.0 ||
		{ echo "launch-test: pip install colcon failed (PyPI unreachable?)" >&2; exit 1; }
	cmake_args=(--cmake-args -DCMAKE_DISABLE_FIND_PACKAGE_rosidl_generator_py=ON -DBUILD_TESTING=OFF "-DPython3_EXECUTABLE=$venv/bin/python3")
fi
ws=$root/.cache/ros2/ws
echo "launch-test: colcon build in $ws" >&2
if ! colcon --log-base "$ws/log" build --base-paths "$root" "$root/msgs" --build-base "$ws/build" --install-base "$ws/install" \
	--executor sequential "${cmake_args[@]}" >"$ws.colcon.log" 2>&1; then
	tail -n 40 "$ws.colcon.log" >&2
	echo "launch-test: colcon build FAILED (full log: $ws.colcon.log)" >&2
	exit 1
fi
# As a user does after colcon build. colcon's setup scripts read unset
# variables, so not under set -u.
set +u
# shellcheck disable=SC1091
source "$ws/install/setup.bash"
set -u
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/tiiuae/rclgo
export RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}
# Every ros2 command in the tier runs with --no-daemon: no daemon is left.
exec go test -tags ros2 -count=1 -timeout 15m "$@" ./launch/
