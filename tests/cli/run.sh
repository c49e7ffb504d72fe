#!/bin/bash
# run.sh BATON - the command-line tests: run the built binary on fixtures and
# compare output and exit status exactly. Each tests/cli/t_*.sh is a group
# of tests written with the helpers below; they run in file order, each in a
# fresh scratch directory. The last line is "N passed, N failed".
set -u
BATON=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXAMPLES=$ROOT/examples
FIXTURES=$ROOT/tests/fixtures
export BATON_NOW=2026-11-23T10:00:00Z
export USER=tester
unset BATON_DB
passed=0
failed=0

# run CMD...: runs it, sets $out (stdout), $err (stderr) and $rc.
run() {
	out=$("$@" 2>"$SCRATCH/.err")
	rc=$?
	err=$(cat "$SCRATCH/.err")
}
ok() { passed=$((passed + 1)); }
ko() {
	failed=$((failed + 1))
	printf 'FAIL %s: %s\n' "$GROUP" "$1"
	[ -n "${2:-}" ] && printf '     %s\n' "$2" | head -20
	return 0
}
# expect_rc N WHAT
expect_rc() {
	if [ "$rc" = "$1" ]; then ok; else ko "$2" "exit $rc, expected $1; stderr: $err"; fi
}
# expect_out TEXT WHAT: stdout contains TEXT (fixed string)
expect_out() {
	if grep -qF -- "$1" <<<"$out"; then ok; else ko "$2" "stdout lacks '$1'; got: $out"; fi
}
# expect_no_out TEXT WHAT
expect_no_out() {
	if grep -qF -- "$1" <<<"$out"; then ko "$2" "stdout has '$1'"; else ok; fi
}
# expect_err TEXT WHAT: stderr contains TEXT (fixed string)
expect_err() {
	if grep -qF -- "$1" <<<"$err"; then ok; else ko "$2" "stderr lacks '$1'; got: $err"; fi
}
# expect_eq A B WHAT
expect_eq() {
	if [ "$1" = "$2" ]; then ok; else ko "$3" "got '$1', expected '$2'"; fi
}
# jq-free JSON access through python3 (Debian's): json_get EXPR < json
json_get() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
# A database loaded with examples/ (fresh copy for each group).
example_db() {
	"$BATON" --db "$SCRATCH/ex.db" import "$EXAMPLES" >/dev/null 2>&1 || ko "example_db" "import of examples failed"
	echo "$SCRATCH/ex.db"
}

for t in "$ROOT"/tests/cli/t_*.sh; do
	GROUP=$(basename "$t" .sh)
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH" || exit 3
	. "$t"
	cd "$ROOT" || exit 3
	rm -rf "$SCRATCH"
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
