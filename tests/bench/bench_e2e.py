#!/usr/bin/env python3
"""bench_e2e - end-to-end throughput of the real path: vigil-agent (sim input, full speed)
-> ZeroMQ -> vigil-collector -> RocksDB (fsync on every commit).

Prints one JSON object: samples/s end to end (agent start to the last acknowledgement; with
--detect, to the moment the collector's detect stage has been fed every stored sample, read
from its /metrics),
bytes per sample on the wire and on disk (raw, and after `vigil compact`), collector CPU
seconds and peak RSS, agent CPU seconds and peak RSS.  Not a test: numbers go to
docs/PERFORMANCE.md together with the command that produced them.

The link is plain TCP (`curve.insecure: true`) unless --curve: the figures measure the raw
pipeline and stay comparable with the earlier ones in docs/PERFORMANCE.md; --curve measures
the default (authenticated, encrypted) link, keys made with `vigil keygen`.

usage: bench_e2e.py --bin build/bin [--sites 100] [--days 2] [--interval 60s] [--sync true]
                    [--detect [--rules detectors/rules.yaml] [--fleet-publish BROKERS]] [--curve]

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--days", type=float, default=2)
    ap.add_argument("--interval", default="60s")
    ap.add_argument("--sync", default="true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--detect", action="store_true", help="run the detect stage; wait until it is fed everything")
    ap.add_argument("--fleet-publish", default="", help="with --detect: publish fleet inputs to these brokers")
    ap.add_argument("--curve", action="store_true", help="CURVE on the link (default: curve.insecure, raw pipeline)")
    ap.add_argument("--rules", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                    "detectors", "rules.yaml"))
    a = ap.parse_args()
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
                f"ingest:\n  max_past: 3650d\ncurve:\n{ccurve}agents:\n  - id: bench\n{akey}")
        if a.detect:
            f.write(f"detect:\n  enabled: true\n  rules: {os.path.abspath(a.rules)}\n")
            if a.fleet_publish:
                f.write(f"fleet:\n  brokers: {a.fleet_publish}\n  publish:\n    topic: bench.fleet\n")
    with open(f"{work}/a.yaml", "w") as f:
        f.write(f"agent:\n  id: bench\ncollectors: [tcp://127.0.0.1:{port}]\n"
                f"spool:\n  dir: {work}/spool\n  fsync: true\n"
                f"curve:\n{acurve}"
                f"inputs:\n  - type: sim\n    sites: {a.sites}\n    start: {start_ms}\n    end: {end_ms}\n"
                f"    interval: {a.interval}\n    speed: max\n")
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
    alog = open(f"{work}/a.log", "w")
    t0 = time.monotonic()
    agent = subprocess.Popen([f"{a.bin}/vigil-agent", "-c", f"{work}/a.yaml", "--exit-when-done"],
                             stderr=alog, stdout=alog)
    aru = wait4(agent, 3600)
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
    col.send_signal(signal.SIGTERM)
    cru = wait4(col, 120)
    alog.close()
    clog.close()
    text = open(f"{work}/a.log").read()
    m = re.search(r"samples_in=(\d+) events_in=(\d+) .* bytes=(\d+)", text)
    if agent.returncode != 0 or not m:
        print(text[-3000:], file=sys.stderr)
        raise SystemExit("agent failed")
    samples, events, wire = int(m.group(1)), int(m.group(2)), int(m.group(3))
    raw_disk = dir_bytes(f"{work}/store")
    subprocess.run([f"{a.bin}/vigil", "compact", "--store", f"{work}/store"], check=True)
    insp = json.loads(subprocess.run([f"{a.bin}/vigil", "inspect", "--store", f"{work}/store", "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    if insp["samples"] != samples:
        raise SystemExit(f"store holds {insp['samples']} samples, agent sent {samples}")
    out = {
        "sites": a.sites, "days": a.days, "interval": a.interval, "sync": a.sync, "curve": a.curve,
        "samples": samples, "events": events, "series": insp["series"],
        "wall_s": round(wall, 3),
        "samples_per_s": round(samples / wall),
        "wire_bytes_per_sample": round(wire / samples, 3),
        "disk_bytes_per_sample_raw": round(raw_disk / samples, 3),
        "disk_bytes_per_sample_compacted": round(insp["disk_bytes"] / samples, 3),
        "chunk_bytes_per_sample": round(insp["chunk_bytes_per_sample"], 3),
        "detect": a.detect,
        "collector_cpu_s": round(cru.ru_utime + cru.ru_stime, 2),
        "collector_peak_rss_mb": round(cru.ru_maxrss / 1024, 1),
        "agent_cpu_s": round(aru.ru_utime + aru.ru_stime, 2),
        "agent_peak_rss_mb": round(aru.ru_maxrss / 1024, 1),
    }
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
    print(json.dumps(out))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


main()
