#!/usr/bin/env python3
"""eval_wire - detection measured through the real path.

`vigil sim --scenario S --wire-out DIR` writes a labelled scenario fleet as vendor wire data
(Cisco MDT TCP pcap, Juniper JTI UDP pcap, 3GPP PM XML files per ROP; see sim/wire.h).  For
each batch.max_age given, a collector with the default rules and one agent with the
documented inputs (two pcap inputs + a pmdir input over the PM backlog) replay it; once
every sample is stored and analysed, the alerts (`vigil alerts --format json`) are scored
against the labels per incident class: recall, precision, median time to detect in
reporting intervals (the stream interval for routers, the 15-minute ROP for gNBs) and
false alerts per 100 device-days.

Scoring rules (same as `vigil eval`): an alert is a Create record with is_alert and severity
>= Low; it matches a label when its catalogue id equals the label's detector, its device is
one of the label's devices (mapped to wire ids through DIR/manifest.json) or the label's
entity (vendor, "collector"), and its time is in [start, end + grace].  Labels whose devices
send nothing on the wire (core NFs, routers of vendors without a wire encoder), and incident
types the wire formats do not carry (events such as logins or config changes, BGP, flows)
are listed as "not on the wire" and not scored.

usage: eval_wire.py --bin build/bin [--days 3] [--sites 20] [--max-age 50ms,5s]
                    [--json FILE] [--doc docs/DETECTION.md] [--keep DIR]
Exit status 0 when the pipeline ran end to end (the numbers are reported, not judged)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from vgtest import curve_configs, free_port, scrape_metrics as metrics, sim_rules, wait_for  # noqa: E402

DAY = 86400000
ROP = 900000
# Incident types whose signal the wire formats carry, and the class each one is scored in.
WIRE_CLASSES = {
    "silence": "silence", "collector-outage": "silence (fleet)", "flap": "link flap",
    "collapse": "throughput collapse", "error-burst": "error burst", "cpu-runaway": "CPU exhaustion",
    "memory-leak": "memory leak", "rrc-drop": "KPI degradation", "reboot": "unexpected reboot",
    "common-mode-reboot": "vendor common-mode", "maint-reboot": "benign: maintenance reboot",
    "traffic-shift": "benign: traffic shift", "link-down": "link down", "cell-outage": "cell outage",
}
# Which wire transports carry each incident's signal (mdt: Cisco interface counters and state,
# CPU, memory, uptime; jti: Juniper interface counters, errors, status, init time, memory;
# udp-notif: Huawei interface counters and status, CPU, uptime; pm: gNB per-ROP counters).  A label whose devices are all on other transports is not scored.
CARRIED = {
    "silence": {"mdt", "jti", "pm", "udp-notif"}, "collector-outage": {"mdt", "jti", "pm", "udp-notif"},
    "flap": {"mdt", "jti", "udp-notif"}, "collapse": {"mdt", "jti", "pm", "udp-notif"},
    "error-burst": {"mdt", "jti", "udp-notif"}, "cpu-runaway": {"mdt", "udp-notif"},
    "memory-leak": {"mdt", "jti"}, "rrc-drop": {"pm"}, "reboot": {"mdt", "jti", "udp-notif"},
    "common-mode-reboot": {"mdt", "jti", "udp-notif"}, "maint-reboot": {"mdt", "jti", "udp-notif"},
    "traffic-shift": {"mdt", "jti", "pm", "udp-notif"}, "link-down": {"mdt", "jti", "udp-notif"},
    "cell-outage": {"pm"},
}
NOT_SIMULATED = []  # catalogue classes the simulator has no incident for
DOC_BEGIN = "<!-- eval_wire:begin -->"
DOC_END = "<!-- eval_wire:end -->"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="directory of vigil, vigil-agent, vigil-collector")
    p.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    p.add_argument("--scenario", default="catalog")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--cells", type=int, default=3)
    p.add_argument("--majority", default="",
                   help="vigil sim --majority VENDOR:PCT: one vendor is most of the fleet")
    p.add_argument("--days", type=float, default=3.0)
    p.add_argument("--start", default="2026-11-02T00:00:00Z")
    p.add_argument("--interval", default="60s")
    p.add_argument("--incidents", type=int, default=0, help="incidents per type (0 = scenario default)")
    p.add_argument("--mdt-encoding", default="json", choices=("json", "kvgpb"))
    p.add_argument("--max-age", default="50ms,5s", help="batch.max_age values, comma separated")
    p.add_argument("--mode", default="pcap,live",
                   help="pcap = one agent with two pcap inputs and the PM backlog (pmdir); live = the same "
                        "data fed in time order to live tcp/udp/pmdir inputs; comma separated")
    p.add_argument("--runs", default="", help="explicit runs MODE:MAX_AGE,... instead of --mode x --max-age")
    p.add_argument("--speed", type=float, default=1440.0, help="live: data time / wall time")
    p.add_argument("--lateness", default="", help="the collector's detect.lateness (default: its own, 30 s); "
                   "live at --speed 1440 a 30-s lateness is 21 ms of wall time, so scheduling jitter of the "
                   "replay on a loaded machine shows as silence")
    p.add_argument("--grace", type=float, default=3600.0, help="seconds after a label's end an alert may come")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for one replay")
    p.add_argument("--json", default="", help="write the results as JSON here")
    p.add_argument("--doc", default="", help="rewrite the 'Through the real path' section of this file")
    p.add_argument("--keep", default="", help="keep the wire data and stores in this directory")
    p.add_argument("--from-json", default="", help="re-render the report of an earlier --json run (same options)")
    return p.parse_args(argv)


def iso_ms(s):
    return int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone) * 1000


def vigil(a, *argv):
    r = subprocess.run([os.path.join(a.bin, "vigil"), *argv], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"vigil {' '.join(argv)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r


def generate(a, wire):
    start = iso_ms(a.start)
    end = start + int(a.days * DAY)
    end_s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end / 1000))
    argv = ["sim", "--seed", str(a.seed), "--sites", str(a.sites), "--cells", str(a.cells), "--interval", a.interval,
            "--start", a.start, "--end", end_s, "--scenario", a.scenario, "--wire-out", wire,
            "--mdt-encoding", a.mdt_encoding]
    if a.incidents:
        argv += ["--incidents", str(a.incidents)]
    if a.majority:
        argv += ["--majority", a.majority]
    vigil(a, *argv)
    with open(os.path.join(wire, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(wire, "labels.jsonl")) as f:
        labels = [json.loads(l) for l in f if l.strip()]
    return manifest, labels, start, end


class Replay:
    """One collector + one agent replaying the wire data; stopped by close().  lateness: the
    collector's detect.lateness ("" = its default, 30 s); pcap_factor: the pcap inputs at
    speed recorded, this many times faster (0 = speed max)."""

    def __init__(self, a, wire, work, max_age, mode="pcap", lateness="", pcap_factor=0):
        self.a, self.wire, self.work, self.mode, self.procs, self.logs = a, wire, work, mode, {}, []
        os.makedirs(work, exist_ok=True)
        self.port, self.mport = free_port(), free_port()
        self.store = os.path.join(work, "store")
        # The default rules and the change calendar that came with the data (vigil sim writes
        # the simulated operator's as windows.yaml); data without one gets the rules as they are.
        cal = os.path.join(wire, "windows.yaml")
        rules = (sim_rules(a.bin, a.source, os.path.join(work, "rules.yaml"), cal) if os.path.exists(cal)
                 else os.path.join(a.source, "detectors", "rules.yaml"))
        ccurve, acurve, apub = curve_configs(a.bin, os.path.join(work, "keys"), "wire")
        ccfg = (f"collector:\n  id: eval\n  listen: tcp://127.0.0.1:{self.port}\n"
                f"  metrics_listen: 127.0.0.1:{self.mport}\n"
                f"store:\n  path: {self.store}\n  retention: 0\n"
                f"ingest:\n  max_past: 3650d\n"
                f"curve:\n{ccurve}"
                f"agents:\n  - id: wire\n    public_key: '{apub}'\n"
                f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 1s\n"
                + (f"  lateness: {lateness}\n" if lateness else ""))
        acfg = (f"agent:\n  id: wire\ncollectors: [tcp://127.0.0.1:{self.port}]\n"
                f"spool:\n  dir: {work}/spool\n  fsync: false\n"
                f"send:\n  timeout: 5s\n  heartbeat: 1s\n"
                f"curve:\n{acurve}"
                f"batch:\n  max_age: {max_age}\n"
                f"inputs:\n")
        if mode == "pcap":  # the documented replay: the captures and the PM backlog in one agent
            speed = f"recorded\n    speed_factor: {pcap_factor}" if pcap_factor else "max"
            acfg += (f"  - type: pcap\n    file: {wire}/mdt.pcap\n    speed: {speed}\n    max_file_size: 8GiB\n"
                     f"    ports: [{{port: 57500, format: mdt-tcp}}]\n"
                     f"  - type: pcap\n    file: {wire}/jti.pcap\n    speed: {speed}\n    max_file_size: 8GiB\n"
                     f"    ports: [{{port: 50000, format: jti}}]\n"
                     f"  - type: pcap\n    file: {wire}/udpnotif.pcap\n    speed: {speed}\n    max_file_size: 8GiB\n"
                     f"    ports: [{{port: 10003, format: udp-notif}}]\n"
                     f"  - type: pmdir\n    dir: {wire}/pm\n    interval: 1s\n")
        else:  # live inputs, fed in data-time order by feed_live(); UDP buffers of 32 MiB (as
            # root the agent lifts net.core.rmem_max with SO_RCVBUFFORCE) so that an agent
            # starved of CPU on a loaded machine drops no datagram of the accelerated feed
            self.tport, self.uport, self.nport = free_port(), free_port(), free_port()
            self.pmdir = os.path.join(work, "pm")
            os.makedirs(self.pmdir, exist_ok=True)
            acfg += (f"  - type: tcp\n    listen: 127.0.0.1:{self.tport}\n    format: mdt-tcp\n"
                     f"  - type: udp\n    listen: 127.0.0.1:{self.uport}\n    format: jti\n    rcvbuf: 33554432\n"
                     f"  - type: udp\n    listen: 127.0.0.1:{self.nport}\n    format: udp-notif\n"
                     f"    rcvbuf: 33554432\n"
                     f"  - type: pmdir\n    dir: {self.pmdir}\n    interval: 1s\n")
        self.ccfg = self._write("collector.yaml", ccfg)
        self.acfg = self._write("agent.yaml", acfg)

    def _write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _start(self, key, argv):
        log = open(os.path.join(self.work, f"{key}.log"), "ab")
        self.logs.append(log)
        self.procs[key] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self, key):
        try:
            with open(os.path.join(self.work, f"{key}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def run(self, expect_pm_files):
        """Start both, wait until every PM file is read, the pcaps are done, and the collector
        has stored and analysed everything; returns the collector's final metrics."""
        self._start("collector", [os.path.join(self.a.bin, "vigil-collector"), "-c", self.ccfg])
        wait_for(lambda: metrics(self.mport), 60, "collector metrics endpoint")
        t0 = time.monotonic()
        self._start("agent", [os.path.join(self.a.bin, "vigil-agent"), "-c", self.acfg])
        if self.mode == "live":
            self.feed_live()
        last = {"v": None, "since": time.monotonic()}

        def settled():
            for k, p in self.procs.items():
                if p.poll() is not None:
                    raise AssertionError(f"{k} exited ({p.returncode}):\n{self.log(k)[-3000:]}")
            m = metrics(self.mport)
            if not m:
                return None
            key = (m.get('vigil_samples_total{result="stored"}', 0), m.get('vigil_detect_inputs_total{kind="sample"}', 0),
                   m.get('vigil_batches_total{result="accepted"}', 0))
            now = time.monotonic()
            if key != last["v"]:
                last["v"], last["since"] = key, now
                return None
            busy = m.get("vigil_detect_queue_batches", 1) != 0 or \
                m.get('vigil_detect_batches_total{result="ok"}', 0) < m.get('vigil_batches_total{result="accepted"}', 0)
            # Nothing new for 10 s, the detect queue is empty, and something arrived.
            return m if key[0] > 0 and not busy and now - last["since"] > 10 else None

        m = wait_for(settled, self.a.timeout, "the replay to be stored and analysed", interval=1.0)
        m["wall_s"] = round(time.monotonic() - t0 - 10, 1)
        return m

    def feed_live(self):
        """Send the wire data to the agent's live inputs in data-time order, `speed` times
        faster than recorded: each capture's UDP datagrams and TCP sessions (connect on SYN,
        send the client's bytes, close on FIN), and each PM file at its delivery time (written
        under a dot name, then renamed into the watched directory)."""
        import heapq
        import socket

        def tcp_ready():
            try:
                socket.create_connection(("127.0.0.1", self.tport), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(tcp_ready, 60, "the agent's tcp input")

        def udp_bound():
            # The agent opens its inputs one after the other: its tcp input may accept before
            # the udp sockets exist, and a datagram sent then is gone (the host's Udp NoPorts).
            with open("/proc/net/udp") as f:
                local = {line.split()[1] for line in f.readlines()[1:]}
            return all(f"0100007F:{p:04X}" in local for p in (self.uport, self.nport))
        wait_for(udp_bound, 60, "the agent's udp inputs")
        pm = [(f["deliver_ms"], 2, 0, 0, 0, f["file"]) for f in self.manifest["pm_files"] if not f["missing"]]
        pm.sort()
        events = heapq.merge(read_pcap(os.path.join(self.wire, "mdt.pcap")),
                             read_pcap(os.path.join(self.wire, "jti.pcap")),
                             read_pcap(os.path.join(self.wire, "udpnotif.pcap")), pm, key=lambda e: e[0])
        # UDP-notif names the device after the sender's address: send from it (loopback
        # 127/8 stands in for the router's 10.1/16 address, same host part).
        senders = {}
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        conns = {}
        t0 = None
        w0 = time.monotonic()
        for ts, kind, sport, dport, flags, data in events:
            if t0 is None:
                t0 = ts
            ahead = (ts - t0) / 1000.0 / self.a.speed - (time.monotonic() - w0)
            if ahead > 0.002:
                time.sleep(ahead)
            if kind == 17 and dport == self.manifest["jti"]["port"]:
                udp.sendto(data, ("127.0.0.1", self.uport))
            elif kind == 17 and dport == self.manifest["udp_notif"]["port"]:
                if flags not in senders:
                    sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    sk.bind((flags, 0))
                    senders[flags] = sk
                senders[flags].sendto(data, ("127.0.0.1", self.nport))
            elif kind == 6 and dport == self.manifest["mdt"]["port"]:
                if flags & 0x02:  # SYN: the router dials
                    if sport in conns:
                        conns.pop(sport).close()
                    conns[sport] = socket.create_connection(("127.0.0.1", self.tport), timeout=30)
                if data and sport in conns:
                    conns[sport].sendall(data)
                if flags & 0x01 and sport in conns:  # FIN
                    conns.pop(sport).close()
            elif kind == 2:
                name = os.path.basename(data)
                tmp = os.path.join(self.pmdir, "." + name)
                shutil.copyfile(os.path.join(self.wire, data), tmp)
                past = time.time() - 5  # settled: pmdir need not wait for the writer
                os.utime(tmp, (past, past))
                os.rename(tmp, os.path.join(self.pmdir, name))
        for c in list(conns.values()) + list(senders.values()):
            c.close()
        udp.close()

    def decoded(self):
        """Samples the agent's inputs decoded: the latest stats line of each input (the agent
        writes them when it stops, so call this after close())."""
        last = {}
        for line in self.log("agent").splitlines():
            if "input: input " in line and " samples=" in line:
                idx = line.split("input: input ", 1)[1].split(" ", 1)[0]
                last[idx] = int(line.split(" samples=", 1)[1].split(" ", 1)[0])
        return sum(last.values())

    def close(self):
        for key in ("agent", "collector"):
            p = self.procs.get(key)
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
        for f in self.logs:
            f.close()


def read_pcap(path):
    """Yield (ts_ms, proto, sport, dport, tcp_flags, payload) for each IPv4 UDP/TCP packet of a
    classic little-endian Ethernet pcap (what vigil sim --wire-out writes)."""
    import struct
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24 or struct.unpack("<I", head[:4])[0] != 0xa1b2c3d4:
            raise ValueError(f"{path}: not a little-endian microsecond pcap")
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, usec, incl, _ = struct.unpack("<IIII", rh)
            pkt = f.read(incl)
            if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
                continue
            ihl = (pkt[14] & 15) * 4
            proto = pkt[23]
            tp = 14 + ihl
            sport, dport = struct.unpack(">HH", pkt[tp:tp + 4])
            ts = sec * 1000 + usec // 1000
            if proto == 17:  # flags: the sender's address mapped onto loopback (127.1.x.y)
                yield (ts, 17, sport, dport, f"127.{pkt[27]}.{pkt[28]}.{pkt[29]}", pkt[tp + 8:])
            elif proto == 6:
                off = (pkt[tp + 12] >> 4) * 4
                yield (ts, 6, sport, dport, pkt[tp + 13], pkt[tp + off:])


def read_alerts(a, store):
    r = vigil(a, "alerts", "--store", store, "--format", "json")
    out = []
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        x = json.loads(line)
        if x.get("activity_id") != 1 or not x.get("is_alert") or x.get("severity_id", 0) < 2:
            continue
        out.append({"catalog": x["finding_info"]["analytic"]["uid"], "rule": x["finding_info"]["analytic"]["name"],
                    "device": x["device"]["uid"], "time": x["time"], "title": x["finding_info"].get("title", "")})
    return out


def label_key(l):
    """An incident can carry several labels (one per detector): id/detector is unique."""
    return f"{l['id']}/{l['detector']}"


def label_class(l):
    """(class, transports carrying it) of a label, or (None, set()) when not on the wire."""
    if l["type"] == "reboot-wave":  # the wave is X01's look-alike, each member reboot an I03
        return ("benign: fleet reboot wave" if l["detector"] == "X01" else "unexpected reboot"), CARRIED["reboot"]
    if l["type"] in WIRE_CLASSES:
        return WIRE_CLASSES[l["type"]], CARRIED[l["type"]]
    if l["detector"] == "I03":  # an image change reboots the element
        return "unexpected reboot", CARRIED["reboot"]
    return None, set()


def x01_needs(n, p0=1e-3, alpha=1e-6, min_k=2):
    """Findings X01 needs in a vendor fleet of n devices (detectors/rules.yaml x01 params): the
    smallest k >= min_k whose binomial tail P(Bin(n, p0) >= k) is at most alpha.  A label with fewer
    devices whose signal is on the wire is not a common mode the wire data can show."""
    from math import comb
    for k in range(min_k, max(n, min_k) + 1):
        if sum(comb(n, j) * p0 ** j * (1 - p0) ** (n - j) for j in range(k, n + 1)) <= alpha:
            return k
    return n + 1


def score(labels, alerts, manifest, start, end, grace_ms):
    """Score alerts against labels; returns a dict with per-class rows and the label audit."""
    wire_of = {d["sim"]: d["wire"] for d in manifest["devices"] if d["transport"] != "none"}
    tr_of = {d["sim"]: d["transport"] for d in manifest["devices"]}
    transport = {d["wire"]: d["transport"] for d in manifest["devices"] if d["transport"] != "none"}
    interval = manifest["interval_ms"]
    scored, audit = [], []
    fleet = {}  # (vendor, transport) -> devices on the wire
    for d in manifest["devices"]:
        if d["transport"] != "none":
            k = (d.get("vendor", ""), d["transport"])
            fleet[k] = fleet.get(k, 0) + 1
    for l in labels:
        cls, carried = label_class(l)
        on_wire = [wire_of[d] for d in l["devices"] if d in wire_of and tr_of[d] in carried]
        why = None
        if cls is None:
            why = "signal not carried by the wire formats"
        elif not on_wire:
            why = "the devices' wire format does not carry this signal (or they send nothing)"
        elif l["detector"] == "X01":
            # X01 1.5.0 counts the vendor's devices that can show the kind (routers for reboots;
            # a gNB's PM files carry no up-time): the vendor's devices on transports carrying it.
            n = sum(c for (v, tr), c in fleet.items() if v == l.get("entity", "") and tr in carried)
            if len(on_wire) < x01_needs(n):
                why = (f"only {len(on_wire)} of its devices carry the signal on the wire; a common mode in a "
                       f"fleet of {n} needs {x01_needs(n)}")
        audit.append({"id": label_key(l), "type": l["type"], "detector": l["detector"], "benign": l["benign"],
                      "scored": why is None, "why": why or "", "devices": on_wire})
        if why is None:
            scored.append((l, set(on_wire)))
    for al in alerts:
        al["match"] = None
    matched = {}
    for l, devs in scored:
        hits = []
        for al in alerts:
            if al["catalog"] != l["detector"] or al["time"] < l["start_ms"] or al["time"] > l["end_ms"] + grace_ms:
                continue
            # A fleet-wide look-alike ("fleet") is matched by any vendor's X01 in its time.
            if al["device"] in devs or al["device"] == l["entity"] or l["entity"] == "fleet":
                hits.append(al)
                if al["match"] is None or (not l["benign"] and al["match"][1]):
                    al["match"] = (label_key(l), l["benign"])
        matched[label_key(l)] = hits
    rows = {}
    for l, devs in scored:
        c = label_class(l)[0]
        r = rows.setdefault(c, {"class": c, "detector": l["detector"], "benign": bool(l["benign"]), "labels": 0,
                                "found": 0, "ttd": [], "ttd_by": {}, "missed": []})
        r["labels"] += 1
        hits = matched[label_key(l)]
        if hits and not l["benign"]:
            r["found"] += 1
            first = min(h["time"] for h in hits)
            pm = any(transport.get(d) == "pm" for d in devs)
            step = ROP if pm else interval
            r["ttd"].append((first - l["start_ms"]) / step)
            r["ttd_by"].setdefault("ROP" if pm else "stream", []).append((first - l["start_ms"]) / step)
        elif hits and l["benign"]:
            r["found"] += 1  # a benign look-alike that alerted
        elif not l["benign"]:
            r["missed"].append(label_key(l))
    tp = sum(1 for al in alerts if al["match"] and not al["match"][1])
    for r in rows.values():
        det = [al for al in alerts if al["catalog"] == r["detector"]]
        good = [al for al in det if al["match"] and not al["match"][1]]
        r["alerts"] = len(det)
        r["precision"] = len(good) / len(det) if det else None
        r["recall"] = None if r["benign"] else r["found"] / r["labels"]
        r["ttd_median"] = statistics.median(r["ttd"]) if r["ttd"] else None
        r["ttd_medians"] = {k: statistics.median(v) for k, v in r["ttd_by"].items()}
    wire_devs = len(transport)
    days = (end - start) / DAY
    fp = [al for al in alerts if not al["match"] or al["match"][1]]
    by_rule = {}
    for al in fp:
        by_rule[al["rule"]] = by_rule.get(al["rule"], 0) + 1
    incidents = [r for r in rows.values() if not r["benign"]]
    total = {"labels": sum(r["labels"] for r in incidents), "found": sum(r["found"] for r in incidents),
             "alerts": len(alerts), "true_alerts": tp,
             "false_alerts": len(fp), "false_per_100_device_days": 100.0 * len(fp) / (wire_devs * days) if wire_devs else 0,
             "false_by_rule": dict(sorted(by_rule.items(), key=lambda kv: -kv[1]))}
    total["recall"] = total["found"] / total["labels"] if total["labels"] else None
    total["precision"] = tp / len(alerts) if alerts else None
    return {"rows": sorted(rows.values(), key=lambda r: (r["benign"], r["class"])), "total": total, "audit": audit,
            "wire_devices": wire_devs, "days": days}


def fmt(v, f="{:.2f}"):
    return "-" if v is None else f.format(v)


def table(results):
    """Markdown table: one row per class, one column per run (mode + max_age); a cell reads
    found/labelled, precision, median TTD."""
    runs = list(results)
    head = "| class | detector | labels |" + "".join(f" {r} |" for r in runs)
    sep = "|---|---|---:|" + "---|" * len(runs)
    classes = []
    for k in runs:
        for r in results[k]["score"]["rows"]:
            if (r["class"], r["detector"], r["labels"], r["benign"]) not in classes:
                classes.append((r["class"], r["detector"], r["labels"], r["benign"]))
    lines = [head, sep]
    for c, det, n, benign in classes:
        cells = ""
        for k in runs:
            r = next((x for x in results[k]["score"]["rows"] if x["class"] == c), None)
            if not r:
                cells += " - |"
            elif benign:
                cells += f" {r['found']} alerted |"
            else:
                cells += f" {r['found']}/{r['labels']}, P {fmt(r['precision'])}, TTD {fmt(r['ttd_median'], '{:.1f}')} |"
        lines.append(f"| {c} | {det} | {n} |{cells}")
    tot = ""
    for k in runs:
        t = results[k]["score"]["total"]
        tot += f" **{t['found']}/{t['labels']} = {fmt(t['recall'])}, P {fmt(t['precision'])} ({t['true_alerts']}/{t['alerts']})** |"
    lines.append(f"| **all incidents** | | |{tot}")
    for c in NOT_SIMULATED:
        lines.append(f"| {c} | - | 0 |" + " not simulated |" * len(runs))
    return "\n".join(lines)


def ttd_split(results):
    """One line per run for the classes whose incidents span both kinds of reporting
    interval (silence: routers' streams and gNBs' PM files): the median TTD of each kind."""
    lines = []
    for k, res in results.items():
        parts = [f"{r['class']}: " + ", ".join(f"{kind} {m:.1f} (n={len(r['ttd_by'][kind])})"
                                                for kind, m in sorted(r.get("ttd_medians", {}).items()))
                 for r in res["score"]["rows"] if len(r.get("ttd_medians", {})) > 1]
        if parts:
            lines.append(f"- Median TTD by interval kind, {k}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def report(a, manifest, labels, results, cmd):
    any_age = next(iter(results.values()))
    audit = any_age["score"]["audit"]
    off = {}
    for x in audit:
        if not x["scored"]:
            off.setdefault(x["why"], []).append(x["type"])
    out = [f"Command: `{cmd}`", "",
           f"Fleet: seed {a.seed}, {a.sites} sites x {a.cells} cells, {a.days:g} days from {a.start}, interval "
           f"{a.interval}, scenario `{a.scenario}`; {any_age['score']['wire_devices']} devices on the wire "
           f"(Cisco MDT {a.mdt_encoding} TCP, Juniper JTI UDP, Huawei UDP-notif, gNB PM files: {manifest['pm']['files']} written, "
           f"{manifest['pm']['late']} late, {manifest['pm']['missing']} missing"
           + (f", {manifest['pm']['down']} ROPs without a file because the gNB was down" if manifest['pm'].get('down') else "")
           + f"); {len(labels)} labels, "
           f"{sum(1 for x in audit if x['scored'])} scored.", "",
           "Recall = incidents found / labelled; precision = alerts of the class's detector that match an "
           "incident / all its alerts; TTD = median time to detect in reporting intervals (stream interval for "
           "routers, 15-min ROP for gNBs).  Benign rows count look-alikes that alerted (want 0).", "",
           table(results), ""]
    split = ttd_split(results)
    if split:
        out += [split, ""]
    for age, r in results.items():
        t = r["score"]["total"]
        stored = int(r["metrics"].get('vigil_samples_total{result="stored"}', 0))
        dropped = int(r["metrics"].get('vigil_detect_engine_errors_total{kind="dropped_sample"}', 0))
        inhibited = int(r["metrics"].get('vigil_detect_alerts_total{activity="inhibited"}', 0))
        top = ", ".join(f"{k} {v}" for k, v in list(t["false_by_rule"].items())[:6]) or "none"
        out.append(f"- {age}: {t['alerts']} alerts, {t['false_alerts']} false "
                   f"({t['false_per_100_device_days']:.1f} per 100 device-days; by rule: {top}); "
                   f"{stored} samples stored, {dropped} dropped by the engine (NaN or out of order), "
                   f"{inhibited} findings inhibited, "
                   f"replay {r['metrics']['wall_s']} s.")
    for why, types in off.items():
        counts = {}
        for t in types:
            counts[t] = counts.get(t, 0) + 1
        out.append(f"- Not scored ({why}): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".")
    return "\n".join(out)


def write_doc(path, text):
    with open(path) as f:
        doc = f.read()
    block = f"{DOC_BEGIN}\n{text}\n{DOC_END}"
    if DOC_BEGIN in doc and DOC_END in doc:
        pre, rest = doc.split(DOC_BEGIN, 1)
        doc = pre + block + rest.split(DOC_END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n## Through the real path\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(doc)


def command(a):
    """The command line that reproduces a run."""
    opts = (("--days", f"{a.days:g}"), ("--sites", a.sites), ("--seed", a.seed), ("--scenario", a.scenario),
            ("--max-age", a.max_age), ("--mode", a.mode), ("--speed", f"{a.speed:g}"), ("--runs", a.runs),
            ("--interval", a.interval if a.interval != "60s" else ""),
            ("--mdt-encoding", a.mdt_encoding if a.mdt_encoding != "json" else ""), ("--lateness", a.lateness),
            ("--majority", a.majority or ""))
    return "tests/eval/eval_wire.py --bin build/bin" + "".join(f" {k} {v}" for k, v in opts if v != "")


def main(argv=None):
    import signal
    a = parse_args(argv)
    # A SIGTERM unwinds like an exception, so the daemons started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a.bin = os.path.abspath(a.bin)
    a.source = os.path.abspath(a.source)
    if a.from_json:
        with open(a.from_json) as f:
            j = json.load(f)
        text = report(a, j["manifest"], j["labels"], j["results"], command(a))
        print(text)
        if a.doc:
            write_doc(a.doc, text)
        return 0
    base = a.keep or tempfile.mkdtemp(prefix="vigil-eval-wire-")
    os.makedirs(base, exist_ok=True)
    ok = False
    try:
        wire = os.path.join(base, "wire")
        shutil.rmtree(wire, ignore_errors=True)
        manifest, labels, start, end = generate(a, wire)
        results = {}
        runs = [(mode.strip(), age.strip()) for mode in a.mode.split(",") if mode.strip()
                for age in a.max_age.split(",") if age.strip()]
        if a.runs:
            runs = [tuple(x.strip().split(":", 1)) for x in a.runs.split(",") if x.strip()]
        for mode, age in runs:
            key = f"{mode} {age}"
            work = os.path.join(base, f"run-{mode}-{age}")
            shutil.rmtree(work, ignore_errors=True)
            rp = Replay(a, wire, work, age, mode, lateness=a.lateness)
            rp.manifest = manifest
            try:
                m = rp.run(manifest["pm"]["files"])
            finally:
                rp.close()
            m["decoded_samples"] = rp.decoded()
            alerts = read_alerts(a, rp.store)
            if mode == "live":  # UDP-notif senders were 127.x.y.z standing in for 10.x.y.z
                for al in alerts:
                    if al["device"].startswith("127."):
                        al["device"] = "10." + al["device"][4:]
            results[key] = {"metrics": m, "score": score(labels, alerts, manifest, start, end, int(a.grace * 1000)),
                            "alerts": alerts, "mode": mode, "max_age": age}
            print(f"{key}: {len(alerts)} alerts, replay {m['wall_s']} s", file=sys.stderr)
        text = report(a, manifest, labels, results, command(a))
        print(text)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"manifest": {k: v for k, v in manifest.items() if k != "pm_files"}, "labels": labels,
                           "results": results}, f, indent=1, default=str)
        if a.doc:
            write_doc(a.doc, text)
        ok = True
    finally:
        if not a.keep and ok:
            shutil.rmtree(base, ignore_errors=True)
        elif not ok:
            print(f"eval_wire: work kept in {base}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
