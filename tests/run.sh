#!/bin/sh
# tests/run.sh - the two quick-start commands of the README.
#
#   sh tests/run.sh demo   install what is missing, build, run the whole
#                          lifecycle in a scratch repository
#   sh tests/run.sh test   install what is missing, build with ASan+UBSan,
#                          run every test (unit, end-to-end, bad input, Slurm)
#
# Works on a fresh Debian machine as root (or with sudo).  Builds go to
# build/release and build/sanitize inside the source tree.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

PACKAGES="build-essential cmake pkg-config git openssh-client gnupg python3 \
libgit2-dev libyaml-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev mandoc"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "installing:$missing" >&2
		as_root apt-get update -q
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	fi
}

build() { # build DIR [cmake args...]
	dir=$1
	shift
	cmake -S "$SRC" -B "$SRC/build/$dir" "$@" >/dev/null
	cmake --build "$SRC/build/$dir" -j "$JOBS"
}

case "${1:-}" in
demo)
	install_deps
	build release -DCMAKE_BUILD_TYPE=RelWithDebInfo
	exec sh "$SRC/tests/demo.sh" "$SRC/build/release/treqs"
	;;
test)
	install_deps
	start=$(date +%s)
	build sanitize -DCMAKE_BUILD_TYPE=Debug -DTREQS_SANITIZE=ON
	cd "$SRC/build/sanitize"
	export LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0"
	status=0
	ctest -j "$JOBS" --output-on-failure || status=1
	echo "tests took $(( $(date +%s) - start )) s" >&2
	exit $status
	;;
*)
	echo "usage: sh tests/run.sh demo|test" >&2
	exit 2
	;;
esac
