#!/usr/bin/env bash
# npm test: every suite. Typecheck and lint first (cheap, and a red lint is a red build),
# then all jest projects, then one summary line "N passed, N failed" for CI.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
step() { echo; echo "== $*"; }

step "typecheck"
npx tsc -p tsconfig.json --noEmit || status=1

step "lint (eslint + prettier)"
npx eslint . || status=1
npx prettier --check . >/dev/null || { npx prettier --check . | tail -20; status=1; }

step "jest: unit, memory, conformance"
results="$(mktemp -t adx-jest-XXXXXX.json)"
npx jest --ci --json --outputFile="$results" "$@" || status=1

node -e '
  const r = require(process.argv[1]);
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log("");
  console.log(`suites: ${r.numPassedTestSuites} passed, ${r.numFailedTestSuites} failed`);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
' "$results" || status=1
rm -f "$results"
exit $status
