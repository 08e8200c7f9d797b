#!/usr/bin/env bash
# Fetches the official OpenLineage Java client and its runtime jars (ops/openlineage/pom.xml) from
# Maven Central into .stack/openlineage/ (git-ignored), for ops/openlineage/check.sh. Idempotent:
# when the jars carry the stamp of the current pom it returns at once; a changed pom refetches.
# Concurrent calls are serialized with a lock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$ROOT/ops/openlineage/pom.xml"
LIB="$ROOT/.stack/openlineage"

stamp() { sha256sum "$POM" | cut -d' ' -f1; }
present() { [[ -f "$LIB/.stamp" && "$(cat "$LIB/.stamp")" == "$(stamp)" ]]; }

present && exit 0
mkdir -p "$ROOT/.stack"
exec 9>"$ROOT/.stack/openlineage.lock"
flock -w 600 9 || { echo "[openlineage] another fetch holds .stack/openlineage.lock" >&2; exit 1; }
present && exit 0 # fetched by whoever held the lock

command -v mvn >/dev/null || { echo "[openlineage] mvn not found: Maven is needed to fetch the jars" >&2; exit 1; }
echo "[openlineage] fetching openlineage-java from Maven Central into .stack/openlineage/" >&2
t0=$SECONDS
rm -rf "$LIB"
# (Debian's Maven 3.8 prints stray ANSI resets even in batch mode: strip them.)
mvn -B -q -f "$POM" generate-resources </dev/null 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' >&2 ||
  { echo "[openlineage] mvn failed (see above)" >&2; exit 1; }
stamp >"$LIB/.stamp"
echo "[openlineage] jars fetched in $((SECONDS - t0))s" >&2
