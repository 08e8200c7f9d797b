#!/usr/bin/env bash
# Local "real stack" for the AdvertiseX pipeline: Kafka (KRaft, single node), S3Proxy
# (S3 API on the local filesystem), Apicurio Registry (Confluent-compatible schema registry)
# and PostgreSQL. No Docker: the JVM components run from Maven Central jars fetched by
# ops/pom.xml into .stack/lib/. See ops/README.md.
#
#   ops/stack.sh up       fetch jars (first time), start whatever is not healthy, wait for health
#   ops/stack.sh up --monitoring       also Prometheus and Alertmanager (ops/stack-monitoring.sh)
#   ops/stack.sh status   one line per component; exit 1 if any is down (--monitoring: those too)
#   ops/stack.sh down     stop what `up` started (pid files under .stack/run/)
#   ops/stack.sh stop <component>    stop one component (kafka, s3proxy, s3tls, registry, postgres):
#                                    the outage tests take one dependency away at a time
#   ops/stack.sh start <component>   start it again and wait until it is healthy
#   ops/stack.sh env      print the connection settings as shell exports
#   ops/stack.sh env --tls  the same for the encrypted endpoints (ops/stack-secure.sh)
#
# Kafka version: 4.4.0. kafkajs 2.2.4 (2022) predates KIP-896, which removed old protocol
# versions in Kafka 4.0, but every request kafkajs sends has a version that 4.x still serves
# (it negotiates via ApiVersions): checked with kafkajs 2.2.4 against 4.4.0 - admin
# createTopics/fetchTopicMetadata/deleteTopics, idempotent producer (InitProducerId),
# transactional producer (commit + abort), consumer group with offset commits, read_committed.
# So no 3.9.x fallback is needed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPS="$ROOT/ops"
STACK="$ROOT/.stack"
LIB="$STACK/lib"
DATA="$STACK/data"
RUN="$STACK/run"
LOGS="$STACK/logs"

HOST=127.0.0.1
PORT_VARS=(KAFKA_PORT KAFKA_CONTROLLER_PORT S3_PORT REGISTRY_PORT REGISTRY_MGMT_PORT PROMETHEUS_PORT ALERTMANAGER_PORT)
PORT_VARS+=(KAFKA_SASL_SSL_PORT S3_HTTPS_PORT POSTGRES_TLS_PORT) # the encrypted endpoints
# While JVMs started by `up` are running, the ports they were given (saved in
# .stack/run/ports.env) are the defaults, so `status` and `env` need no repeated overrides.
if [[ -f "$RUN/ports.env" ]] && compgen -G "$RUN/*.pid" >/dev/null; then
  while IFS='=' read -r k v; do
    if [[ " ${PORT_VARS[*]} " == *" $k "* && -z "${!k:-}" ]]; then printf -v "$k" '%s' "$v"; fi
  done <"$RUN/ports.env"
fi
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
S3_PORT="${S3_PORT:-9000}"
REGISTRY_PORT="${REGISTRY_PORT:-8081}"
# Apicurio 3.x serves health/metrics on a separate Quarkus management port (its default,
# 9000, would collide with S3Proxy).
REGISTRY_MGMT_PORT="${REGISTRY_MGMT_PORT:-8091}"
# monitoring (up --monitoring). Alertmanager's own default, 9093, is Kafka's controller here.
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
ALERTMANAGER_PORT="${ALERTMANAGER_PORT:-9095}"
# Encrypted endpoints (ops/stack-secure.sh): Kafka SASL_SSL, S3Proxy HTTPS, the TLS-only cluster.
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-9192}"
S3_HTTPS_PORT="${S3_HTTPS_PORT:-9443}"
POSTGRES_TLS_PORT="${POSTGRES_TLS_PORT:-5443}"
POSTGRES_HOST="${POSTGRES_HOST:-127.0.0.1}"
POSTGRES_PORT="${POSTGRES_PORT:-5432}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-advertisex}"
POSTGRES_CLUSTER="${POSTGRES_CLUSTER:-main}" # Debian cluster that `up` starts if Postgres is down
# Local-development-only credentials (S3Proxy requires signed requests with these).
S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-adxlocal}"
S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-adxlocalsecret}"

KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
S3PROXY_HEAP="${S3PROXY_HEAP:--Xmx256m -Xms32m}"
REGISTRY_HEAP="${REGISTRY_HEAP:--Xmx384m -Xms64m}"

KAFKA_TIMEOUT="${KAFKA_TIMEOUT:-120}"
S3PROXY_TIMEOUT="${S3PROXY_TIMEOUT:-90}"
REGISTRY_TIMEOUT="${REGISTRY_TIMEOUT:-180}"
POSTGRES_TIMEOUT="${POSTGRES_TIMEOUT:-60}"

COMPONENTS=(kafka s3proxy registry)
COMPONENTS+=(s3tls) # a second S3Proxy: HTTPS, objects encrypted at rest (ops/stack-secure.sh)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=ops/stack-secure.sh
source "$OPS/stack-secure.sh"

# ---------------------------------------------------------------- java runtimes

java_major() { # java binary -> major version (17, 21, 25...), empty if it does not run
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9.]*\).*/\1/p' | head -n1)" || true
  v="${v#1.}"
  printf '%s' "${v%%.*}"
}

default_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s' "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

# Apicurio 3.3.x is compiled for Java 21. Take REGISTRY_JAVA if given, else the default java
# if it is 21+, else the newest 21+ JDK under /usr/lib/jvm (this machine kind ships a Temurin
# 25 there); if there is none, the registry falls back to Apicurio 3.0.9, which runs on 17.
registry_java() {
  if [[ -n "${REGISTRY_JAVA:-}" ]]; then printf '%s' "$REGISTRY_JAVA"; return; fi
  local j best="" best_v=0 v
  for j in "$(default_java)" /usr/lib/jvm/*/bin/java; do
    [[ -n "$j" && -x "$j" ]] || continue
    v="$(java_major "$j")"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v >= 21 && v > best_v)); then best="$j"; best_v="$v"; fi
  done
  printf '%s' "$best"
}

# Sets REG_JAVA, REG_VARIANT (registry = Apicurio 3.3.x | registry-java17 = 3.0.x), REG_DIR.
choose_registry() {
  REG_JAVA="$(registry_java)"
  [[ -n "$REG_JAVA" ]] || REG_JAVA="$(default_java)"
  local v
  v="$(java_major "$REG_JAVA")"
  if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= 21)); then
    REG_VARIANT=registry
  else
    REG_VARIANT=registry-java17
  fi
  REG_DIR="$LIB/$REG_VARIANT"
}

registry_jar() {
  if [[ "$REG_VARIANT" == registry ]]; then
    printf '%s' "$REG_DIR/quarkus-run.jar"
  else
    compgen -G "$REG_DIR/*-runner.jar" | head -n1 || true
  fi
}

# ---------------------------------------------------------------- jars (Maven Central)

pom_stamp() { sha256sum "$OPS/pom.xml" | cut -d' ' -f1; }

# A component's jars are "present" when its directory carries the stamp of the current pom.
jars_present() { [[ -f "$LIB/$1/.stamp" && "$(cat "$LIB/$1/.stamp")" == "$(pom_stamp)" ]]; }

ensure_jars() {
  local wanted=(kafka s3proxy "$REG_VARIANT") missing=() all=(kafka s3proxy registry registry-java17)
  local c args=()
  for c in "${wanted[@]}"; do
    jars_present "$c" && continue
    if [[ -f "$LIB/$c/.stamp" ]] && our_pid "${c%-java17}" >/dev/null; then
      # never pull jars from under a running JVM
      log "ops/pom.xml changed but $c is running: keeping its jars (down + up to refetch)"
      continue
    fi
    missing+=("$c")
  done
  ((${#missing[@]})) || return 0
  command -v mvn >/dev/null || die "mvn not found: Maven is needed to fetch ${missing[*]}"
  log "fetching jars from Maven Central for: ${missing[*]} (first run only)"
  for c in "${all[@]}"; do
    if [[ " ${missing[*]} " == *" $c "* ]]; then
      rm -rf "${LIB:?}/$c"
      args+=("-Dskip.$c=false")
    else
      args+=("-Dskip.$c=true")
    fi
  done
  [[ " ${missing[*]} " == *" registry-java17 "* ]] && args+=(-P registry-java17)
  local t0=$SECONDS
  # (Debian's Maven 3.8 prints stray ANSI resets even in batch mode: strip them.)
  mvn -B -q -f "$OPS/pom.xml" "${args[@]}" generate-resources </dev/null 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' >&2 \
    || die "mvn failed to fetch ${missing[*]} (see the output above)"
  for c in "${missing[@]}"; do
    rm -rf "$LIB/$c"/PaxHeaders* # tar pax headers that the 2.8 plugin unpacks as files
    pom_stamp >"$LIB/$c/.stamp"
  done
  log "jars fetched in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- processes

pidfile() { printf '%s' "$RUN/$1.pid"; }

# Every JVM we start carries -Dadx.stack=<component>@<repo root>; a pid only counts as ours
# if its command line still has that marker (guards against pid reuse and other clones).
marker() { printf -- '-Dadx.stack=%s@%s' "$1" "$ROOT"; }

our_pid() { # component -> pid of our running process, or nothing
  local f pid
  f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$(marker "$1")" || return 1
  printf '%s' "$pid"
}

start_bg() { # component workdir cmd... : start detached, record pid, log to .stack/logs
  local name="$1" wd="$2" logf="$LOGS/$1.log" pid
  shift 2
  mkdir -p "$wd"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logf"
  (cd "$wd" && exec setsid nohup "$@" </dev/null >>"$logf" 2>&1 9>&-) &
  pid=$!
  printf '%s\n' "$pid" >"$(pidfile "$name")"
  sleep 0.3
  # setsid only forks when it is a process-group leader (not the case here); in case it did,
  # look the JVM up by its unique marker.
  if ! our_pid "$name" >/dev/null; then
    pid="$(pgrep -f -- "$(marker "$name")" | head -n1 || true)"
    [[ -n "$pid" ]] && printf '%s\n' "$pid" >"$(pidfile "$name")"
  fi
  log "started $name (pid $(cat "$(pidfile "$name")"), log .stack/logs/$name.log)"
}

stop_component() {
  local name="$1" pid i
  if ! pid="$(our_pid "$name")"; then
    rm -f "$(pidfile "$name")"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do # up to 60 s: Kafka does a controlled shutdown
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 60s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$(pidfile "$name")"
}

# ---------------------------------------------------------------- health checks

http_status() { # url -> HTTP status code, 000 when nothing answers
  if command -v curl >/dev/null; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true
  else
    local hp="${1#http://}" path
    path="/${hp#*/}"
    hp="${hp%%/*}"
    # shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
    timeout 5 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1#*:}" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$1" >&3
      IFS=" " read -r _ code _ <&3 && printf "%s" "$code"' _ "$hp" "$path" 2>/dev/null || true
  fi
}

# shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
tcp_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null; }

# Kafka health: ApiVersions, then a Metadata request at a version the broker serves; healthy
# when it lists at least one broker. Plain node (no npm package); TCP only if node is absent.
KAFKA_PROBE_JS='
const net = require("net");
const [host, port] = [process.argv[1], Number(process.argv[2])];
const fail = (m) => { console.log(m); process.exit(1); };
setTimeout(() => fail("timeout"), 4000).unref();
const sock = net.connect(port, host);
sock.on("error", (e) => fail(e.code || String(e)));
let buf = Buffer.alloc(0); const waiting = [];
sock.on("data", (d) => {
  buf = Buffer.concat([buf, d]);
  while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
    const n = buf.readInt32BE(0); const frame = buf.subarray(4, 4 + n); buf = buf.subarray(4 + n);
    waiting.shift()(frame);
  }
});
function send(key, ver, corr, body) {
  const cid = Buffer.from("adx-stack-probe");
  const h = Buffer.alloc(10); h.writeInt16BE(key, 0); h.writeInt16BE(ver, 2); h.writeInt32BE(corr, 4); h.writeInt16BE(cid.length, 8);
  const payload = Buffer.concat([h, cid, body]); const len = Buffer.alloc(4); len.writeInt32BE(payload.length);
  return new Promise((res) => { waiting.push(res); sock.write(Buffer.concat([len, payload])); });
}
sock.on("connect", async () => {
  let r = await send(18, 0, 1, Buffer.alloc(0)); // ApiVersions v0
  if (r.readInt16BE(4) !== 0) fail("ApiVersions error " + r.readInt16BE(4));
  let min = -1, max = -1;
  for (let i = 0, o = 10; i < r.readInt32BE(6); i++, o += 6) if (r.readInt16BE(o) === 3) { min = r.readInt16BE(o + 2); max = r.readInt16BE(o + 4); }
  const v = Math.min(max, 8); // 9+ are "flexible" encodings; not needed here
  if (v < Math.max(min, 1)) fail("no usable Metadata version (" + min + ".." + max + ")");
  const body = Buffer.alloc(v >= 8 ? 7 : v >= 4 ? 5 : 4); body.writeInt32BE(-1, 0); // all topics
  r = await send(3, v, 2, body);
  let o = 4; if (v >= 3) o += 4;
  const nb = r.readInt32BE(o); o += 4;
  const brokers = [];
  for (let i = 0; i < nb; i++) {
    const id = r.readInt32BE(o); o += 4; const hl = r.readInt16BE(o); o += 2;
    const h = r.toString("utf8", o, o + hl); o += hl; const p = r.readInt32BE(o); o += 4;
    const rl = r.readInt16BE(o); o += 2 + Math.max(rl, 0); brokers.push(id + "@" + h + ":" + p);
  }
  let cluster = "?"; if (v >= 2) { const cl = r.readInt16BE(o); o += 2; if (cl >= 0) cluster = r.toString("utf8", o, o + cl); }
  if (!nb) fail("no brokers in metadata");
  console.log("metadata v" + v + " brokers=" + brokers.join(",") + " cluster=" + cluster);
  process.exit(0);
});
'

kafka_probe() { # prints a one-line description; status 0 if healthy
  if command -v node >/dev/null; then
    node -e "$KAFKA_PROBE_JS" "$HOST" "$KAFKA_PORT" 2>&1 | tail -n1
    return "${PIPESTATUS[0]}"
  fi
  tcp_open "$HOST" "$KAFKA_PORT" && echo "tcp open (node not found: no metadata check)"
}

healthy() { # component
  case "$1" in
    kafka) kafka_probe >/dev/null ;;
    s3proxy) [[ "$(http_status "http://$HOST:$S3_PORT/")" == 403 ]] ;; # anonymous: AccessDenied
    s3tls) s3tls_healthy ;;
    registry) [[ "$(http_status "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7/subjects")" == 200 ]] ;;
    postgres) pg_isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" ;;
    prometheus) [[ "$(http_status "http://$HOST:$PROMETHEUS_PORT/-/ready")" == 200 ]] ;;
    alertmanager) [[ "$(http_status "http://$HOST:$ALERTMANAGER_PORT/-/ready")" == 200 ]] ;;
  esac
}

address() {
  case "$1" in
    kafka) printf '%s:%s (controller %s:%s)' "$HOST" "$KAFKA_PORT" "$HOST" "$KAFKA_CONTROLLER_PORT" ;;
    s3proxy) printf 'http://%s:%s' "$HOST" "$S3_PORT" ;;
    s3tls) s3tls_address ;;
    registry) printf 'http://%s:%s/apis/ccompat/v7' "$HOST" "$REGISTRY_PORT" ;;
    postgres) printf 'postgresql://%s@%s:%s/%s' "$POSTGRES_USER" "$POSTGRES_HOST" "$POSTGRES_PORT" "$POSTGRES_DB" ;;
    prometheus) printf 'http://%s:%s' "$HOST" "$PROMETHEUS_PORT" ;;
    alertmanager) printf 'http://%s:%s' "$HOST" "$ALERTMANAGER_PORT" ;;
  esac
}

# ---------------------------------------------------------------- postgres

pg_version_dir() { # newest PostgreSQL version that has the cluster $POSTGRES_CLUSTER
  local d
  for d in /etc/postgresql/*/"$POSTGRES_CLUSTER"; do
    if [[ -d "$d" ]]; then basename "$(dirname "$d")"; fi
  done | sort -V | tail -n1
}

postgres_up() {
  command -v pg_isready >/dev/null || die "pg_isready not found: PostgreSQL client tools are required"
  if ! healthy postgres; then
    local ver
    ver="$(pg_version_dir)"
    if [[ -z "$ver" ]] || ! command -v pg_ctlcluster >/dev/null; then
      die "PostgreSQL is down on $POSTGRES_HOST:$POSTGRES_PORT and no local cluster to start"
    fi
    log "PostgreSQL is down: starting cluster $ver/$POSTGRES_CLUSTER"
    # 9>&- : the server must not inherit our lock file descriptor (it would hold the lock)
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$POSTGRES_CLUSTER" start 9>&-
    printf '%s %s\n' "$ver" "$POSTGRES_CLUSTER" >"$RUN/postgres.started-by-stack"
    local i
    for ((i = 0; i < POSTGRES_TIMEOUT * 2; i++)); do healthy postgres && break; sleep 0.5; done
    healthy postgres || {
      tail -n 40 "/var/log/postgresql/postgresql-$ver-$POSTGRES_CLUSTER.log" >&2 || true
      die "PostgreSQL did not come up"
    }
  fi
  local psql=(psql -X -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1)
  if [[ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" != 1 ]]; then
    log "creating database $POSTGRES_DB"
    "${psql[@]}" -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
}

postgres_down() {
  [[ -f "$RUN/postgres.started-by-stack" ]] || return 0
  local ver cluster
  read -r ver cluster <"$RUN/postgres.started-by-stack"
  log "stopping PostgreSQL $ver/${cluster:=main} (it was started by this script)"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" stop 9>&- || true
  rm -f "$RUN/postgres.started-by-stack"
}

# ---------------------------------------------------------------- kafka

kafka_configure() {
  local d="$RUN/kafka"
  mkdir -p "$d" "$DATA/kafka"
  local mask
  mask="$(umask)"
  umask 077 # server.properties holds the keystore password
  cat >"$d/server.properties" <<EOF
# Generated by ops/stack.sh on every 'up' - edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$DATA/kafka
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.segment.bytes=104857600
$(kafka_secure_properties)
EOF
  umask "$mask"
  # KRaft storage is formatted exactly once, with a cluster id generated once.
  if [[ ! -f "$DATA/kafka/meta.properties" ]]; then
    local id_file="$DATA/kafka-cluster-id" java
    java="$(default_java)"
    if [[ ! -s "$id_file" ]]; then
      "$java" -cp "$LIB/kafka/*" -Dlog4j2.configurationFile="$OPS/conf/kafka-tools-log4j2.properties" \
        kafka.tools.StorageTool random-uuid | tail -n1 >"$id_file"
    fi
    log "formatting KRaft storage under .stack/data/kafka (cluster id $(cat "$id_file"))"
    local scram=()
    mapfile -t scram < <(kafka_scram_format_args)
    "$java" -cp "$LIB/kafka/*" -Dlog4j2.configurationFile="$OPS/conf/kafka-tools-log4j2.properties" \
      kafka.tools.StorageTool format -t "$(cat "$id_file")" -c "$d/server.properties" "${scram[@]}" >>"$LOGS/kafka.log" 2>&1 \
      || { tail -n 30 "$LOGS/kafka.log" >&2; die "kafka storage format failed"; }
    kafka_scram_formatted
  fi
}

kafka_start() {
  kafka_configure
  # shellcheck disable=SC2086 # heap options are word-split on purpose
  start_bg kafka "$RUN/kafka" "$(default_java)" $KAFKA_HEAP "$(marker kafka)" \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$OPS/conf/kafka-log4j2.properties" \
    -cp "$LIB/kafka/*" kafka.Kafka "$RUN/kafka/server.properties"
}

# ---------------------------------------------------------------- s3proxy

s3proxy_start() { s3proxy_launch s3proxy "s3proxy.endpoint=http://$HOST:$S3_PORT" "$DATA/s3"; }

# component, endpoint setting(s), data directory, extra settings: writes the conf, starts it.
# (ops/stack-secure.sh starts a second one, s3tls, the same way.)
s3proxy_launch() {
  local name="$1" endpoint="$2" basedir="$3" extra="${4:-}" d="$RUN/$1"
  mkdir -p "$d" "$basedir"
  # S3Proxy 3.3.0 with the jclouds "filesystem" provider (buckets are directories under
  # .stack/data/s3). ignore-unknown-headers makes it accept (and ignore) headers it does not
  # implement - notably x-amz-server-side-encryption: AES256, which it would otherwise answer
  # with 501 NotImplemented. Objects are NOT encrypted at rest and responses do not echo the
  # SSE header. (S3Proxy 4.x dropped jclouds; its filesystem-nio2 store always answers 501 to
  # SSE headers and no setting changes that - only its in-memory store accepts them.)
  (
    umask 077
    cat >"$d/s3proxy.conf" <<EOF
# Generated by ops/stack.sh on every 'up' (local development credentials only).
$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY_ID
s3proxy.credential=$S3_SECRET_ACCESS_KEY
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem
jclouds.identity=$S3_ACCESS_KEY_ID
jclouds.credential=$S3_SECRET_ACCESS_KEY
jclouds.filesystem.basedir=$basedir
$extra
EOF
  )
  # shellcheck disable=SC2086
  start_bg "$name" "$d" "$(default_java)" $S3PROXY_HEAP "$(marker "$name")" \
    -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
    -cp "$LIB/s3proxy/*" org.gaul.s3proxy.Main --properties "$d/s3proxy.conf"
}

# ---------------------------------------------------------------- registry

registry_start() {
  local jar
  jar="$(registry_jar)"
  [[ -f "$jar" ]] || die "registry jar not found under $REG_DIR"
  [[ "$REG_VARIANT" == registry ]] \
    || log "no Java 21+ runtime chosen: running the registry as Apicurio 3.0.9 on Java $(java_major "$REG_JAVA")"
  # Storage: by default an H2 database file under .stack/data/registry, so schemas survive a
  # restart of the registry as Confluent's do in _schemas (the outage tests restart it with
  # records on the topics that name its ids); REGISTRY_STORAGE=mem: Apicurio's in-memory H2.
  local storage=()
  case "${REGISTRY_STORAGE:-file}" in
    mem) ;;
    file)
      mkdir -p "$DATA/registry"
      storage=(-Dapicurio.datasource.url="jdbc:h2:file:$DATA/registry/registry")
      ;;
    *) die "REGISTRY_STORAGE must be mem or file" ;;
  esac
  # shellcheck disable=SC2086
  start_bg registry "$RUN/registry" "$REG_JAVA" $REGISTRY_HEAP "$(marker registry)" \
    -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host="$HOST" -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    -Dquarkus.http.access-log.enabled=false \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=20 \
    -Dapicurio.rest.deletion.group.enabled=true -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    "${storage[@]}" -jar "$jar"
}

# ---------------------------------------------------------------- monitoring

# shellcheck source=ops/stack-monitoring.sh
source "$OPS/stack-monitoring.sh"

# ---------------------------------------------------------------- commands

wait_healthy() { # component timeout_seconds
  local name="$1" timeout="$2" t0=$SECONDS
  while ! healthy "$name"; do
    if [[ -f "$(pidfile "$name")" ]] && ! our_pid "$name" >/dev/null; then
      log "$name exited during startup; last lines of .stack/logs/$name.log:"
      tail -n 60 "$LOGS/$name.log" >&2
      return 1
    fi
    if ((SECONDS - t0 >= timeout)); then
      log "$name not healthy after ${timeout}s; last lines of .stack/logs/$name.log:"
      tail -n 60 "$LOGS/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  log "$name healthy after $((SECONDS - t0))s at $(address "$name")"
}

lock() {
  mkdir -p "$RUN" "$LOGS" "$DATA"
  exec 9>"$RUN/stack.lock"
  flock -w 900 9 || die "another ops/stack.sh is running (lock $RUN/stack.lock)"
}

cmd_up() {
  lock
  local t0=$SECONDS c started=() failed=0
  choose_registry
  ensure_jars
  local v
  for v in "${PORT_VARS[@]}"; do printf '%s=%s\n' "$v" "${!v}"; done >"$RUN/ports.env"
  secure_secrets
  secure_certificates
  postgres_up
  postgres_tls_up
  for c in "${COMPONENTS[@]}"; do
    if healthy "$c"; then
      our_pid "$c" >/dev/null || log "$c already answers at $(address "$c") (not started by this script)"
      continue
    fi
    if our_pid "$c" >/dev/null; then
      log "$c is running (pid $(our_pid "$c")) but not healthy yet: waiting"
    else
      "${c}_start"
    fi
    started+=("$c")
  done
  for c in "${started[@]}"; do
    case "$c" in
      kafka) wait_healthy kafka "$KAFKA_TIMEOUT" || failed=1 ;;
      s3proxy) wait_healthy s3proxy "$S3PROXY_TIMEOUT" || failed=1 ;;
      s3tls) wait_healthy s3tls "$S3PROXY_TIMEOUT" || failed=1 ;;
      registry) wait_healthy registry "$REGISTRY_TIMEOUT" || failed=1 ;;
    esac
  done
  if healthy kafka; then kafka_scram_ensure || failed=1; fi
  if ((WITH_MONITORING)); then monitoring_up || failed=1; fi
  log "up took $((SECONDS - t0))s"
  status_lines || true
  ((failed == 0)) || die "some components failed to start (ops/stack.sh down stops the others)"
}

status_lines() { # prints the status table; returns 1 if any component is down
  local c pid state any_down=0 extra
  local shown=("${COMPONENTS[@]}" postgres)
  for c in "${MONITORING_COMPONENTS[@]}"; do
    if ((WITH_MONITORING)) || [[ -f "$(pidfile "$c")" ]]; then shown+=("$c"); fi
  done
  for c in "${shown[@]}"; do
    pid="-"
    extra=""
    if [[ "$c" == postgres ]]; then
      [[ -f "$RUN/postgres.started-by-stack" ]] && extra=" (started by stack.sh)"
    else
      pid="$(our_pid "$c" || echo -)"
    fi
    if healthy "$c"; then state=up; else state=down; any_down=1; fi
    [[ "$c" == kafka && "$state" == up ]] && extra=" $(kafka_probe || true)"
    printf '%-12s %-5s pid %-8s %s%s\n' "$c" "$state" "$pid" "$(address "$c")" "$extra"
  done
  secure_status_lines || any_down=1
  return "$any_down"
}

cmd_status() {
  mkdir -p "$RUN"
  status_lines
}

cmd_down() {
  lock
  local c
  for c in prometheus alertmanager registry s3tls s3proxy kafka; do stop_component "$c"; done
  postgres_down
  postgres_tls_down
  rm -f "$RUN/ports.env"
  log "down: stopped what ops/stack.sh had started (data kept in .stack/data)"
}

cmd_stop_one() { # component
  local c="${1:-}"
  lock
  case "$c" in
    kafka | s3proxy | s3tls | registry) stop_component "$c" ;;
    postgres)
      local ver
      ver="$(pg_version_dir)"
      [[ -n "$ver" ]] || die "no local PostgreSQL cluster $POSTGRES_CLUSTER to stop"
      log "stopping PostgreSQL $ver/$POSTGRES_CLUSTER"
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$POSTGRES_CLUSTER" stop -m fast 9>&-
      ;;
    *) die "stop: expected kafka, s3proxy, s3tls, registry or postgres, got '$c'" ;;
  esac
}

cmd_start_one() { # component
  local c="${1:-}"
  lock
  case "$c" in
    kafka | s3proxy | s3tls | registry)
      # what `up` prepares first: the registry's runtime, the jars, the TLS secrets Kafka reads
      choose_registry
      ensure_jars
      secure_secrets
      secure_certificates
      if ! healthy "$c"; then
        our_pid "$c" >/dev/null || "${c}_start"
        local t
        case "$c" in
          kafka) t="$KAFKA_TIMEOUT" ;;
          registry) t="$REGISTRY_TIMEOUT" ;;
          *) t="$S3PROXY_TIMEOUT" ;;
        esac
        wait_healthy "$c" "$t" || die "$c did not become healthy"
        if [[ "$c" == kafka ]]; then kafka_scram_ensure; fi
      fi
      ;;
    postgres)
      # a cluster this script did not start before stays one it did not start (down leaves it)
      local marked=0
      [[ -f "$RUN/postgres.started-by-stack" ]] && marked=1
      postgres_up
      ((marked)) || rm -f "$RUN/postgres.started-by-stack"
      ;;
    *) die "start: expected kafka, s3proxy, s3tls, registry or postgres, got '$c'" ;;
  esac
}

cmd_env() {
  if [[ "${1:-}" == --tls ]]; then cmd_env_tls; return; fi
  cat <<EOF
export KAFKA_BROKERS=$HOST:$KAFKA_PORT
export S3_ENDPOINT=http://$HOST:$S3_PORT
export S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
export S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
export S3_FORCE_PATH_STYLE=true
export SCHEMA_REGISTRY_URL=http://$HOST:$REGISTRY_PORT/apis/ccompat/v7
export DATABASE_URL=postgresql://$POSTGRES_USER@$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB
export PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT
export ALERTMANAGER_URL=http://$HOST:$ALERTMANAGER_PORT
EOF
}

WITH_MONITORING=0
[[ "${2:-}" == --monitoring ]] && WITH_MONITORING=1
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  stop) cmd_stop_one "${2:-}" ;;
  start) cmd_start_one "${2:-}" ;;
  env) cmd_env "${2:-}" ;;
  *)
    echo "usage: ops/stack.sh up [--monitoring] | down | status [--monitoring] | stop|start <component> | env [--tls]" >&2
    exit 2
    ;;
esac
