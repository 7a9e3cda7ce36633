#!/usr/bin/env python3
"""bench_fleet - consumption throughput of the fleet tier (docs/SCALING.md): a real Kafka
broker (deploy/kafka/kafka.sh) on this machine, the fleet topic pre-filled by
bench_fleet_gen with PM counter pairs as site collectors publish them, then 1, 2 and 3
`vigil-collector --role fleet` instances (each run a new consumer group, state topic and
so the whole topic again) consuming it to the end.

Per instance: samples / (last message - first message applied), the instance's own
"stopping:" line; aggregate: all samples / (last message of any - first message of any).
The broker waits --join-ms (group.initial.rebalance.delay.ms) before a new group's first
assignment, so the instances of a run, started together, share the partitions from the
start (with 0 the first one took every partition and, on a busy machine, consumed the
whole topic before the second joined: a 2-instance run that measured one).  Each run says
which partitions every instance took and released (a rebalance moves some), and fails
unless every instance applied messages and the samples add up to the topic's (applied
twice after a rebalance: counted in "reapplied").  An instance count with "r" (e.g. 2r) is
the rebalance case: the first instance starts alone and takes every partition; the others
start once it has applied a quarter of the topic (its /metrics), so partitions move to
them mid-stream; the run fails unless the first released partitions before its stop and
every instance applied messages.
Not a test: numbers go to docs/SCALING.md with the command that produced them.

usage: bench_fleet.py --bin build/bin --source . [--messages 4000] [--series 600] [--samples 12]
                      [--sites 100] [--partitions 6] [--instances 1,2,3,2r] [--join-ms 3000]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from vgkafka import Kafka  # noqa: E402
from vgtest import Harness, wait_for  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--messages", type=int, default=4000)
    p.add_argument("--series", type=int, default=600)
    p.add_argument("--samples", type=int, default=12)
    p.add_argument("--sites", type=int, default=100)
    p.add_argument("--partitions", type=int, default=6)
    p.add_argument("--instances", default="1,2,3,2r")
    p.add_argument("--join-ms", type=int, default=3000)
    a = p.parse_args()
    h = Harness("bench-fleet")
    kafka = Kafka(h, "kafka", 1)
    kafka.env["VG_KAFKA_GROUP_DELAY_MS"] = str(a.join_ms)
    results = {"partitions": a.partitions, "runs": []}
    try:
        kafka.start()
        topic = "bench.fleet"
        gen = subprocess.run([os.path.join(os.path.dirname(a.bin.rstrip("/")), "bench", "bench_fleet_gen"),
                              kafka.boot, topic, str(a.partitions), str(a.messages), str(a.series), str(a.samples),
                              str(a.sites)], capture_output=True, text=True, timeout=1800, check=True)
        results["input"] = json.loads(gen.stdout)
        total = results["input"]["messages"]
        rules = os.path.join(a.source, "detectors", "rules.yaml")
        for spec in a.instances.split(","):
            late = spec.endswith("r")
            n = int(spec.rstrip("r"))
            keys = []
            for i in range(n):
                name = f"r{spec}-f{i}"
                cfg, _, mport = h.collector_config(
                    name=name, curve=False,
                    extra=f"detect:\n  rules: {rules}\nfleet:\n  brokers: {kafka.boot}\n  topic: {topic}\n"
                          f"  partitions: {a.partitions}\n  group: bench-{spec}\n  state_topic: bench.state.{spec}\n"
                          f"  commit_every: 1s\n  session_timeout: 6s\n"
                          f"kafka:\n  brokers: {kafka.boot}\n  topic: bench.alerts\n")
                h.start(name, [os.path.join(a.bin, "vigil-collector"), "--role", "fleet", "-c", cfg])
                keys.append(name)
                if late and i == 0:
                    wait_for(lambda: (h.metrics(mport) or {}).get('vigil_fleet_messages_total{result="applied"}', 0)
                             >= total // 4, 600, f"{name} applied a quarter of the topic", interval=0.05)

            def applied():
                got = 0
                for k in keys:
                    m = re.findall(r"messages=(\d+)", h.log(k))
                    got += int(m[-1]) if m else 0
                return got >= total

            wait_for(applied, 3600, f"{n} instance(s) consumed {total} messages", interval=1.0)
            runs = []
            for k in keys:
                h.kill(k, signal.SIGTERM, timeout=60)
                m = re.search(r"stopping: messages=(\d+) samples=(\d+) first_ms=(\d+) last_ms=(\d+) "
                              r"rate=(\d+) samples/s apply=([\d.]+) ns/sample alerts=\d+ commits=(\d+) aborts=(\d+) "
                              r"state_max=(\d+) B", h.log(k))
                assert m, f"{k}: no stopping line:\n{h.log(k)[-2000:]}"
                log = h.log(k)
                runs.append({"messages": int(m[1]), "samples": int(m[2]), "first_ms": int(m[3]),
                             "last_ms": int(m[4]), "samples_per_s": int(m[5]), "apply_ns_per_sample": float(m[6]),
                             "commits": int(m[7]), "aborts": int(m[8]), "state_max_bytes": int(m[9]),
                             "taken": sorted(int(x) for x in re.findall(r"partition (\d+): taken", log)),
                             "released": len(re.findall(r"partition \d+: released", log))})
            busy = [r for r in runs if r["samples"]]
            span = (max(r["last_ms"] for r in busy) - min(r["first_ms"] for r in busy)) / 1000.0
            samples = sum(r["samples"] for r in runs)
            idle = [k for k, r in zip(keys, runs) if not r["messages"]]
            want = results["input"]["samples"]
            assert not idle, f"{n} instances: {idle} applied nothing (no partition while there was data): {runs}"
            assert samples >= want, f"{n} instances applied {samples} samples, the topic holds {want}"
            if late:
                # the first held every partition when the others started; they applied
                # messages (asserted above), so partitions moved to them mid-stream
                assert sorted(set(runs[0]["taken"])) == list(range(a.partitions)), f"first instance: {runs[0]}"
            results["runs"].append({"instances": spec, "load_avg": os.getloadavg()[0], "samples": samples,
                                    "reapplied": samples - want, "seconds": round(span, 2),
                                    "aggregate_samples_per_s": round(samples / span) if span else None,
                                    "per_instance": runs})
            print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
        print(json.dumps(results, indent=1))
    finally:
        h.stop_all()
        kafka.close()
        h.close(True)


if __name__ == "__main__":
    main()
