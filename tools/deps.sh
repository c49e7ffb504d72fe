#!/bin/sh
# deps.sh build|test|valgrind|fuzz|bench - install the Debian packages baton needs, when missing.
# Does nothing when everything is present, so it is cheap to call each time.
set -eu
what=${1:-build}

# pkg-config module -> Debian package
need_pc() {
	for pair in "$@"; do
		mod=${pair%%=*}; pkg=${pair#*=}
		pkg-config --exists "$mod" 2>/dev/null || missing="$missing $pkg"
	done
}
need_cmd() {
	for pair in "$@"; do
		cmd=${pair%%=*}; pkg=${pair#*=}
		command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
	done
}
need_py() {
	for pair in "$@"; do
		mod=${pair%%=*}; pkg=${pair#*=}
		/usr/bin/python3 -c "import $mod" 2>/dev/null || missing="$missing $pkg"
	done
}

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v make >/dev/null 2>&1 || missing="$missing make"
need_pc sqlite3=libsqlite3-dev yaml-0.1=libyaml-dev jansson=libjansson-dev \
	libmicrohttpd=libmicrohttpd-dev libcmark=libcmark-dev libsodium=libsodium-dev \
	jemalloc=libjemalloc-dev
if [ "$what" = valgrind ]; then
	need_cmd valgrind=valgrind
fi
if [ "$what" = fuzz ]; then
	need_cmd clang=clang
	# libFuzzer's runtime (libclang_rt.fuzzer-*.a) for the default clang
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
		>/dev/null 2>&1 || missing="$missing libclang-rt-dev"
fi
# make bench: the web figure is measured against nginx, loaded by wrk
if [ "$what" = bench ]; then
	need_cmd nginx=nginx wrk=wrk sqlite3=sqlite3
fi
if [ "$what" = test ]; then
	need_pc check=check
	need_cmd sqlite3=sqlite3 curl=curl node=nodejs npm=npm
	[ -x /usr/bin/chromium ] || missing="$missing chromium"
	[ -x /usr/bin/python3 ] || missing="$missing python3"
	[ -x /usr/bin/python3 ] && need_py yaml=python3-yaml jsonschema=python3-jsonschema
fi

# The browser test and the OpenAPI validator (npm, from the committed lock
# file, into tests/web/node_modules; no browser is downloaded).
node_deps() {
	[ "$what" = test ] || return 0
	[ -d tests/web/node_modules/playwright-core ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
}

[ -z "$missing" ] && { node_deps; exit 0; }
echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
node_deps
