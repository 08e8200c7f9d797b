# shellcheck shell=bash
# Prometheus and Alertmanager for `ops/stack.sh up --monitoring`, sourced by ops/stack.sh. Both
# come from Debian's packages (prometheus, prometheus-alertmanager), whose services are never
# started: the binaries run here with their configuration and data under .stack/.
#
# The configuration is copied from MONITORING_CONFIG_DIR (default: ops/, i.e. the shipped
# ops/prometheus and ops/alertmanager) into .stack/run/{prometheus,alertmanager} on every `up`,
# plus the target files Prometheus reads (file_sd): ADX_METRICS_TARGETS (the services'
# /metrics, default 127.0.0.1:9464) and this Alertmanager. When a running component's
# configuration changed, `up` reloads it (POST /-/reload) instead of restarting it.

PROMETHEUS_BIN="${PROMETHEUS_BIN:-prometheus}"
ALERTMANAGER_BIN="${ALERTMANAGER_BIN:-prometheus-alertmanager}"
PROMETHEUS_RETENTION="${PROMETHEUS_RETENTION:-3d}"
PROMETHEUS_TIMEOUT="${PROMETHEUS_TIMEOUT:-60}"
ALERTMANAGER_TIMEOUT="${ALERTMANAGER_TIMEOUT:-60}"
MONITORING_COMPONENTS=(prometheus alertmanager)

# the PagerDuty routing key: copied next to the Alertmanager config (alertmanager.yml reads
# secrets/pagerduty-routing-key relative to itself); never printed, never committed
PAGERDUTY_ROUTING_KEY_FILE="${PAGERDUTY_ROUTING_KEY_FILE:-$OPS/alertmanager/secrets/pagerduty-routing-key}"

monitoring_config_dir() { printf '%s' "${MONITORING_CONFIG_DIR:-$OPS}"; }

# targets as a file_sd YAML list: one group, every address of a comma-separated list
file_sd() { # comma-separated host:port list
  local t first=1
  printf -- '- targets: ['
  IFS=',' read -r -a _targets <<<"$1"
  for t in "${_targets[@]}"; do
    ((first)) || printf ', '
    printf "'%s'" "$t"
    first=0
  done
  printf ']\n'
}

dir_digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }

# Copies one component's configuration into .stack/run/<component>; prints "changed" when it
# differs from what was there.
monitoring_render() { # component
  local name="$1" src dst before after
  src="$(monitoring_config_dir)/$name"
  dst="$RUN/$name"
  [[ -d "$src" ]] || die "MONITORING_CONFIG_DIR has no $name/ directory: $src"
  before="$([[ -d "$dst" ]] && dir_digest "$dst" || true)"
  rm -rf "$dst.new"
  mkdir -p "$dst.new"
  cp -R "$src/." "$dst.new/"
  case "$name" in
    prometheus)
      [[ -f "$dst.new/prometheus.yml" ]] || die "no prometheus.yml in $src"
      mkdir -p "$dst.new/targets"
      file_sd "${ADX_METRICS_TARGETS:-127.0.0.1:9464}" >"$dst.new/targets/adx-pipeline.yml"
      file_sd "$HOST:$ALERTMANAGER_PORT" >"$dst.new/targets/alertmanager.yml"
      ;;
    alertmanager)
      [[ -f "$dst.new/alertmanager.yml" ]] || die "no alertmanager.yml in $src"
      if [[ -f "$PAGERDUTY_ROUTING_KEY_FILE" ]]; then
        mkdir -p "$dst.new/secrets"
        (umask 077 && cp "$PAGERDUTY_ROUTING_KEY_FILE" "$dst.new/secrets/pagerduty-routing-key")
      elif [[ ! -f "$dst.new/secrets/pagerduty-routing-key" ]]; then
        log "no PagerDuty routing key at $PAGERDUTY_ROUTING_KEY_FILE: pages will not be delivered (see README, Monitoring)"
      fi
      ;;
  esac
  # in place: the running process's working directory is $dst (relative paths such as
  # Alertmanager's routing_key_file resolve against it), so the directory itself must stay
  mkdir -p "$dst"
  find "$dst" -mindepth 1 -delete
  cp -R "$dst.new/." "$dst/"
  rm -rf "$dst.new"
  after="$(dir_digest "$dst")"
  [[ "$before" == "$after" ]] || printf 'changed'
}

prometheus_start() {
  mkdir -p "$DATA/prometheus"
  # exec -a: the marker becomes argv[0], so our_pid recognizes the process as it does the JVMs
  start_bg prometheus "$RUN/prometheus" bash -c 'exec -a "$0" "$@"' "$(marker prometheus)" \
    "$PROMETHEUS_BIN" --config.file="$RUN/prometheus/prometheus.yml" \
    --storage.tsdb.path="$DATA/prometheus" --storage.tsdb.retention.time="$PROMETHEUS_RETENTION" \
    --web.listen-address="$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle
}

alertmanager_start() {
  mkdir -p "$DATA/alertmanager"
  # a single Alertmanager: the gossip cluster listener (default :9094) is disabled
  start_bg alertmanager "$RUN/alertmanager" bash -c 'exec -a "$0" "$@"' "$(marker alertmanager)" \
    "$ALERTMANAGER_BIN" --config.file="$RUN/alertmanager/alertmanager.yml" \
    --storage.path="$DATA/alertmanager" --web.listen-address="$HOST:$ALERTMANAGER_PORT" \
    --cluster.listen-address=
}

monitoring_reload() { # component
  local url code
  url="http://$HOST:$([[ "$1" == prometheus ]] && echo "$PROMETHEUS_PORT" || echo "$ALERTMANAGER_PORT")/-/reload"
  code="$(curl -s -o "$LOGS/$1.reload" -m 30 -w '%{http_code}' -X POST "$url" || true)"
  if [[ "$code" != 200 ]]; then
    log "$1 refused the new configuration (HTTP $code): $(cat "$LOGS/$1.reload" 2>/dev/null)"
    return 1
  fi
  log "$1 reloaded its configuration"
}

monitoring_up() { # returns 1 if a component failed
  local c failed=0 changed
  for c in "${MONITORING_COMPONENTS[@]}"; do
    command -v "$([[ $c == prometheus ]] && echo "$PROMETHEUS_BIN" || echo "$ALERTMANAGER_BIN")" >/dev/null \
      || die "$c not found: apt-get install -y prometheus prometheus-alertmanager"
  done
  for c in alertmanager prometheus; do
    changed="$(monitoring_render "$c")"
    if our_pid "$c" >/dev/null; then
      if [[ -n "$changed" ]]; then monitoring_reload "$c" || failed=1; fi
      wait_healthy "$c" "$([[ $c == prometheus ]] && echo "$PROMETHEUS_TIMEOUT" || echo "$ALERTMANAGER_TIMEOUT")" || failed=1
      continue
    fi
    if healthy "$c"; then
      log "$c already answers at $(address "$c") (not started by this script): not reconfigured"
      continue
    fi
    "${c}_start"
    wait_healthy "$c" "$([[ $c == prometheus ]] && echo "$PROMETHEUS_TIMEOUT" || echo "$ALERTMANAGER_TIMEOUT")" || failed=1
  done
  return "$failed"
}
