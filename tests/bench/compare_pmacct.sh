#!/usr/bin/env bash
# compare_pmacct.sh - CPU cost of decoding the same captures with pmacct's pmtelemetryd
# and with `vigil decode`, reported per CPU second as JSON on stdout.
# Invariant: runs as root on loopback only, starts at most one pmtelemetryd at a time and
# kills every process it started (by pid) before it exits, whatever happens.
#
# Usage: tests/bench/compare_pmacct.sh [PASSES_UDP [PASSES_TCP]]
#   env: VIGIL (default build/bin/vigil), VG_SAMPLES_DIR (default /work/shared/samples)
# Captures: huawei/pmacct-800-huawei-udp-notif-yangpush-json.pcap (UDP-notif, JSON) and
#           cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap (MDT TCP dial-out, JSON).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
VIGIL=${VIGIL:-$root/build/bin/vigil}
SAMPLES=${VG_SAMPLES_DIR:-/work/shared/samples}
PASSES_UDP=${1:-100}
PASSES_TCP=${2:-40}

if [ "$(id -u)" != 0 ]; then
    echo "compare_pmacct: must run as root (installs pmacct)" >&2
    exit 2
fi
if [ ! -x "$VIGIL" ]; then
    echo "compare_pmacct: $VIGIL not found; build first" >&2
    exit 2
fi
if ! command -v pmtelemetryd >/dev/null 2>&1; then
    echo "compare_pmacct: installing pmacct" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y pmacct >/dev/null; then
        apt-get update >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y pmacct >/dev/null
    fi
fi

work=$(mktemp -d /tmp/vg-cmp-pmacct.XXXXXX)
cleanup () {
    # the Python driver kills its own pmtelemetryd; this catches an interrupted run
    if [ -f "$work/pmtelemetryd.pid" ]; then
        kill -9 "$(cat "$work/pmtelemetryd.pid")" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

python3 - "$VIGIL" "$SAMPLES" "$work" "$PASSES_UDP" "$PASSES_TCP" <<'PYEOF'
import json, os, re, signal, socket, struct, subprocess, sys, time

vigil, samples, work = sys.argv[1], sys.argv[2], sys.argv[3]
passes_udp, passes_tcp = int(sys.argv[4]), int(sys.argv[5])
HUAWEI = os.path.join(samples, "huawei/pmacct-800-huawei-udp-notif-yangpush-json.pcap")
CISCO = os.path.join(samples, "cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap")
TICK = os.sysconf("SC_CLK_TCK")
DEADLINE_S = 60.0


def log(*a):
    print("compare_pmacct:", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- pcap reading
def pcap_records(path):
    """Yield (linktype, frame bytes) from a classic pcap file."""
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise SystemExit("%s: not a classic pcap" % path)
    lt = struct.unpack(e + "I", d[20:24])[0]
    off = 24
    while off + 16 <= len(d):
        _, _, caplen, _ = struct.unpack(e + "IIII", d[off:off + 16])
        off += 16
        yield lt, d[off:off + caplen], d[off - 16:off + caplen]
        off += caplen


def l4_packets(path):
    """Yield (ip proto, l4 bytes, raw pcap record) for Ethernet IPv4/IPv6 frames."""
    for lt, p, rec in pcap_records(path):
        if lt != 1:
            raise SystemExit("%s: linktype %d unsupported" % (path, lt))
        et = struct.unpack(">H", p[12:14])[0]
        o = 14
        while et in (0x8100, 0x88A8):
            et = struct.unpack(">H", p[o + 2:o + 4])[0]
            o += 4
        if et == 0x0800:
            ihl = (p[o] & 15) * 4
            tot = struct.unpack(">H", p[o + 2:o + 4])[0]
            yield p[o + 9], p[o + ihl:o + tot], rec
        elif et == 0x86DD:
            pl = struct.unpack(">H", p[o + 4:o + 6])[0]
            yield p[o + 6], p[o + 40:o + 40 + pl], rec


def udp_notif_messages(path):
    """UDP-notif datagrams -> (datagram count, whole JSON messages, pcap records).
    Segmented messages (option type 1) are reassembled, as pmtelemetryd 1.7.7 from
    Debian has no UDP-notif listener and receives the bare JSON instead."""
    msgs, parts, recs, n = [], {}, [], 0
    for proto, l4, rec in l4_packets(path):
        if proto != 17:
            continue
        p = l4[8:]
        n += 1
        recs.append(rec)
        hl = p[1]
        key, o, seg = p[4:12], 12, None
        while o + 1 < hl:
            t, ln = p[o], p[o + 1]
            if t == 1 and ln >= 4:
                v = struct.unpack(">H", p[o + 2:o + 4])[0]
                seg = (v >> 1, v & 1)
            if ln == 0:
                break
            o += ln
        if seg is None:
            msgs.append(p[hl:])
            continue
        d = parts.setdefault(key, {})
        d[seg[0]] = (p[hl:], seg[1])
        if any(x[1] for x in d.values()) and len(d) == max(d) + 1:
            msgs.append(b"".join(d[i][0] for i in range(len(d))))
            del parts[key]
    return n, msgs, recs


def tcp_stream(path, dport):
    """Reassemble the client->dport byte stream (in sequence order, overlaps trimmed)."""
    segs, isn = {}, None
    for proto, l4, _ in l4_packets(path):
        if proto != 6:
            continue
        _, dp, seq = struct.unpack(">HHI", l4[:8])
        if dp != dport:
            continue
        if l4[13] & 2:
            isn = (seq + 1) & 0xFFFFFFFF
        pay = l4[(l4[12] >> 4) * 4:]
        if pay:
            segs[seq] = pay
    base = isn if isn is not None else min(segs)
    out, pos = bytearray(), base
    for s in sorted(segs, key=lambda s: (s - base) & 0xFFFFFFFF):
        p = segs[s]
        ahead = (s - pos) & 0xFFFFFFFF
        if ahead >= 0x80000000:
            ov = (pos - s) & 0xFFFFFFFF
            if ov < len(p):
                out += p[ov:]
                pos = (pos + len(p) - ov) & 0xFFFFFFFF
            continue
        if ahead:
            raise SystemExit("%s: gap in TCP stream" % path)
        out += p
        pos = (pos + len(p)) & 0xFFFFFFFF
    return bytes(out)


def mdt_frames(stream):
    """Split a Cisco MDT TCP stream (12-byte header: type, encap, version, flags, len)."""
    o, out = 0, []
    while o + 12 <= len(stream):
        ln = struct.unpack(">I", stream[o + 8:o + 12])[0]
        out.append(stream[o:o + 12 + ln])
        o += 12 + ln
    return out


# ---------------------------------------------------------------- helpers
def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime (fields 14, 15)


class Lines:
    """Counts newlines appended to a file, reading only the new bytes."""
    def __init__(self, path):
        self.path, self.off, self.n = path, 0, 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                b = f.read()
        except FileNotFoundError:
            return 0
        self.off += len(b)
        self.n += b.count(b"\n")
        return self.n


class Telemetryd:
    def __init__(self, name, conf_lines):
        self.out = os.path.join(work, name + ".json")
        self.logf = os.path.join(work, name + ".log")
        conf = os.path.join(work, name + ".conf")
        with open(conf, "w") as f:
            f.write("\n".join(conf_lines + ["telemetry_daemon_msglog_file: " + self.out]) + "\n")
        self.logh = open(self.logf, "w")
        self.proc = subprocess.Popen(["pmtelemetryd", "-f", conf],
                                     stdout=self.logh, stderr=subprocess.STDOUT)
        with open(os.path.join(work, "pmtelemetryd.pid"), "w") as f:
            f.write(str(self.proc.pid))
        end = time.monotonic() + 10
        while "waiting for telemetry data" not in open(self.logf).read():
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise SystemExit("pmtelemetryd did not start: " + open(self.logf).read()[-500:])
            time.sleep(0.05)
        self.lines = Lines(self.out)

    def ticks(self):
        return cpu_ticks(self.proc.pid)

    def stop(self):
        # pmtelemetryd 1.7.7 ignores SIGTERM/SIGINT while idle in select(); SIGKILL it
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logh.close()
        try:
            os.unlink(os.path.join(work, "pmtelemetryd.pid"))
        except FileNotFoundError:
            pass

    def wait_lines(self, want, deadline):
        while self.lines.count() < want:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return True


def send_paced(td, sock, dst, msgs, passes, base, deadline):
    """Send msgs passes times, keeping at most 64 datagrams not yet logged by
    pmtelemetryd (so its socket buffer never overflows); base = lines before."""
    sent, window = 0, 64
    for _ in range(passes):
        for m in msgs:
            if sent - (td.lines.n - base) >= window:
                if not td.wait_lines(base + sent - window // 2, deadline):
                    return sent
            sock.sendto(m, dst)
            sent += 1
    return sent


def run_vigil(args, out_path):
    """Run vigil decode once; return (user+sys CPU seconds, stderr text)."""
    with open(out_path, "wb") as out:
        p = subprocess.Popen([vigil, "decode"] + args, stdout=out, stderr=subprocess.PIPE)
        err = p.stderr.read().decode(errors="replace")
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit("vigil decode failed: " + err)
    return ru.ru_utime + ru.ru_stime, err


def summary_int(text, key):
    m = re.findall(r"\b%s=(\d+)" % key, text)
    return int(m[-1]) if m else 0


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def rates(msgs, samples, cpu_s):
    if cpu_s <= 0:
        return {"cpu_s": cpu_s}
    return {"cpu_s": round(cpu_s, 3), "msgs_per_cpu_s": round(msgs / cpu_s),
            "samples_per_cpu_s": round(samples / cpu_s)}


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


result = {"load_before": loadavg(), "pmtelemetryd": subprocess.run(
    ["pmtelemetryd", "-V"], capture_output=True, text=True).stdout.splitlines()[0],
    "vigil": vigil}

def vigil_runs(res, args, ndjson, pm_cpu):
    """Three `vigil decode ARGS` runs to the file ndjson (under work) and three to /dev/null:
    res["vigil_file"], res["vigil_devnull"] and, when pmtelemetryd ran complete, the ratios."""
    runs_file, runs_null = [], []
    for _ in range(3):
        c, err = run_vigil(args, os.path.join(work, ndjson))
        runs_file.append(c)
        c2, _ = run_vigil(args, os.devnull)
        runs_null.append(c2)
    v_out = os.path.getsize(os.path.join(work, ndjson))
    v_samples = summary_int(err, "samples")
    v_msgs = summary_int(err, "messages")
    res["vigil_file"] = dict(rates(v_msgs, v_samples, median(runs_file)),
                             runs_cpu_s=[round(x, 3) for x in runs_file],
                             output="file (%d bytes)" % v_out, messages=v_msgs, samples=v_samples)
    res["vigil_devnull"] = dict(rates(v_msgs, v_samples, median(runs_null)),
                                runs_cpu_s=[round(x, 3) for x in runs_null])
    if pm_cpu > 0 and res["pmtelemetryd"]["complete"]:
        pmr = res["pmtelemetryd"]["msgs_per_cpu_s"]
        for form in ("file", "devnull"):
            res["ratio_vigil_over_pmtelemetryd_msgs_per_cpu_s_" + form] = \
                round(res["vigil_" + form]["msgs_per_cpu_s"] / pmr, 2)


# ================================================================ Huawei UDP-notif
n_dgrams, hmsgs, hrecs = udp_notif_messages(HUAWEI)
# Vigil input: the capture's UDP records repeated PASSES times in one pcap
vin = os.path.join(work, "huawei_x%d.pcap" % passes_udp)
with open(HUAWEI, "rb") as f:
    head = f.read(24)
with open(vin, "wb") as f:
    f.write(head)
    for _ in range(passes_udp):
        for r in hrecs:
            f.write(r)
_, err1 = run_vigil(["--format", "pcap", "--port-map", "10003=udp-notif", HUAWEI], os.devnull)
h_samples_pass = summary_int(err1, "samples")
h_msgs_vigil = summary_int(err1, "messages")

# pmtelemetryd: plain UDP + json decoder, one whole JSON message per datagram
port = free_port(socket.SOCK_DGRAM)
td = Telemetryd("huawei", ["telemetry_daemon_ip: 127.0.0.1",
                           "telemetry_daemon_port_udp: %d" % port,
                           "telemetry_daemon_decoder: json"])
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = ("127.0.0.1", port)
    # warm-up: one pass, also checks that every message is logged (plus one log_init)
    send_paced(td, s, dst, hmsgs, 1, 0, time.monotonic() + 10)
    ok = td.wait_lines(1 + len(hmsgs), time.monotonic() + 10)
    warm_lines = td.lines.count()
    base = warm_lines
    t0 = td.ticks()
    w0 = time.monotonic()
    deadline = time.monotonic() + DEADLINE_S
    send_paced(td, s, dst, hmsgs, passes_udp, base, deadline)
    done = td.wait_lines(base + len(hmsgs) * passes_udp, deadline)
    t1 = td.ticks()
    wall = time.monotonic() - w0
    got = td.lines.count() - base
    out_bytes = os.path.getsize(td.out)
finally:
    td.stop()
pm_cpu = (t1 - t0) / TICK
total_msgs = len(hmsgs) * passes_udp
total_samples = h_samples_pass * passes_udp
hu = {"capture": os.path.basename(HUAWEI), "passes": passes_udp,
      "datagrams_per_pass": n_dgrams, "messages_per_pass": len(hmsgs),
      "vigil_messages_per_pass": h_msgs_vigil,
      "samples_per_pass_vigil": h_samples_pass,
      "pmtelemetryd": dict(rates(total_msgs, total_samples, pm_cpu),
                           warmup_all_logged=bool(ok and warm_lines == 1 + len(hmsgs)),
                           messages_logged=got, complete=bool(done and got == total_msgs),
                           wall_s=round(wall, 2), output="file (%d bytes incl. warm-up)" % out_bytes)}
vigil_runs(hu, ["--format", "pcap", "--port-map", "10003=udp-notif", vin], "vigil_huawei.ndjson", pm_cpu)
result["huawei_udp_notif_json"] = hu
log("huawei done")

# ================================================================ Cisco MDT TCP JSON
stream = tcp_stream(CISCO, 10005)
frames = mdt_frames(stream)
port = free_port(socket.SOCK_STREAM)
conf = ["telemetry_daemon_ip: 127.0.0.1", "telemetry_daemon_port_tcp: %d" % port,
        "telemetry_daemon_decoder: cisco_v1"]
# probe: the whole stream once; how many messages does pmtelemetryd log?
td = Telemetryd("cisco_probe", conf)
try:
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(stream)
    td.wait_lines(1 + len(frames), time.monotonic() + 5)
    c.close()
    time.sleep(0.3)
    logged = 0
    with open(td.out) as f:
        for line in f:
            if json.loads(line).get("event_type") == "log":
                logged += 1
finally:
    td.stop()
ci = {"capture": os.path.basename(CISCO), "stream_bytes": len(stream),
      "messages_in_stream": len(frames), "max_message_bytes": max(len(x) - 12 for x in frames),
      "pmtelemetryd_probe_messages_logged": logged}
# the comparison uses the prefix that pmtelemetryd decodes completely
prefix_n = logged
if prefix_n == 0:
    ci["note"] = "pmtelemetryd logged no message of this capture; no comparison"
else:
    prefix = b"".join(frames[:prefix_n])
    pin = os.path.join(work, "cisco_prefix.bin")
    with open(pin, "wb") as f:
        f.write(prefix)
    _, err1 = run_vigil(["--format", "mdt-tcp", pin], os.devnull)
    c_samples_pass = summary_int(err1, "samples")
    vin = os.path.join(work, "cisco_prefix_x%d.bin" % passes_tcp)
    with open(vin, "wb") as f:
        for _ in range(passes_tcp):
            f.write(prefix)
    td = Telemetryd("cisco", conf)
    try:
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(prefix)                       # warm-up pass
        td.wait_lines(1 + prefix_n, time.monotonic() + 10)
        base = td.lines.count()
        t0 = td.ticks()
        w0 = time.monotonic()
        deadline = time.monotonic() + DEADLINE_S
        for _ in range(passes_tcp):
            c.sendall(prefix)
        done = td.wait_lines(base + prefix_n * passes_tcp, deadline)
        t1 = td.ticks()
        wall = time.monotonic() - w0
        got = td.lines.count() - base
        out_bytes = os.path.getsize(td.out)
        c.close()
    finally:
        td.stop()
    pm_cpu = (t1 - t0) / TICK
    total_msgs = prefix_n * passes_tcp
    total_samples = c_samples_pass * passes_tcp
    ci.update({"passes": passes_tcp, "messages_per_pass": prefix_n,
               "prefix_bytes": len(prefix), "samples_per_pass_vigil": c_samples_pass,
               "pmtelemetryd": dict(rates(total_msgs, total_samples, pm_cpu),
                                    messages_logged=got, complete=bool(done and got == total_msgs),
                                    wall_s=round(wall, 2),
                                    output="file (%d bytes incl. warm-up)" % out_bytes)})
    vigil_runs(ci, ["--format", "mdt-tcp", vin], "vigil_cisco.ndjson", pm_cpu)
result["cisco_mdt_tcp_json"] = ci
result["load_after"] = loadavg()
print(json.dumps(result, indent=2))
PYEOF
