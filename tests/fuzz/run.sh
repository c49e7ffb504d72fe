#!/bin/sh
# run.sh BUILD SECONDS NAME... - run each fuzz target BUILD/fuzz_NAME for
# SECONDS (libFuzzer -max_total_time) on a working copy of its seeds in
# BUILD/corpus/NAME (tests/fuzz/corpus/NAME stays as committed), crashes in
# BUILD/artifacts/NAME/. Exit status 1 when any target crashed.
set -u
build=$1 secs=$2
shift 2
failed=""
for name in "$@"; do
	bin=$build/fuzz_$name
	mkdir -p "$build/corpus/$name" "$build/artifacts/$name"
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "fuzz: $name for ${secs}s"
	# shellcheck disable=SC2086
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 \
		-print_final_stats=1 $dict \
		-artifact_prefix="$build/artifacts/$name/" \
		"$build/corpus/$name" "tests/fuzz/corpus/$name" \
		>"$build/$name.log" 2>&1; then
		failed="$failed $name"
		tail -n 40 "$build/$name.log"
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/$name.log" | tail -2
done
if [ -n "$failed" ]; then
	echo "fuzz: crashed:$failed (inputs in $build/artifacts/)"
	exit 1
fi
echo "fuzz: no crash"
