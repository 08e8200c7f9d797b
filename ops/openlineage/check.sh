#!/usr/bin/env bash
# Checks an NDJSON file of OpenLineage run events (e.g. ADX_OPENLINEAGE_FILE) with the official
# OpenLineage Java client: see Check.java. Fetches the client first if needed (fetch.sh).
#
#   ops/openlineage/check.sh events.ndjson     # "N events valid", or one line per problem + exit 1
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -eq 1 ]] || { echo "usage: ops/openlineage/check.sh <events.ndjson>" >&2; exit 2; }
[[ -f "$1" ]] || { echo "ops/openlineage/check.sh: no such file: $1" >&2; exit 2; }
"$ROOT/ops/openlineage/fetch.sh"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java="$JAVA_HOME/bin/java"; else java=java; fi
# Java 11+ runs the single source file directly; a short-lived JVM needs no JIT beyond C1.
exec "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$ROOT/.stack/openlineage/*" \
  "$ROOT/ops/openlineage/Check.java" "$1"
