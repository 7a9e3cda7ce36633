#!/usr/bin/env bash
# deploy/kafka/kafka.sh - run a real Apache Kafka broker (KRaft, 1 or 3 combined nodes) on
# loopback without Docker, for development, tests and the quickstart.
# Invariant: jars live in a cache outside the repo, resolved once by Maven from pom.xml; all
# state (config, data, logs, pid files) lives in one state dir; only processes whose pid file
# and command line both name this state dir are ever signalled.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: kafka.sh COMMAND [--nodes 1|3] [--dir DIR]
commands:
  start             resolve jars (first time only), format storage, start all nodes, wait
  stop              stop all nodes (SIGTERM, then SIGKILL after VG_KAFKA_STOP_TIMEOUT s)
  status            print node states; exit 0 all running, 1 some running, 3 none running
  kill NODE         SIGKILL one node (failure tests)
  stop-node NODE    stop one node cleanly
  start-node NODE   start one node of an existing cluster and wait until it answers
  bootstrap         print the bootstrap server list (host:port,...)
  resolve           only resolve the jars into the cache
  clean             stop, then delete the state dir
env: VG_KAFKA_DIR (/tmp/vigil-kafka)  VG_KAFKA_CACHE ($HOME/.cache/vigil-kafka)
     VG_KAFKA_PORT (9092: broker ports PORT..PORT+n-1)
     VG_KAFKA_CONTROLLER_PORT (PORT+10000)  VG_KAFKA_NODES (1)  VG_KAFKA_HEAP (512m)
     VG_KAFKA_START_TIMEOUT (120)  VG_KAFKA_STOP_TIMEOUT (30)  VG_KAFKA_MVN_ARGS (extra mvn args)
     VG_KAFKA_GROUP_DELAY_MS (0: group.initial.rebalance.delay.ms, how long a new consumer
       group waits for more members before its first assignment; Kafka's own default is 3000)
EOF
}

# Pinned broker version; the cache is keyed by it and by pom.xml's checksum.
KAFKA_VERSION=${VG_KAFKA_VERSION:-4.1.1}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$HERE/pom.xml"
CACHE_ROOT=${VG_KAFKA_CACHE:-${HOME:-/root}/.cache/vigil-kafka}
LIB="$CACHE_ROOT/$KAFKA_VERSION/lib"
MARKER="$LIB/.vigil-complete"
HEAP=${VG_KAFKA_HEAP:-512m}
START_TIMEOUT=${VG_KAFKA_START_TIMEOUT:-120}
STOP_TIMEOUT=${VG_KAFKA_STOP_TIMEOUT:-30}
GROUP_DELAY_MS=${VG_KAFKA_GROUP_DELAY_MS:-0}
HOST=127.0.0.1

die() { echo "kafka: error: $*" >&2; exit 1; }
say() { echo "kafka: $*" >&2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

[[ "$HEAP" =~ ^[0-9]+[mMgG]$ ]] || die "VG_KAFKA_HEAP must look like 512m or 1g (got '$HEAP')"
is_uint "$START_TIMEOUT" || die "VG_KAFKA_START_TIMEOUT must be whole seconds"
is_uint "$STOP_TIMEOUT" || die "VG_KAFKA_STOP_TIMEOUT must be whole seconds"
is_uint "$GROUP_DELAY_MS" || die "VG_KAFKA_GROUP_DELAY_MS must be whole milliseconds"

# ---------------------------------------------------------------- arguments
CMD=${1:-}
[[ -n "$CMD" ]] || { usage >&2; exit 2; }
shift
NODE_ARG=""
case "$CMD" in
  kill|stop-node|start-node)
    NODE_ARG=${1:-}
    is_uint "$NODE_ARG" || die "$CMD needs a node number (1..N)"
    shift ;;
  start|stop|status|bootstrap|resolve|clean) ;;
  -h|--help|help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
OPT_NODES=""
STATE_DIR=${VG_KAFKA_DIR:-/tmp/vigil-kafka}
while (($#)); do
  case "$1" in
    --nodes) OPT_NODES=${2:-}; shift 2 || die "--nodes needs a value" ;;
    --nodes=*) OPT_NODES=${1#--nodes=}; shift ;;
    --dir) STATE_DIR=${2:-}; shift 2 || die "--dir needs a value" ;;
    --dir=*) STATE_DIR=${1#--dir=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n "$STATE_DIR" ]] || die "--dir must not be empty"
[[ -z "$OPT_NODES" ]] && OPT_NODES=${VG_KAFKA_NODES:-}
if [[ -n "$OPT_NODES" && "$OPT_NODES" != 1 && "$OPT_NODES" != 3 ]]; then
  die "--nodes must be 1 or 3 (got '$OPT_NODES')"
fi
STATE_DIR=$(realpath -m -- "$STATE_DIR")
CLUSTER_ENV="$STATE_DIR/cluster.env"

# ---------------------------------------------------------------- prerequisites
need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found; install Java 17+ (Debian: deploy/deps.sh installs openjdk-17-jre-headless)"
  local spec
  spec=$(java -XshowSettings:properties -version 2>&1 |
         sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  spec=${spec#1.}
  is_uint "${spec%%.*}" || die "cannot tell the Java version from 'java -version'"
  ((${spec%%.*} >= 17)) || die "Kafka $KAFKA_VERSION needs Java 17+, found Java $spec"
}

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

cache_ready() {
  [[ -f "$MARKER" && -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" ]] &&
    [[ "$(cat "$MARKER")" == "$KAFKA_VERSION $(pom_sum)" ]]
}

# Resolve the broker and its runtime dependencies once; concurrent callers serialise on a lock.
resolve_jars() {
  [[ -f "$POM" ]] || die "missing $POM"
  cache_ready && return 0
  mkdir -p "$CACHE_ROOT/$KAFKA_VERSION" || die "cannot create cache dir $CACHE_ROOT/$KAFKA_VERSION"
  local lock="$CACHE_ROOT/$KAFKA_VERSION/.lock"
  exec 8>"$lock"
  flock 8
  if cache_ready; then exec 8>&-; return 0; fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found; install Maven (Debian: deploy/deps.sh installs maven)"
  local log="$CACHE_ROOT/$KAFKA_VERSION/resolve.log"
  local tmp="$CACHE_ROOT/$KAFKA_VERSION/lib.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  cp "$POM" "$CACHE_ROOT/$KAFKA_VERSION/pom.xml"
  say "resolving Apache Kafka $KAFKA_VERSION jars with Maven into $LIB (first run only; log: $log)"
  local t0=$SECONDS
  # shellcheck disable=SC2086
  if ! mvn -B -f "$CACHE_ROOT/$KAFKA_VERSION/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
       dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
       ${VG_KAFKA_MVN_ARGS:-} >"$log" 2>&1; then
    rm -rf "$tmp"
    grep -E '^\[ERROR\]' "$log" | head -n 15 >&2 || true
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION; full log: $log"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] ||
    { rm -rf "$tmp"; die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing; log: $log"; }
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  echo "$KAFKA_VERSION $(pom_sum)" >"$MARKER"
  say "resolved $(find "$LIB" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
  exec 8>&-
}

# ---------------------------------------------------------------- cluster layout
NODES=""; PORT=""; CPORT=""; CLUSTER_ID=""

load_env() {
  [[ -f "$CLUSTER_ENV" ]] || return 1
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      NODES) NODES=$v ;; PORT) PORT=$v ;; CPORT) CPORT=$v ;; CLUSTER_ID) CLUSTER_ID=$v ;;
    esac
  done <"$CLUSTER_ENV"
  if ! { is_uint "$NODES" && is_uint "$PORT" && is_uint "$CPORT" && [[ -n "$CLUSTER_ID" ]]; }; then
    die "$CLUSTER_ENV is damaged; run 'kafka.sh clean --dir $STATE_DIR'"
  fi
}

# Decide the layout for 'start': an existing state dir keeps its layout unless the caller
# explicitly asks for a different one, which is an error (its storage was formatted for it).
plan_layout() {
  local want_nodes=${OPT_NODES:-1}
  local want_port=${VG_KAFKA_PORT:-9092}
  is_uint "$want_port" || die "VG_KAFKA_PORT must be a number"
  local want_cport=${VG_KAFKA_CONTROLLER_PORT:-$((want_port + 10000))}
  is_uint "$want_cport" || die "VG_KAFKA_CONTROLLER_PORT must be a number"
  if load_env; then
    if { [[ -n "$OPT_NODES" ]] && ((OPT_NODES != NODES)); } ||
       { [[ -n "${VG_KAFKA_PORT:-}" ]] && ((want_port != PORT)); } ||
       { [[ -n "${VG_KAFKA_CONTROLLER_PORT:-}" ]] && ((want_cport != CPORT)); }; then
      die "$STATE_DIR holds a $NODES-node cluster on ports $PORT/$CPORT; run 'kafka.sh clean --dir $STATE_DIR' or use another --dir"
    fi
    return 0
  fi
  ((want_port >= 1024 && want_port + 2 <= 65535)) || die "broker port base $want_port out of range"
  ((want_cport >= 1024 && want_cport + 2 <= 65535)) || die "controller port base $want_cport out of range"
  NODES=$want_nodes; PORT=$want_port; CPORT=$want_cport
  # A KRaft cluster id is 16 random bytes in unpadded URL-safe base64.
  # It must not start with '-', or the storage formatter reads it as an option.
  CLUSTER_ID=-
  while [[ "$CLUSTER_ID" == -* ]]; do
    CLUSTER_ID=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
}

save_env() {
  [[ -f "$CLUSTER_ENV" ]] && return 0
  printf 'NODES=%s\nPORT=%s\nCPORT=%s\nCLUSTER_ID=%s\nVERSION=%s\n' \
    "$NODES" "$PORT" "$CPORT" "$CLUSTER_ID" "$KAFKA_VERSION" >"$CLUSTER_ENV.tmp"
  mv "$CLUSTER_ENV.tmp" "$CLUSTER_ENV"
}

node_dir() { echo "$STATE_DIR/node-$1"; }
bport() { echo $((PORT + $1 - 1)); }
cport() { echo $((CPORT + $1 - 1)); }
bootstrap_list() {
  local i out=""
  for ((i = 1; i <= NODES; i++)); do out+="${out:+,}$HOST:$(bport "$i")"; done
  echo "$out"
}
check_node_arg() {
  ((NODE_ARG >= 1 && NODE_ARG <= NODES)) || die "node must be 1..$NODES (got $NODE_ARG)"
}

write_config() {
  local n=$1 d voters="" i rf isr
  d=$(node_dir "$n")
  mkdir -p "$d/data"
  for ((i = 1; i <= NODES; i++)); do voters+="${voters:+,}$i@$HOST:$(cport "$i")"; done
  if ((NODES == 3)); then rf=3; isr=2; else rf=1; isr=1; fi
  cat >"$d/server.properties" <<EOF
# Generated by deploy/kafka/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$(bport "$n"),CONTROLLER://$HOST:$(cport "$n")
advertised.listeners=PLAINTEXT://$HOST:$(bport "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=true
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=$GROUP_DELAY_MS
num.network.threads=2
num.io.threads=4
EOF
  cat >"$d/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $d/server.log
appender.file.filePattern = $d/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
  # The storage formatter logs warnings and errors only, to its own format.log.
  cat >"$d/log4j2-tool.properties" <<EOF
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
EOF
}

JAVA_OPTS=()
set_java_opts() {
  local d=$1
  JAVA_OPTS=("-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
             -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
             "-Dkafka.logs.dir=$d" "-Dlog4j2.configurationFile=$d/log4j2.properties")
}

# ---------------------------------------------------------------- processes
# Pid of node N if it is alive and really is this state dir's broker, else empty.
node_pid() {
  local d pid
  d=$(node_dir "$1")
  [[ -f "$d/kafka.pid" ]] || return 0
  pid=$(cat "$d/kafka.pid" 2>/dev/null || true)
  is_uint "$pid" || return 0
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$d/server.properties" || return 0
  echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

format_node() {
  local n=$1 d
  d=$(node_dir "$n")
  [[ -f "$d/data/meta.properties" ]] && return 0
  if ! java -Xmx256m -Dlog4j2.configurationFile="$d/log4j2-tool.properties" -cp "$LIB/*" \
       kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$d/server.properties" \
       >"$d/format.log" 2>&1; then
    tail -n 20 "$d/format.log" >&2
    die "formatting storage of node $n failed; log: $d/format.log"
  fi
}

check_ports() {
  local n=$1 p
  for p in "$(bport "$n")" "$(cport "$n")"; do
    if port_busy "$p"; then
      die "port $HOST:$p (node $n) is already in use; set VG_KAFKA_PORT / VG_KAFKA_CONTROLLER_PORT or stop what holds it"
    fi
  done
}

launch_node() {
  local n=$1 d
  d=$(node_dir "$n")
  check_ports "$n"
  write_config "$n"
  format_node "$n"
  rm -f "$d/kafka.pid"
  # A new session so the broker outlives this script and the terminal that started it.
  set_java_opts "$d"
  # shellcheck disable=SC2016  # $$ and $@ belong to the inner sh
  setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$d/kafka.pid" \
    java "${JAVA_OPTS[@]}" -cp "$LIB/*" kafka.Kafka "$d/server.properties" \
    </dev/null >"$d/stdout.log" 2>&1 8>&- 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$d/kafka.pid" ]] && break; sleep 0.1; done
  [[ -s "$d/kafka.pid" ]] || die "node $n did not start (no pid file); see $d/stdout.log"
}

died() {
  local n=$1 d
  d=$(node_dir "$n")
  say "node $n died during start; last lines of its logs:"
  {
    tail -n 15 "$d/stdout.log"
    if grep -qE '^\[[^]]*\] (ERROR|FATAL) ' "$d/server.log"; then
      grep -A3 -E '^\[[^]]*\] (ERROR|FATAL) ' "$d/server.log" | tail -n 25
    else
      tail -n 15 "$d/server.log"
    fi
  } 2>/dev/null | sed 's/^/  | /' >&2 || true
  die "node $n exited; logs: $d/stdout.log $d/server.log"
}

# Node N answers a metadata request and sees at least WANT brokers.
node_ready() {
  local n=$1 want=$2 d out cnt
  d=$(node_dir "$n")
  if command -v kcat >/dev/null 2>&1; then
    out=$(timeout 10 kcat -b "$HOST:$(bport "$n")" -L -m 3 2>/dev/null) || return 1
    cnt=$(sed -n 's/^ *\([0-9][0-9]*\) brokers:.*/\1/p' <<<"$out" | head -n1)
    is_uint "$cnt" && ((cnt >= want))
  else
    # Without kcat: the port must answer and the server must have logged its start.
    port_busy "$(bport "$n")" && grep -q "Kafka Server started" "$d/server.log" 2>/dev/null
  fi
}

# Wait (with a deadline) until each listed node is alive and answers with WANT brokers.
wait_ready() {
  local want=$1; shift
  local deadline=$((SECONDS + START_TIMEOUT)) n pending
  while :; do
    pending=()
    for n in "$@"; do
      [[ -n "$(node_pid "$n")" ]] || died "$n"
      node_ready "$n" "$want" || pending+=("$n")
    done
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS < deadline)) ||
      die "node(s) ${pending[*]} not answering after $START_TIMEOUT s; logs under $STATE_DIR/node-*/server.log"
    sleep 0.5
  done
}

# True while PID exists and is not a zombie (a zombie has exited; only its reaping is due).
pid_alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
  [[ "$st" != Z ]]
}

# SIGTERM the given pids, wait up to STOP_TIMEOUT, SIGKILL what remains.
terminate() {
  local pids=("$@") deadline=$((SECONDS + STOP_TIMEOUT)) p alive
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  while :; do
    alive=()
    for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    ((${#alive[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      say "pid(s) ${alive[*]} still running after $STOP_TIMEOUT s; sending SIGKILL"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.2
  done
}

lock_state() {
  mkdir -p "$STATE_DIR" 2>/dev/null || die "cannot create state dir $STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock 9
}

# ---------------------------------------------------------------- commands
cmd_start() {
  need_java
  resolve_jars
  lock_state
  plan_layout
  local n todo=() t0=$SECONDS
  for ((n = 1; n <= NODES; n++)); do [[ -n "$(node_pid "$n")" ]] || todo+=("$n"); done
  if ((${#todo[@]} == 0)); then
    say "already running: $NODES node(s), bootstrap $(bootstrap_list) (state $STATE_DIR)"
    bootstrap_list
    return 0
  fi
  for n in "${todo[@]}"; do check_ports "$n"; done
  save_env
  for n in "${todo[@]}"; do launch_node "$n"; done
  local all=(); for ((n = 1; n <= NODES; n++)); do all+=("$n"); done
  wait_ready "$NODES" "${all[@]}"
  say "Apache Kafka $KAFKA_VERSION running: $NODES node(s), bootstrap $(bootstrap_list), ready in $((SECONDS - t0)) s"
  say "state and logs: $STATE_DIR/node-*/ (server.log); stop: $0 stop --dir $STATE_DIR"
  bootstrap_list
}

cmd_start_node() {
  need_java
  resolve_jars
  [[ -f "$CLUSTER_ENV" ]] || die "no cluster in $STATE_DIR; run 'kafka.sh start' first"
  lock_state
  load_env
  check_node_arg
  if [[ -n "$(node_pid "$NODE_ARG")" ]]; then say "node $NODE_ARG already running"; return 0; fi
  launch_node "$NODE_ARG"
  wait_ready 1 "$NODE_ARG"
  say "node $NODE_ARG running on $HOST:$(bport "$NODE_ARG")"
}

cmd_stop() {
  [[ -f "$CLUSTER_ENV" ]] || { say "no cluster in $STATE_DIR; nothing to stop"; return 0; }
  lock_state
  load_env
  local n pid pids=()
  for ((n = 1; n <= NODES; n++)); do
    pid=$(node_pid "$n")
    [[ -n "$pid" ]] && pids+=("$pid")
  done
  if ((${#pids[@]} == 0)); then say "not running"; rm -f "$STATE_DIR"/node-*/kafka.pid; return 0; fi
  terminate "${pids[@]}"
  rm -f "$STATE_DIR"/node-*/kafka.pid
  say "stopped ${#pids[@]} node(s)"
}

cmd_stop_node() {
  [[ -f "$CLUSTER_ENV" ]] || die "no cluster in $STATE_DIR"
  lock_state
  load_env
  check_node_arg
  local pid
  pid=$(node_pid "$NODE_ARG")
  [[ -n "$pid" ]] || { say "node $NODE_ARG not running"; return 0; }
  terminate "$pid"
  rm -f "$(node_dir "$NODE_ARG")/kafka.pid"
  say "node $NODE_ARG stopped"
}

cmd_kill() {
  [[ -f "$CLUSTER_ENV" ]] || die "no cluster in $STATE_DIR"
  lock_state
  load_env
  check_node_arg
  local pid i
  pid=$(node_pid "$NODE_ARG")
  [[ -n "$pid" ]] || die "node $NODE_ARG is not running"
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  rm -f "$(node_dir "$NODE_ARG")/kafka.pid"
  say "node $NODE_ARG (pid $pid) killed"
}

cmd_status() {
  if ! load_env; then echo "kafka: not running (no cluster in $STATE_DIR)"; return 3; fi
  local n pid up=0
  for ((n = 1; n <= NODES; n++)); do
    pid=$(node_pid "$n")
    if [[ -n "$pid" ]]; then
      up=$((up + 1))
      echo "node $n: running (pid $pid) broker $HOST:$(bport "$n") controller $HOST:$(cport "$n")"
    else
      echo "node $n: not running"
    fi
  done
  if ((up == NODES)); then echo "kafka: running ($NODES node(s), bootstrap $(bootstrap_list))"; return 0; fi
  if ((up == 0)); then echo "kafka: not running"; return 3; fi
  echo "kafka: degraded ($up of $NODES nodes running)"
  return 1
}

cmd_bootstrap() {
  load_env || die "no cluster in $STATE_DIR"
  bootstrap_list
}

# Delete the state dir, but only if it holds nothing that kafka.sh did not create.
cmd_clean() {
  [[ -d "$STATE_DIR" ]] || { say "$STATE_DIR does not exist"; return 0; }
  local e
  for e in "$STATE_DIR"/* "$STATE_DIR"/.[!.]*; do
    [[ -e "$e" ]] || continue
    case "${e##*/}" in
      cluster.env|cluster.env.tmp|.lock|node-[0-9]) ;;
      *) die "$STATE_DIR holds '${e##*/}', which kafka.sh did not create; not deleting it" ;;
    esac
  done
  cmd_stop
  rm -rf "$STATE_DIR"
  say "removed $STATE_DIR"
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill ;;
  stop-node) cmd_stop_node ;;
  start-node) cmd_start_node ;;
  bootstrap) cmd_bootstrap ;;
  resolve) need_java; resolve_jars; say "jars ready in $LIB" ;;
  clean) cmd_clean ;;
esac
