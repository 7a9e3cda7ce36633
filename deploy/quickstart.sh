#!/usr/bin/env bash
# deploy/quickstart.sh - install, build, and run Vigil's main job on this machine:
# a Kafka broker, a collector with the detectors, and an agent with a simulated
# multi-vendor 5G fleet (plus this host); print what is stored, then inject an incident
# and show its alerts arriving on the Kafka topic.  Everything runs on loopback from a
# temporary directory and is stopped on exit.  The agents talk to the collector over CURVE
# (authenticated, encrypted) with key pairs made by `vigil keygen` in WORK/keys.
#
# Usage: deploy/quickstart.sh [--keep-running] [--sites N]
#   --keep-running   leave the collector and agent running until Ctrl-C
#   --sites N        size of the simulated fleet (default 20: 50 devices, ~2,500 series)
# Env:   VG_SKIP_DEPS=1  skip the dependency check;  VG_QS_DIR=DIR  work directory
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=0
sites=20
while (($#)); do
  case "$1" in
    --keep-running) keep=1 ;;
    --sites) sites="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[[ "${VG_SKIP_DEPS:-0}" == 1 ]] || { say "dependencies"; bash deploy/deps.sh; }

say "build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$(nproc)" vigil vigil-agent vigil-collector vgsend >/dev/null
bin="$root/build/bin"

work=${VG_QS_DIR:-$(mktemp -d /tmp/vigil-quickstart.XXXXXX)}
mkdir -p "$work"
pids=()
# shellcheck source=deploy/kafka/quickstart_kafka.sh
source deploy/kafka/quickstart_kafka.sh   # also sources deploy/keys.sh (vg_keygen)
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  vg_qs_kafka_stop "$work/kafka"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
zport=$(free_port); mport=$(free_port)
topic=telemetry.alerts.ocsf.v1

say "start a Kafka broker (Apache Kafka from Maven Central; the first run resolves the jars)"
boot=$(vg_qs_kafka_start "$work/kafka")
echo "bootstrap: $boot"

say "CURVE key pairs (vigil keygen): the collector, the fleet agent and the incident injector"
# Each secret stays in its 0600 .key file, named by curve.secret_key_file; only public keys
# are copied into the other side's configuration.
srv_pub=$(vg_keygen "$bin" "$work/keys/collector")
fleet_pub=$(vg_keygen "$bin" "$work/keys/fleet-agent")
inj_pub=$(vg_keygen "$bin" "$work/keys/incident-injector")
ls -l "$work/keys"

# The default rules, with the simulated operator's change calendar (nightly changes and
# ticketed reloads 00:00-05:00 UTC): the default rules define no windows of their own.
{ cat "$root/detectors/rules.yaml"; echo; "$bin/vigil" sim --windows; } >"$work/rules.yaml"
cat >"$work/collector.yaml" <<EOF
collector:
  id: quickstart
  listen: tcp://127.0.0.1:$zport
  metrics_listen: 127.0.0.1:$mport
store:
  path: $work/store
  retention: 7d
ingest:
  max_past: 7d
curve:
  secret_key_file: $work/keys/collector.key
  public_key: '$srv_pub'
agents:
  - id: fleet-agent
    devices: ["site*/*", "core/*", "quickstart/*"]
    public_key: '$fleet_pub'
  - id: incident-injector
    devices: ["site*/*"]
    public_key: '$inj_pub'
$(vg_qs_kafka_config "$boot" "$topic" "$work/rules.yaml")
EOF
cat >"$work/agent.yaml" <<EOF
agent:
  id: fleet-agent
collectors: [tcp://127.0.0.1:$zport]
spool:
  dir: $work/spool
curve:
  server_key: '$srv_pub'
  secret_key_file: $work/keys/fleet-agent.key
inputs:
  - type: sim
    sites: $sites
    start: -6h
    interval: 60s
    speed: max
  - type: linux
    interval: 5s
    device_id: quickstart/$(hostname -s 2>/dev/null || echo host)
EOF

say "start collector with detectors and Kafka alerts (CURVE on tcp://127.0.0.1:$zport, metrics http://127.0.0.1:$mport/metrics)"
"$bin/vigil-collector" -c "$work/collector.yaml" 2>"$work/collector.log" &
pids+=($!)
say "start agent (simulated fleet: $sites sites, 6 hours of backfill, then real time)"
"$bin/vigil-agent" -c "$work/agent.yaml" 2>"$work/agent.log" &
pids+=($!)

metric() { { curl -fsS "http://127.0.0.1:$mport/metrics" 2>/dev/null || true; } | awk -v k="$1" '$1==k {print $2}'; }
stored=0
for _ in $(seq 1 120); do
  stored=$(metric 'vigil_samples_total{result="stored"}'); stored=${stored:-0}
  series=$(metric 'vigil_series'); series=${series:-0}
  # The six hours of backfill are in once the stored count stops jumping by whole steps.
  if python3 -c "import sys; sys.exit(0 if float('$stored') > 360*float('${series}')*0.95 and float('$series')>0 else 1)"; then
    break
  fi
  sleep 0.5
done
printf 'stored samples: %s in %s series\n' "${stored%.*}" "${series%.*}"

say "what is stored (vigil inspect)"
"$bin/vigil" inspect --store "$work/store"

say "vendors in the simulated fleet"
"$bin/vigil" sim --sites "$sites" --start -1m --end now 2>/dev/null | python3 -c '
import json, sys, collections
v = collections.defaultdict(set)
for l in sys.stdin:
    r = json.loads(l)
    if "vendor" in r and r.get("vendor"):
        v[r["vendor"]].add(r["device"])
for k in sorted(v): print(f"  {k:10s} {len(v[k]):4d} devices")'

say "a few samples: site001/gnb1 downlink PRB utilisation, last 10 minutes (vigil query)"
"$bin/vigil" query --store "$work/store" --device site001/gnb1 --path 'RRU.PrbTotDl' --from -10m 2>/dev/null | head -8 || true

say "events: management-plane flows and logins of the last 30 minutes, first lines (vigil query --events)"
"$bin/vigil" query --store "$work/store" --events --from -30m 2>/dev/null | head -6 || true

say "this host, through the linux input"
"$bin/vigil" query --store "$work/store" --device 'quickstart/*' --path '*/in-octets' --from -1m 2>/dev/null | head -4 || true

say "inject an incident: 3 management logins on site001/gnb1 from outside the bastion allowlist"
t0=$(VGSEND_SERVER_KEY=$srv_pub VGSEND_SECRET_KEY_FILE=$work/keys/incident-injector.key \
  vg_qs_kafka_inject "$bin" "tcp://127.0.0.1:$zport" incident-injector 1 site001/gnb1 3)
say "alerts arriving on Kafka topic $topic (read back with kcat), delay after the injection"
vg_qs_kafka_watch "$boot" "$topic" "$t0" 3 60

say "the same alerts in the store (vigil alerts)"
"$bin/vigil" alerts --store "$work/store" 2>/dev/null | tail -5 || true

echo
echo "work directory: $work (collector.log, agent.log, store/, keys/)"
if ((keep)); then
  say "running; Ctrl-C to stop"
  wait
fi
