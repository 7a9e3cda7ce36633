#!/usr/bin/env bash
# deploy/kafka/quickstart_kafka.sh - the Kafka part of the quickstart: start a broker, give
# the collector a kafka: section, inject an incident and show its alerts arriving on the
# topic (read back with kcat).  Source it for the functions, or run it:
#
#   deploy/kafka/quickstart_kafka.sh demo [--bin build/bin]   self-contained demo (broker,
#                                   collector with detectors + Kafka, one injected incident)
#   deploy/kafka/quickstart_kafka.sh start DIR                start a 1-node broker, print bootstrap
#   deploy/kafka/quickstart_kafka.sh stop DIR                 stop it and delete DIR
#   deploy/kafka/quickstart_kafka.sh config BOOT TOPIC RULES  print detect: + kafka: YAML
#   deploy/kafka/quickstart_kafka.sh inject BIN ENDPOINT AGENT SEQ DEVICE [N]
#                                   send one batch with N (3) logins from outside the bastion
#                                   allowlist (rule c04-login); prints the injection time (ms).
#                                   Over CURVE as AGENT: VGSEND_SERVER_KEY (the collector's
#                                   public key) and VGSEND_SECRET_KEY_FILE (AGENT's key file)
#                                   in the environment (tests/tools/vgsend.c)
#   deploy/kafka/quickstart_kafka.sh watch BOOT TOPIC SINCE_MS COUNT [TIMEOUT_S]
#                                   print alerts as they arrive, with their delay after SINCE_MS
#
# Invariant: every broker this script starts lives in the state dir it was given and is
# stopped by 'stop' (the demo stops its own on exit, also on Ctrl-C or failure).
VG_QS_KAFKA_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/keys.sh
source "$VG_QS_KAFKA_HERE/../keys.sh"

vg_qs_kafka_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# vg_qs_kafka_start DIR -> prints the bootstrap list; the broker runs until vg_qs_kafka_stop.
vg_qs_kafka_start() {
  local dir=$1
  VG_KAFKA_PORT=${VG_KAFKA_PORT:-$(vg_qs_kafka_free_port)} \
    VG_KAFKA_CONTROLLER_PORT=${VG_KAFKA_CONTROLLER_PORT:-$(vg_qs_kafka_free_port)} \
    bash "$VG_QS_KAFKA_HERE/kafka.sh" start --nodes 1 --dir "$dir" | tail -n 1
}

vg_qs_kafka_stop() {
  bash "$VG_QS_KAFKA_HERE/kafka.sh" clean --dir "$1" >/dev/null 2>&1 || true
}

# vg_qs_kafka_config BOOT TOPIC RULES -> the collector config sections (append to the file).
vg_qs_kafka_config() {
  cat <<EOF
detect:
  enabled: true
  rules: $3
kafka:
  enabled: true
  brokers: $1
  topic: $2
  format: json
  # librdkafka properties pass through unchanged, e.g. TLS / SASL:
  # properties:
  #   - { key: security.protocol, value: SASL_SSL }
  #   - { key: sasl.mechanisms, value: SCRAM-SHA-512 }
  properties: []
EOF
}

# vg_qs_kafka_inject BIN ENDPOINT AGENT SEQ DEVICE [N]: one batch of N suspicious logins.
vg_qs_kafka_inject() {
  local bin=$1 ep=$2 agent=$3 seq=$4 dev=$5 n=${6:-3} now evs=() i out reply
  now=$(date +%s%3N)
  for ((i = 1; i <= n; i++)); do
    evs+=("$((now + i)),login,user=intruder$seq-$i,source=203.0.113.$((i + 10)),method=ssh,result=success")
  done
  out=$(mktemp /tmp/vigil-incident.XXXXXX)
  "$bin/vgsend" make-events "$agent" 1 "$seq" "$out" "$dev" "${evs[@]}"
  reply=$("$bin/vgsend" "$ep" raw 2 "$out")
  rm -f "$out"
  [[ "$reply" == "ack 0 "* ]] || { echo "quickstart_kafka: incident batch not accepted: $reply" >&2; return 1; }
  echo "$now"
}

# vg_qs_kafka_watch BOOT TOPIC SINCE_MS COUNT [TIMEOUT_S]: print each alert once, with the
# delay between SINCE_MS and the message timestamp; fails if COUNT did not arrive in time.
vg_qs_kafka_watch() {
  local boot=$1 topic=$2 since=$3 count=$4 timeout=${5:-30}
  command -v kcat >/dev/null || { echo "quickstart_kafka: kcat not found (deploy/deps.sh installs it)" >&2; return 1; }
  local deadline=$((SECONDS + timeout)) seen=0 lines
  while ((SECONDS < deadline)); do
    lines=$(kcat -b "$boot" -C -t "$topic" -o beginning -e -q -f '%T\t%k\t%s\n' 2>/dev/null || true)
    seen=$(printf '%s' "$lines" | grep -c . || true)
    ((seen >= count)) && break
    sleep 0.5
  done
  printf '%s\n' "$lines" | python3 -c '
import json, sys
since = int(sys.argv[1])
for line in sys.stdin:
    if not line.strip():
        continue
    ts, key, payload = line.rstrip("\n").split("\t", 2)
    d = json.loads(payload)
    fi = d["finding_info"]
    act, sev, dev = d["activity_name"], d["severity"], d["device"]["uid"]
    print("  +%5d ms  %-6s %-8s %-12s %s %s" % (int(ts) - since, act, sev, dev, fi["analytic"]["uid"], fi["title"]))
    print("            key=%s  uid=%s" % (key, fi["uid"]))
' "$since"
  ((seen >= count)) || { echo "quickstart_kafka: only $seen of $count alerts on $topic after $timeout s" >&2; return 1; }
}

# The self-contained demo.  Its processes and directory are global so the EXIT trap sees them.
VG_QS_DEMO_CPID=""
VG_QS_DEMO_WORK=""
vg_qs_kafka_demo_cleanup() {
  if [[ -n "$VG_QS_DEMO_CPID" ]]; then
    kill -TERM "$VG_QS_DEMO_CPID" 2>/dev/null || true
    wait "$VG_QS_DEMO_CPID" 2>/dev/null || true
  fi
  if [[ -n "$VG_QS_DEMO_WORK" ]]; then
    vg_qs_kafka_stop "$VG_QS_DEMO_WORK/kafka"
    rm -rf "$VG_QS_DEMO_WORK"
  fi
}

vg_qs_kafka_demo() {
  local bin=build/bin root
  root=$(cd "$VG_QS_KAFKA_HERE/../.." && pwd)
  while (($#)); do
    case "$1" in
      --bin) bin=$2; shift 2 ;;
      *) echo "quickstart_kafka: unknown option $1" >&2; return 2 ;;
    esac
  done
  [[ "$bin" = /* ]] || bin="$root/$bin"
  local b
  for b in vigil vigil-collector vgsend; do
    [[ -x "$bin/$b" ]] || { echo "quickstart_kafka: $bin/$b not built (ninja -C build)" >&2; return 1; }
  done
  local boot topic=vigil.alerts.quickstart zport mport work srv_pub inj_pub
  work=$(mktemp -d /tmp/vigil-kafka-demo.XXXXXX)
  VG_QS_DEMO_WORK=$work
  trap vg_qs_kafka_demo_cleanup EXIT
  echo "== starting a Kafka broker (first run resolves the jars with Maven)"
  boot=$(vg_qs_kafka_start "$work/kafka")
  echo "   bootstrap $boot"
  zport=$(vg_qs_kafka_free_port); mport=$(vg_qs_kafka_free_port)
  srv_pub=$(vg_keygen "$bin" "$work/keys/collector")
  inj_pub=$(vg_keygen "$bin" "$work/keys/injector")
  {
    printf 'collector:\n  id: kafka-demo\n  listen: tcp://127.0.0.1:%s\n  metrics_listen: 127.0.0.1:%s\n' "$zport" "$mport"
    printf 'curve:\n  secret_key_file: %s/keys/collector.key\n' "$work"
    printf "store:\n  path: %s/store\nagents:\n  - id: injector\n    public_key: '%s'\n" "$work" "$inj_pub"
    vg_qs_kafka_config "$boot" "$topic" "$root/detectors/rules.yaml"
  } >"$work/collector.yaml"
  echo "== starting the collector with detectors and alerts to Kafka (topic $topic)"
  "$bin/vigil-collector" -c "$work/collector.yaml" >"$work/collector.log" 2>&1 </dev/null &
  VG_QS_DEMO_CPID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$mport/metrics', timeout=1)" \
      2>/dev/null && break
    sleep 0.2
  done
  echo "== injecting an incident: 3 management logins on lab/pe-1 from outside the bastion allowlist"
  local t0
  t0=$(VGSEND_SERVER_KEY=$srv_pub VGSEND_SECRET_KEY_FILE=$work/keys/injector.key \
    vg_qs_kafka_inject "$bin" "tcp://127.0.0.1:$zport" injector 1 lab/pe-1 3)
  echo "== alerts on Kafka topic $topic (kcat), delay after the injection:"
  vg_qs_kafka_watch "$boot" "$topic" "$t0" 3 30
  echo "== done (broker, collector and $work are removed on exit)"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  cmd=${1:-}
  shift || true
  case "$cmd" in
    demo) vg_qs_kafka_demo "$@" ;;
    start) vg_qs_kafka_start "$@" ;;
    stop) vg_qs_kafka_stop "$@" ;;
    config) vg_qs_kafka_config "$@" ;;
    inject) vg_qs_kafka_inject "$@" ;;
    watch) vg_qs_kafka_watch "$@" ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
fi
