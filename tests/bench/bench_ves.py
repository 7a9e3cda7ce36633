#!/usr/bin/env python3
"""VES posts per second into a real agent + collector (docs/RELIABILITY.md, "VES posts").

usage: bench_ves.py --bin B1 [--bin B2 ...] [--runs 3] [--seconds 5] [--clients 1,8] [--fsync true,false]

For every run, every fsync setting and every client count, the binaries are measured one
after another (compare only within one run on a shared machine): a collector (plaintext
on loopback) and an agent with one VES input are started from the binary directory; then
N client threads, each on its own keep-alive HTTP/1.1 connection, POST one VES 7 fault
event (about 600 bytes) after another for --seconds.  Reported per case: answered posts/s
(202 only), the median and 99th percentile answer time in ms, and the batches the agent
made (its batches= stop line).  Prints one JSON line per measurement and a median table."""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fault(i):
    now = int(time.time() * 1e6)
    return json.dumps({"event": {
        "commonEventHeader": {
            "version": "4.1", "vesEventListenerVersion": "7.2.1", "domain": "fault",
            "eventName": "Fault_bench", "eventId": f"bench-{i}", "sequence": 0, "priority": "High",
            "reportingEntityName": "bench-element", "sourceName": "bench-element",
            "startEpochMicrosec": now, "lastEpochMicrosec": now},
        "faultFields": {
            "faultFieldsVersion": "4.0", "alarmCondition": "linkDown", "eventSourceType": "port",
            "specificProblem": "bench", "eventSeverity": "MAJOR", "vfStatus": "Active"}}}).encode()


def wait_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("process exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening")


def measure(bindir, clients, seconds, fsync, work):
    cport, mport, vport = free_port(), free_port(), free_port()
    d = tempfile.mkdtemp(dir=work)
    ccfg = os.path.join(d, "c.yaml")
    with open(ccfg, "w") as f:
        f.write(f"collector:\n  id: c\n  listen: tcp://127.0.0.1:{cport}\n  metrics_listen: 127.0.0.1:{mport}\n"
                f"store:\n  path: {d}/store\n  retention: 0\ncurve:\n  insecure: true\nagents:\n  - id: bench\n")
    acfg = os.path.join(d, "a.yaml")
    with open(acfg, "w") as f:
        f.write(f"agent:\n  id: bench\ncollectors: [tcp://127.0.0.1:{cport}]\n"
                f"spool:\n  dir: {d}/spool\n  fsync: {fsync}\ncurve:\n  insecure: true\n"
                f"inputs:\n  - {{type: ves, listen: '127.0.0.1:{vport}', max_connections: 64}}\n")
    logs = [open(os.path.join(d, n), "wb") for n in ("c.log", "a.log")]
    coll = subprocess.Popen([os.path.join(bindir, "vigil-collector"), "-c", ccfg], stdout=logs[0],
                            stderr=subprocess.STDOUT)
    agent = subprocess.Popen([os.path.join(bindir, "vigil-agent"), "-c", acfg], stdout=logs[1],
                             stderr=subprocess.STDOUT)
    try:
        wait_port(mport, coll)
        wait_port(vport, agent)
        lat, ok, other = [], [0] * clients, [0] * clients
        end = time.monotonic() + seconds

        def client(k):
            c = http.client.HTTPConnection("127.0.0.1", vport, timeout=30)
            i = 0
            while time.monotonic() < end:
                i += 1
                t0 = time.monotonic()
                c.request("POST", "/eventListener/v7", fault(k * 10_000_000 + i),
                          {"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                lat.append(time.monotonic() - t0)
                if r.status == 202:
                    ok[k] += 1
                else:
                    other[k] += 1
            c.close()
        t0 = time.monotonic()
        ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        wall = time.monotonic() - t0
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)
        coll.send_signal(signal.SIGTERM)
        coll.wait(30)
        for f in logs:
            f.close()
    with open(os.path.join(d, "a.log"), errors="replace") as f:
        m = re.findall(r"\bbatches=(\d+)", f.read())
    shutil.rmtree(d, ignore_errors=True)
    lat.sort()
    return {"bin": bindir, "clients": clients, "fsync": fsync, "posts_per_s": round(sum(ok) / wall, 1),
            "refused": sum(other), "p50_ms": round(1000 * lat[len(lat) // 2], 2),
            "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 2), "batches": int(m[-1]) if m else None}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", action="append", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--clients", default="1,8")
    p.add_argument("--fsync", default="true,false")
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-ves-")
    res = {}
    try:
        for _ in range(a.runs):
            for fs in a.fsync.split(","):
                for n in map(int, a.clients.split(",")):
                    for b in a.bin:
                        r = measure(b, n, a.seconds, fs, work)
                        print(json.dumps(r), flush=True)
                        res.setdefault((fs, n, b), []).append(r)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("fsync clients bin posts/s(median) p50_ms p99_ms batches")
    for (fs, n, b), rs in res.items():
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(fs, n, b, med("posts_per_s"), med("p50_ms"), med("p99_ms"), med("batches"))


if __name__ == "__main__":
    main()
