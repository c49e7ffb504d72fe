#!/bin/bash
# Validate the example organisation and the invalid samples against
# schemas/baton.schema.json with an independent validator (PyYAML + jsonschema).
#
#   examples/                  must validate
#   tests/schema/invalid/*.yaml each must be rejected, with every message
#                              named by its "# expect: REGEX" lines
#
# The last line is "N passed, N failed"; the exit status is 1 on any
# unexpected result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-/usr/bin/python3}
schema="$root/schemas/baton.schema.json"
validate="$here/validate.py"
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# 1. The examples must all validate.
if "$python" "$validate" "$schema" "$root/examples" >"$out" 2>&1; then
    pass "examples/ ($(tail -n 1 "$out"))"
else
    fail "examples/" "expected no errors"
    sed 's/^/     /' "$out"
fi

# 2. Every invalid sample must be rejected (exit 1) for the reasons it names.
for f in "$here"/invalid/*.yaml; do
    name="tests/schema/invalid/$(basename "$f")"
    rc=0
    "$python" "$validate" "$schema" "$f" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 1 ]; then
        fail "$name" "expected exit 1, got $rc"
        sed 's/^/     /' "$out"
        continue
    fi
    missing=""
    while IFS= read -r pat; do
        grep -qE -- "$pat" "$out" || missing="$missing [$pat]"
    done < <(sed -n 's/^# expect: //p' "$f")
    if [ -n "$missing" ]; then
        fail "$name" "rejected, but no message matched:$missing"
        sed 's/^/     /' "$out"
    else
        pass "$name"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
