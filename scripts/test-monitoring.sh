#!/usr/bin/env bash
# npm run test:monitoring: the monitoring configuration checked by the tools that run it -
# promtool (Prometheus config, alert rules and their unit tests in ops/prometheus/tests) and
# amtool (Alertmanager config). Both come from Debian's prometheus and prometheus-alertmanager
# packages (.ci/run installs them).
set -uo pipefail
cd "$(dirname "$0")/.."

for tool in promtool amtool; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found: apt-get install -y prometheus prometheus-alertmanager" >&2
    exit 1
  }
done

passed=0 failed=0
check() { # description, command...
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1))
    echo "ok    $what"
  else
    failed=$((failed + 1))
    echo "FAIL  $what"
    printf '%s\n' "$out" | sed 's/^/      /'
  fi
}

# the shipped config refers to target files that only exist where it runs (.stack/run/prometheus)
check "promtool check config ops/prometheus/prometheus.yml" \
  promtool check config --syntax-only ops/prometheus/prometheus.yml
for rules in ops/prometheus/rules/*.rules.yml; do
  check "promtool check rules $rules" promtool check rules "$rules"
done
for suite in ops/prometheus/tests/*.test.yml; do
  check "promtool test rules $suite" promtool test rules "$suite"
done
check "amtool check-config ops/alertmanager/alertmanager.yml" \
  amtool check-config ops/alertmanager/alertmanager.yml

echo "monitoring: $passed passed, $failed failed"
((failed == 0))
