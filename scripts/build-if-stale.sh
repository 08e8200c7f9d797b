#!/usr/bin/env bash
# `npm start`'s build step: compiles dist/ only when a source is newer than the last build (tsc's
# build mode keeps track in dist/tsconfig.build.tsbuildinfo), says so on stderr while it works,
# and keeps stdout for the report (tsc prints its diagnostics on stdout).
set -euo pipefail
cd "$(dirname "$0")/.."
tsc=node_modules/.bin/tsc
if "$tsc" -b tsconfig.build.json --dry | grep -q 'is up to date'; then
  exit 0
fi
echo "adx: compiling the TypeScript sources into dist/ (they changed since the last build) ..." >&2
started=$SECONDS
if ! "$tsc" -b tsconfig.build.json >&2; then
  echo "adx: the build failed (errors above); nothing was started" >&2
  exit 2
fi
echo "adx: built in $((SECONDS - started)) s" >&2
