#!/usr/bin/env bash
# deploy/multisite/multisite.sh - Vigil as it is deployed, on one machine: three sites, each
# a network namespace with its own agent, linked to the core (this machine's root namespace)
# by a veth pair; two collectors in the core (every agent lists both: failover); one Kafka
# broker for the alerts.  Every link speaks CURVE with keys made by `vigil keygen`.
# Needs root and iproute2.  Traffic stays on 127.0.0.0/8 and the 10.x links made here.
#
# Usage: deploy/multisite/multisite.sh COMMAND [options]
#   up                 build the links, make keys and configs, start Kafka, collectors, agents
#   down               stop every process, delete namespaces, links and Kafka (keeps DIR)
#   status             processes, links, what each collector stored, each agent's spool
#   kill NAME          SIGKILL one process (collector-1, collector-2, agent-east, ...)
#   start NAME         start it again with its command line from `up`
#   cut SITE           take the site's link down (east, west or north); heal SITE brings it up
# Options:
#   --dir DIR          state: configs, keys, stores, spools, logs (default /tmp/vigil-multisite)
#   --bin DIR          the programs (default build/bin of this checkout)
#   --prefix P         names of namespaces and links (default vgms; at most 6 characters)
#   --net A.B          first two octets of the link addresses (default 10.77)
#   --start T --end T  simulated window of every site (default -1h and none: then real time)
#   --interval D       sample interval of the simulated fleets (default 10s)
#   --no-kafka         collectors without detectors and Kafka
#   --exit-when-done   agents exit once their bounded input is sent and acknowledged
#
# Invariant: everything `up` makes is named from the prefix and recorded in DIR, and `down`
# removes it all, also after a failed `up` (run it again if in doubt: it is idempotent).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

cmd=${1:-}
[[ -n "$cmd" ]] && shift
dir=/tmp/vigil-multisite bin=$root/build/bin prefix=vgms net=10.77
start=-1h end="" interval=10s kafka=1 exit_done=0 arg=""
while (($#)); do
  case "$1" in
    --dir) dir=$2; shift ;;
    --bin) bin=$2; shift ;;
    --prefix) prefix=$2; shift ;;
    --net) net=$2; shift ;;
    --start) start=$2; shift ;;
    --end) end=$2; shift ;;
    --interval) interval=$2; shift ;;
    --no-kafka) kafka=0 ;;
    --exit-when-done) exit_done=1 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) echo "multisite: unknown option $1" >&2; exit 2 ;;
    *) arg=$1 ;;
  esac
  shift
done
((${#prefix} <= 6)) || { echo "multisite: --prefix has at most 6 characters (link names)" >&2; exit 2; }
run=$dir/run

# The sites: name, simulator seed, cell sites.  Different seeds give different vendor
# mixes; the site name prefixes every device id (east-site001/gnb1, east-core/pe1).
sites=(east west north)
declare -A seed=([east]=11 [west]=12 [north]=13) ncells=([east]=2 [west]=3 [north]=4)
site_no() { local i; for i in "${!sites[@]}"; do [[ ${sites[$i]} == "$1" ]] && { echo $((i + 1)); return; }; done
            echo "multisite: no site '$1' (${sites[*]})" >&2; exit 2; }
ns() { echo "$prefix-$1"; }                 # a site's namespace
core_link() { echo "${prefix}c$(site_no "$1")"; }  # the core's end of a site's veth pair
core_ip=$net.0.1                             # the collectors' address (on the core's lo)

# ---- processes: DIR/run/NAME.{cmd,pid}, logs DIR/NAME.log ----
pid_of() { [[ -f $run/$1.pid ]] && cat "$run/$1.pid"; }
alive() { local p; p=$(pid_of "$1") && [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
launch() {   # launch NAME -> starts DIR/run/NAME.cmd in the background
  local name=$1
  alive "$name" && { echo "$name already running (pid $(pid_of "$name"))"; return; }
  # shellcheck disable=SC2046
  setsid bash -c 'exec "$@"' _ $(cat "$run/$name.cmd") >>"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "$name started (pid $!)"
}
stop_proc() {   # stop_proc NAME SIGNAL
  local p; p=$(pid_of "$1") || return 0
  [[ -n "$p" ]] || return 0
  kill "-$2" "$p" 2>/dev/null || return 0
  for _ in $(seq 1 200); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
}
names() { ls "$run"/*.cmd 2>/dev/null | sed 's#.*/##; s#\.cmd$##'; }

# ---- the network ----
net_up() {
  # The collectors' address lives on lo: reachable from this machine and, routed over their
  # links, from the sites; no other interface carries it.
  ip addr add "$core_ip/32" dev lo
  local s i
  for s in "${sites[@]}"; do
    i=$(site_no "$s")
    ip netns add "$(ns "$s")"
    ip -n "$(ns "$s")" link set lo up
    ip link add "$(core_link "$s")" type veth peer name "${prefix}s$i"
    ip link set "${prefix}s$i" netns "$(ns "$s")"
    ip addr add "$net.$i.1/24" dev "$(core_link "$s")"
    ip link set "$(core_link "$s")" up
    ip -n "$(ns "$s")" addr add "$net.$i.2/24" dev "${prefix}s$i"
    ip -n "$(ns "$s")" link set "${prefix}s$i" up
    ip -n "$(ns "$s")" route add "$net.0.0/24" via "$net.$i.1"
  done
}
net_down() {
  local s
  for s in "${sites[@]}"; do
    ip netns del "$(ns "$s")" 2>/dev/null || true    # takes its end of the veth pair along
    ip link del "$(core_link "$s")" 2>/dev/null || true
  done
  ip addr del "$core_ip/32" dev lo 2>/dev/null || true
}

# ---- configuration ----
configs() {
  # shellcheck source=deploy/keys.sh
  source "$root/deploy/keys.sh"
  local srv_pub s i
  srv_pub=$(vg_keygen "$bin" "$dir/keys/collector")   # both collectors: one failover list, one key
  for s in "${sites[@]}"; do vg_keygen "$bin" "$dir/keys/agent-$s" >"$dir/keys/agent-$s.pubkey"; done
  local detect=""
  if ((kafka)); then
    # shellcheck source=deploy/kafka/quickstart_kafka.sh
    source "$root/deploy/kafka/quickstart_kafka.sh"
    detect=$(vg_qs_kafka_config "$(cat "$run/kafka.boot")" telemetry.alerts.ocsf.v1 "$root/detectors/rules.yaml")
  fi
  for i in 1 2; do
    {
      printf 'collector:\n  id: collector-%s\n  listen: tcp://%s:%s\n  metrics_listen: %s:%s\n' \
        "$i" "$core_ip" $((5600 + i)) "$core_ip" $((9600 + i))
      printf 'store:\n  path: %s/collector-%s-store\n  retention: 0\ningest:\n  max_past: 400d\n' "$dir" "$i"
      printf 'curve:\n  secret_key_file: %s/keys/collector.key\nagents:\n' "$dir"
      for s in "${sites[@]}"; do
        printf '  - id: agent-%s\n    devices: ["%s-*/*"]\n    public_key: '"'"'%s'"'"'\n' \
          "$s" "$s" "$(cat "$dir/keys/agent-$s.pubkey")"
      done
      [[ -n "$detect" ]] && printf '%s\n' "$detect"
    } >"$dir/collector-$i.yaml"
    echo "$bin/vigil-collector -c $dir/collector-$i.yaml" >"$run/collector-$i.cmd"
  done
  for s in "${sites[@]}"; do
    i=$(site_no "$s")
    cat >"$dir/agent-$s.yaml" <<EOF
agent:
  id: agent-$s
  metrics_listen: $net.$i.2:9470
collectors: [tcp://$core_ip:5601, tcp://$core_ip:5602]
spool:
  dir: $dir/agent-$s-spool
send:
  timeout: 3s
  heartbeat: 1s
  primary_retry: 10s
curve:
  server_key: '$srv_pub'
  secret_key_file: $dir/keys/agent-$s.key
inputs:
  - type: sim
    site: $s-
    seed: ${seed[$s]}
    sites: ${ncells[$s]}
    start: $start
${end:+    end: $end
}    interval: $interval
    speed: max
EOF
    local extra=""
    ((exit_done)) && extra=" --exit-when-done"
    echo "ip netns exec $(ns "$s") $bin/vigil-agent -c $dir/agent-$s.yaml$extra" >"$run/agent-$s.cmd"
  done
}

# ---- commands ----
up() {
  [[ $EUID -eq 0 ]] || { echo "multisite: needs root (network namespaces)" >&2; exit 1; }
  [[ -x $bin/vigil-agent ]] || { echo "multisite: no $bin/vigil-agent (build first, or --bin)" >&2; exit 1; }
  if ip netns list | grep -q "^$(ns "${sites[0]}")\b" || ip -br addr show dev lo | grep -qF " $core_ip/32"; then
    echo "multisite: $(ns "${sites[0]}") or $core_ip exists: already up? ('down' first)" >&2; exit 1
  fi
  mkdir -p "$dir" "$run"
  chmod 700 "$dir"
  trap 'echo "multisite: up failed; cleaning up" >&2; down' ERR
  net_up
  echo "links: core $core_ip; $(for s in "${sites[@]}"; do printf '%s %s.%s.2  ' "$s" "$net" "$(site_no "$s")"; done)"
  if ((kafka)); then
    # shellcheck source=deploy/kafka/quickstart_kafka.sh
    source "$root/deploy/kafka/quickstart_kafka.sh"
    vg_qs_kafka_start "$dir/kafka" >"$run/kafka.boot"
    echo "kafka: $(cat "$run/kafka.boot") (topic telemetry.alerts.ocsf.v1)"
  fi
  configs
  local n
  for n in collector-1 collector-2; do launch "$n"; done
  for n in "${sites[@]}"; do launch "agent-$n"; done
  trap - ERR
}

down() {
  local n
  for n in $(names | grep '^agent-' || true); do stop_proc "$n" TERM; done
  for n in $(names | grep -v '^agent-' || true); do stop_proc "$n" TERM; done
  rm -f "$run"/*.pid
  if [[ -f $run/kafka.boot ]]; then
    bash "$root/deploy/kafka/kafka.sh" clean --dir "$dir/kafka" >/dev/null 2>&1 || true
    rm -f "$run/kafka.boot"
  fi
  net_down
  echo "down (state kept in $dir)"
}

metric() {   # metric HOST:PORT NAME
  { curl -fsS --max-time 2 "http://$1/metrics" 2>/dev/null || true; } | awk -v k="$2" '$1==k {print $2}'
}

status() {
  local n s i state
  for n in $(names); do
    alive "$n" && state="running (pid $(pid_of "$n"))" || state="stopped"
    printf '%-12s %s\n' "$n" "$state"
  done
  for i in 1 2; do
    printf 'collector-%s  stored samples %s, batches accepted %s\n' "$i" \
      "$(metric "$core_ip:$((9600 + i))" 'vigil_samples_total{result="stored"}')" \
      "$(metric "$core_ip:$((9600 + i))" 'vigil_batches_total{result="accepted"}')"
  done
  for s in "${sites[@]}"; do
    i=$(site_no "$s")
    state=$(ip -br link show "$(core_link "$s")" 2>/dev/null | awk '{print $2}')
    printf 'site %-6s link %-5s spool %s batches, acked %s, failovers %s\n' "$s" "${state:-absent}" \
      "$(metric "$net.$i.2:9470" vigil_agent_spool_batches)" "$(metric "$net.$i.2:9470" vigil_agent_batches_acked_total)" \
      "$(metric "$net.$i.2:9470" vigil_agent_failovers_total)"
  done
  [[ -f $run/kafka.boot ]] && echo "kafka $(cat "$run/kafka.boot")"
  return 0
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  kill) [[ -f $run/$arg.cmd ]] || { echo "multisite: no process '$arg'" >&2; exit 2; }; stop_proc "$arg" KILL ;;
  start) [[ -f $run/$arg.cmd ]] || { echo "multisite: no process '$arg'" >&2; exit 2; }; launch "$arg" ;;
  cut) ip link set "$(core_link "$arg")" down; echo "site $arg cut off" ;;
  heal) ip link set "$(core_link "$arg")" up; echo "site $arg linked again" ;;
  *) sed -n '2,24p' "$0"; exit 2 ;;
esac
