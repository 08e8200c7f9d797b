#!/usr/bin/env bash
# npm test: every suite. Typecheck and lint first (cheap, and a red lint is a red build), then
# the stack-free suites in parallel, then the suites that talk to the real stack (started here
# when it is not up) one file at a time, and one summary line "N passed, N failed" for CI.
set -uo pipefail
cd "$(dirname "$0")/.."

# PGlite loads its WASM with import(), which jest's module sandbox allows only with this flag;
# Node then warns that VM modules are experimental on every jest worker: known, and not news
export NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}"

status=0
step() { echo; echo "== $*"; }
results=()

run_jest() {
  local out
  out="$(mktemp -t adx-jest-XXXXXX.json)"
  results+=("$out")
  npx jest --ci --json --outputFile="$out" "$@" || status=1
}

step "typecheck"
npx tsc -p tsconfig.json --noEmit || status=1

step "lint (eslint + prettier)"
npx eslint . || status=1
npx prettier --check . >/dev/null || { npx prettier --check . | tail -20; status=1; }

step "monitoring config (promtool, amtool)"
npm run --silent test:monitoring || status=1

step "jest: unit, memory, cli"
run_jest --selectProjects unit memory cli

step "real stack"
if ! ops/stack.sh status --monitoring >/dev/null 2>&1; then
  # --monitoring: Prometheus and Alertmanager too, for the end-to-end alert test
  ops/stack.sh up --monitoring || { echo "the stack did not start: the suites below will fail"; status=1; }
fi
ops/stack.sh status --monitoring || true
# the tests' defaults are the stack's addresses; only these two are passed on, so a child
# process started by a test never inherits a DATABASE_URL or bucket it did not ask for
eval "$(ops/stack.sh env | grep -E '^export (KAFKA_BROKERS|SCHEMA_REGISTRY_URL)=')"
# the alert test also needs the monitoring addresses and the stack's own ports (it restarts
# Prometheus and Alertmanager with its test configuration through ops/stack.sh)
eval "$(ops/stack.sh env | grep -E '^export (PROMETHEUS_URL|ALERTMANAGER_URL)=')"

step "jest: conformance (memory and real adapters), contract, integration, exactly-once, scale-out, monitoring"
run_jest --selectProjects conformance contract integration exactly-once scale-out monitoring --runInBand

step "jest: outages (stops Postgres, S3Proxy, the registry and Kafka one at a time, so last)"
run_jest --selectProjects outages --runInBand

node -e '
  let passed = 0, failed = 0, skipped = 0, suitesPassed = 0, suitesFailed = 0, total = 0;
  for (const file of process.argv.slice(1)) {
    let r;
    try { r = require(file); } catch { failed++; continue; }
    passed += r.numPassedTests; failed += r.numFailedTests; total += r.numTotalTests;
    skipped += r.numPendingTests + r.numTodoTests;
    suitesPassed += r.numPassedTestSuites; suitesFailed += r.numFailedTestSuites + r.numRuntimeErrorTestSuites;
  }
  console.log("");
  console.log(`suites: ${suitesPassed} passed, ${suitesFailed} failed`);
  console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (total === 0) { console.error("no tests ran"); process.exit(1); }
  if (suitesFailed > 0) process.exit(1);
' "${results[@]}" || status=1
rm -f "${results[@]}"
exit $status
