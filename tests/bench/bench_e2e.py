#!/usr/bin/env python3
"""bench_e2e - end-to-end throughput of the real path: vigil-agent (sim input, full speed)
-> ZeroMQ -> vigil-collector -> RocksDB (fsync on every commit).

Prints one JSON object: samples/s end to end (agent start to the last acknowledgement; with
--detect, to the moment the collector's detect stage has been fed every stored sample, read
from its /metrics),
bytes per sample on the wire and on disk (raw, and after `vigil compact`: every file of the
store, so with --detect also the detect stage's saved state and alerts; by column family in
disk_bytes_per_sample_by_family, as tests/bench/bench_store_bytes.c splits them), collector CPU
seconds and peak RSS, agent CPU seconds and peak RSS, and for both processes the peak of their
private memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) and of their shared
pages (mostly shared libraries), sampled every 20 ms.  Not a test: numbers go to
docs/PERFORMANCE.md together with the command that produced them.

--agents N runs N agents at once into the one collector, each with the whole simulated fleet
under its own site prefix (a1/..., a2/...): N times the series and samples.  --scale 10,100,1000
runs the benchmark once per fleet size (with and without the detect stage unless --detect or
--no-detect-scale say otherwise) and prints one JSON line per run, then how memory grows per
series: agent private, collector private, and the detect stage (collector with detection minus
without).

The link is plain TCP (`curve.insecure: true`) unless --curve: the figures measure the raw
pipeline and stay comparable with the earlier ones in docs/PERFORMANCE.md; --curve measures
the default (authenticated, encrypted) link, keys made with `vigil keygen`.

usage: bench_e2e.py --bin build/bin [--sites 100] [--days 2] [--interval 60s] [--sync true] [--bucket 2h]
                    [--detect [--rules detectors/rules.yaml] [--fleet-publish BROKERS]] [--curve] [--agents N]
                    [--scale 10,100,1000 [--no-detect-scale]] [--batch-max-samples N]

--fleet-publish also publishes the fleet tier's inputs to topic bench.fleet on BROKERS
(docs/SCALING.md) and reports what was published (the collector's stop line).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from vgtest import curve_configs, free_port, scrape_metrics as metrics  # noqa: E402  (the integration tests' helpers)


def wait4(p, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return ru
        time.sleep(0.02)
    p.kill()
    raise SystemExit(f"process {p.args[0]} did not exit within {timeout}s")


def dir_bytes(d):
    total = 0
    for root, _, files in os.walk(d):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def smaps_rollup(pid):
    """(rss, private, shared) kB of a live process, or None once it is gone; rss is the
    kernel's high-water mark (VmHWM), which, unlike a child's ru_maxrss, does not include the
    RSS of the Python process it was forked from."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kv = {}
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                    kv[parts[0][:-1]] = int(parts[1])
    except OSError:
        return None
    if "Rss" not in kv:
        return None
    hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return (max(kv["Rss"], hwm), kv.get("Private_Clean", 0) + kv.get("Private_Dirty", 0),
            kv.get("Shared_Clean", 0) + kv.get("Shared_Dirty", 0))


class MemPeak(threading.Thread):
    """Peaks of RSS, private and shared memory (kB) of some processes, sampled every 20 ms until
    stop(); each peak on its own (they need not happen at the same moment)."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.peak = {pid: [0, 0, 0] for pid in pids}
        self.done = threading.Event()
        self.start()

    def run(self):
        while not self.done.is_set():
            for pid, pk in self.peak.items():
                m = smaps_rollup(pid)
                if m:
                    for i in range(3):
                        pk[i] = max(pk[i], m[i])
            self.done.wait(0.02)

    def stop(self):
        self.done.set()
        self.join()

    def mb(self, pid):
        return {k: round(v / 1024, 2) for k, v in zip(("rss", "private", "shared"), self.peak[pid])}


def agent_id(a, i):
    return "bench" if a.agents == 1 else f"bench{i + 1}"


def agent_config(a, work, i, port, acurve, start_ms, end_ms):
    """The i-th agent's configuration file (agent id bench, or benchI with --agents > 1)."""
    site = f"    site: a{i + 1}\n" if a.agents > 1 else ""
    batch = f"batch:\n  max_samples: {a.batch_max_samples}\n" if a.batch_max_samples else ""
    path = f"{work}/a{i}.yaml"
    with open(path, "w") as f:
        f.write(f"agent:\n  id: {agent_id(a, i)}\ncollectors: [tcp://127.0.0.1:{port}]\n"
                f"spool:\n  dir: {work}/spool{i}\n  fsync: true\n{batch}"
                f"curve:\n{acurve}"
                f"inputs:\n  - type: sim\n    sites: {a.sites}\n    start: {start_ms}\n    end: {end_ms}\n"
                f"    interval: {a.interval}\n    speed: max\n{site}")
    return path


def scale(a):
    """--scale: one run per fleet size (with and without detection), then memory per added
    series between each two sizes."""
    sizes = [int(x) for x in a.scale.split(",")]
    modes = [a.detect] if (a.detect or a.no_detect_scale) else [False, True]
    rows = {}
    for sites in sizes:
        for det in modes:
            a.sites, a.detect = sites, det
            out = run(a)
            print(json.dumps(out), flush=True)
            rows[(sites, det)] = out
    for lo, hi in zip(sizes, sizes[1:]):
        print(json.dumps({"memory_growth": growth_per_series(rows, lo, hi, modes)}))


def growth_per_series(rows, lo, hi, modes):
    """Bytes of private memory per added series from lo to hi sites: agent, collector, and
    the detect stage (the collector with detection minus without)."""
    growth = {"from_sites": lo, "to_sites": hi}
    per = lambda r0, r1, key: round((r1[key] - r0[key]) * 1048576 / ((r1["series"] - r0["series"]) or 1))
    for det in modes:
        tag = "detect" if det else "nodetect"
        growth[f"agent_private_bytes_per_series_{tag}"] = per(rows[(lo, det)], rows[(hi, det)], "agent_private_mb")
        growth[f"collector_private_bytes_per_series_{tag}"] = per(rows[(lo, det)], rows[(hi, det)],
                                                                   "collector_private_mb")
    if len(modes) == 2:
        growth["detect_stage_bytes_per_series"] = (growth["collector_private_bytes_per_series_detect"]
                                                   - growth["collector_private_bytes_per_series_nodetect"])
    return growth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--days", type=float, default=2)
    ap.add_argument("--interval", default="60s")
    ap.add_argument("--sync", default="true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--bucket", help="the store's time bucket (store.bucket, e.g. 24h; default the collector's)")
    ap.add_argument("--detect", action="store_true", help="run the detect stage; wait until it is fed everything")
    ap.add_argument("--detect-journal", choices=("true", "false"), default="",
                    help="with --detect: detect.journal (default: the collector's)")
    ap.add_argument("--fleet-publish", default="", help="with --detect: publish fleet inputs to these brokers")
    ap.add_argument("--curve", action="store_true", help="CURVE on the link (default: curve.insecure, raw pipeline)")
    ap.add_argument("--rules", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                    "detectors", "rules.yaml"))
    ap.add_argument("--agents", type=int, default=1, help="agents at once into the collector, one fleet each")
    ap.add_argument("--batch-max-samples", type=int, default=0, help="the agents' batch.max_samples (0: default)")
    ap.add_argument("--scale", default="", help="comma-separated fleet sizes (sites): one run each")
    ap.add_argument("--no-detect-scale", action="store_true", help="--scale without the runs with detection")
    a = ap.parse_args()
    if a.agents < 1 or (a.agents > 1 and a.curve):
        raise SystemExit("--agents must be >= 1, and runs with more than one agent are plain TCP")
    if a.scale:
        scale(a)
    else:
        print(json.dumps(run(a)))


def run(a):
    """One benchmark run; returns its figures."""
    work = tempfile.mkdtemp(prefix="vigil-bench-")
    port, mport = free_port(), free_port()
    end_ms = 1793491200000  # 2026-11-01T00:00Z: fixed, so runs are comparable
    start_ms = end_ms - int(a.days * 86400000)
    # Raw throughput by default: plain TCP, explicitly (curve.insecure), so the figures stay
    # comparable with the earlier ones; --curve prices the default link.
    ccurve, acurve, apub = ("  insecure: true\n", "  insecure: true\n", None)
    if a.curve:
        ccurve, acurve, apub = curve_configs(a.bin, os.path.join(work, "keys"), "bench")
    akey = f"    public_key: '{apub}'\n" if apub else ""
    with open(f"{work}/c.yaml", "w") as f:
        f.write(f"collector:\n  listen: tcp://127.0.0.1:{port}\n  metrics_listen: 127.0.0.1:{mport}\n"
                f"store:\n  path: {work}/store\n  sync: {a.sync}\n  retention: 0\n"
                + (f"  bucket: {a.bucket}\n" if a.bucket else "") +
                f"ingest:\n  max_past: 3650d\ncurve:\n{ccurve}agents:\n")
        for i in range(a.agents):
            f.write(f"  - id: {agent_id(a, i)}\n{akey}")
        if a.detect:
            f.write(f"detect:\n  enabled: true\n  rules: {os.path.abspath(a.rules)}\n")
            if a.detect_journal:
                f.write(f"  journal: {a.detect_journal}\n")
            if a.fleet_publish:
                f.write(f"fleet:\n  brokers: {a.fleet_publish}\n  publish:\n    topic: bench.fleet\n")
    acfgs = [agent_config(a, work, i, port, acurve, start_ms, end_ms) for i in range(a.agents)]
    clog = open(f"{work}/c.log", "w")
    col = subprocess.Popen([f"{a.bin}/vigil-collector", "-c", f"{work}/c.yaml"], stderr=clog, stdout=clog)
    # Wait for the metrics endpoint, so the agent's clock starts with a listening collector.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", mport), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    alogs = [open(f"{work}/a{i}.log", "w") for i in range(a.agents)]
    t0 = time.monotonic()
    agents = [subprocess.Popen([f"{a.bin}/vigil-agent", "-c", acfgs[i], "--exit-when-done"], stderr=alogs[i],
                               stdout=alogs[i]) for i in range(a.agents)]
    mem = MemPeak([col.pid] + [p.pid for p in agents])
    arus = [wait4(p, 3600) for p in agents]
    wall = time.monotonic() - t0
    det = None
    if a.detect:
        # The detect stage runs behind the acknowledgements: wait until it has been fed every
        # stored sample (metrics are refreshed about once a second).
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            m = metrics(mport)
            if (m and m.get('vigil_detect_queue_batches', 1) == 0 and m.get('vigil_samples_total{result="stored"}', 0) > 0
                    and m.get('vigil_detect_inputs_total{kind="sample"}', 0) + m.get('vigil_detect_inputs_total{kind="skipped"}', 0)
                    >= m['vigil_samples_total{result="stored"}']):
                det = m
                break
            time.sleep(0.05)
        if det is None:
            raise SystemExit("the detect stage did not catch up within an hour")
        wall_detect = time.monotonic() - t0
        # The metrics are refreshed about once a second, so the poll above sees the end up to
        # a second late: time to the stage's own record of when it caught up (CLOCK_MONOTONIC,
        # the clock of time.monotonic), never earlier than the last acknowledgement.
        done = det.get("vigil_detect_done_monotonic_seconds")
        if done:
            wall_detect = max(wall, min(wall_detect, done - t0))
    mem.stop()
    col.send_signal(signal.SIGTERM)
    cru = wait4(col, 120)
    for f in alogs:
        f.close()
    clog.close()
    samples = events = wire = 0
    for i, p in enumerate(agents):
        text = open(f"{work}/a{i}.log").read()
        m = re.search(r"samples_in=(\d+) events_in=(\d+) .* bytes=(\d+)", text)
        if p.returncode != 0 or not m:
            print(text[-3000:], file=sys.stderr)
            raise SystemExit(f"agent {i + 1} failed")
        samples, events, wire = samples + int(m.group(1)), events + int(m.group(2)), wire + int(m.group(3))
    raw_disk = dir_bytes(f"{work}/store")
    subprocess.run([f"{a.bin}/vigil", "compact", "--store", f"{work}/store"], check=True)
    insp = json.loads(subprocess.run([f"{a.bin}/vigil", "inspect", "--store", f"{work}/store", "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    if insp["samples"] != samples:
        raise SystemExit(f"store holds {insp['samples']} samples, agent sent {samples}")
    out = {
        "sites": a.sites, "days": a.days, "bucket": a.bucket or "default", "interval": a.interval, "sync": a.sync, "curve": a.curve,
        "samples": samples, "events": events, "series": insp["series"],
        "wall_s": round(wall, 3),
        "samples_per_s": round(samples / wall),
        "wire_bytes_per_sample": round(wire / samples, 3),
        "disk_bytes_per_sample_raw": round(raw_disk / samples, 3),
        "disk_bytes_per_sample_compacted": round(insp["disk_bytes"] / samples, 3),
        # The same total by column family ("files": MANIFEST, OPTIONS, WAL, logs): with --detect
        # it includes the detect stage's saved state ("detstate", a fixed ~78 bytes a series)
        # and alerts, which runs without --detect do not write (docs/PERFORMANCE.md).
        "disk_bytes_per_sample_by_family": {k: round(v / samples, 4) for k, v in insp.get("family_bytes", {}).items() if v},
        "chunk_bytes_per_sample": round(insp["chunk_bytes_per_sample"], 3),
        "detect": a.detect,
        "collector_cpu_s": round(cru.ru_utime + cru.ru_stime, 2),
        "agent_cpu_s": round(max(ru.ru_utime + ru.ru_stime for ru in arus), 2),
        
    }
    out.update(mem_figures(a, mem, col, agents, arus))
    if det is not None:
        out.update({
            "ack_samples_per_s": round(samples / wall),
            "wall_s": round(wall_detect, 3),
            "samples_per_s": round(samples / wall_detect),
            "detect_samples_fed": int(det['vigil_detect_inputs_total{kind="sample"}']),
            "detect_samples_processed": int(det.get('vigil_detect_samples_total{result="processed"}', -1)),
            "detect_samples_late": int(det.get('vigil_detect_samples_total{result="late"}', -1)),
            "detect_seconds": det.get("vigil_detect_seconds_total"),
            "detect_alerts": int(det.get('vigil_detect_alerts_total{result="stored"}', 0)),
        })
    pub = re.search(r"published (\d+) messages \((\d+) bytes\): (\d+) KPI samples, (\d+) devices, (\d+) findings",
                    open(f"{work}/c.log").read())
    if pub:
        out["fleet_published"] = {"messages": int(pub[1]), "bytes": int(pub[2]), "kpi_samples": int(pub[3]),
                                  "devices": int(pub[4]), "findings": int(pub[5])}
    if a.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return out


def mem_figures(a, mem, col, agents, arus):
    """Memory figures of a run: peaks of private and shared memory, agents' as the largest
    of them (each agent's own with --agents > 1)."""
    am = [mem.mb(p.pid) for p in agents]
    cm = mem.mb(col.pid)
    out = {
        "agents": a.agents,
        "batch_max_samples": a.batch_max_samples or "default",
        # A child's ru_maxrss counts the Python parent's RSS at the fork (about 22 MB here):
        # the peaks from /proc replace the wait4 figures.
        "agent_peak_rss_mb": max(m["rss"] for m in am),
        "collector_peak_rss_mb": cm["rss"],
        "agent_private_mb": max(m["private"] for m in am),
        "agent_shared_mb": max(m["shared"] for m in am),
        "collector_private_mb": cm["private"],
        "collector_shared_mb": cm["shared"],
    }
    if a.agents > 1:
        out["agents_cpu_s"] = [round(ru.ru_utime + ru.ru_stime, 2) for ru in arus]
        out["agents_private_mb"] = [m["private"] for m in am]
    return out


main()
