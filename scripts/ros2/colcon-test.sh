#!/usr/bin/env bash
# colcon-test.sh proves the colcon package: it builds gopercept and
# gopercept_msgs with colcon into a temporary workspace (against the ROS 2
# that scripts/ros2-env.sh provides), checks what is installed, and runs the
# installed lidarseg executable with its installed parameter file until it
# is up, then stops it with SIGINT.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
env_out=$(scripts/ros2-env.sh) || { echo "colcon-test: ROS 2 setup failed" >&2; exit 1; }
eval "$env_out"
venv=$root/.cache/ros2/venv
cmake_args=()
if [[ ":${AMENT_PREFIX_PATH:-}:" == *":$venv:"* ]]; then
	# The PyPI ROS 2: colcon comes from PyPI too, and the wheels' Python
	# bindings carry their builder's include paths, so none are generated.
	"$venv/bin/pip" install -q colcon-core==0.21.3 colcon-cmake==0.2.30 colcon-ros==0.5.0 \
		colcon-package-information==0.4.1 colcon-library-path==0.2.1 colcon-recursive-crawl==0.2.3 ||
		{ echo "colcon-test: pip install colcon failed (PyPI unreachable?)" >&2; exit 1; }
	export PATH=$venv/bin:$PATH
	cmake_args=(--cmake-args -DCMAKE_DISABLE_FIND_PACKAGE_rosidl_generator_py=ON -DBUILD_TESTING=OFF "-DPython3_EXECUTABLE=$venv/bin/python3")
fi
ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
echo "colcon-test: colcon build in $ws" >&2
if ! colcon --log-base "$ws/log" build --base-paths "$root" "$root/msgs" --build-base "$ws/build" --install-base "$ws/install" \
	--executor sequential "${cmake_args[@]}" >"$ws/colcon.log" 2>&1; then
	tail -n 40 "$ws/colcon.log" >&2
	echo "colcon-test: colcon build FAILED" >&2
	exit 1
fi
inst=$ws/install/gopercept
for f in lib/gopercept/lidarseg lib/gopercept/pose2d lib/gopercept/bevfusion lib/gopercept/libonnxruntime.so.1 \
	share/gopercept/launch/perception.launch.py share/gopercept/params/lidarseg.yaml share/gopercept/rviz/gopercept.rviz \
	share/gopercept/models/lidarseg-any-small.onnx share/gopercept/models/lidarseg-any-sparse-small.onnx share/gopercept/models/lidarseg-small.onnx; do
	[[ -e "$inst/$f" ]] || { echo "colcon-test: $f was not installed" >&2; exit 1; }
done
[[ -e "$ws/install/gopercept_msgs/share/gopercept_msgs/msg/Skeleton2DArray.msg" ]] || { echo "colcon-test: gopercept_msgs not installed" >&2; exit 1; }
export ROS_DOMAIN_ID=$((1 + ($$ + 31) % 200)) ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST ROS_LOCALHOST_ONLY=
log=$ws/lidarseg.log
(cd /tmp && exec "$inst/lib/gopercept/lidarseg" --ros-args --params-file "$inst/share/gopercept/params/lidarseg.yaml" -p lazy:=false >"$log" 2>&1) &
pid=$!
for _ in $(seq 100); do
	grep -q "subscribed to inputs" "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
kill -INT "$pid" 2>/dev/null || true
wait "$pid" || true
cat "$log" >&2
grep -q "lidarseg-any-small runs on CPUExecutionProvider" "$log" || { echo "colcon-test: the installed node did not load its installed model" >&2; exit 1; }
grep -q "shut down" "$log" || { echo "colcon-test: the installed node did not shut down cleanly" >&2; exit 1; }
echo "colcon-test: 1 passed, 0 failed"
