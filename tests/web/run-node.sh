#!/bin/sh
# run-node.sh BATON - the tests that need node: OpenAPI validation and the
# headless-Chromium browser test. node_modules comes from the committed
# package-lock.json (tools/deps.sh test installs it; done here too when
# missing). Screenshots are written to build/.
set -eu
baton=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$here"
node validate-openapi.mjs "$root/schemas/openapi.yaml"
# The validator must be able to fail: a broken document is refused.
if node validate-openapi.mjs fixtures/bad-openapi.yaml >/dev/null 2>&1; then
	echo "FAIL openapi: tests/web/fixtures/bad-openapi.yaml was accepted"
	exit 1
fi
node browser.mjs "$baton" "$root/examples" "$root/build"
