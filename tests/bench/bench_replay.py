#!/usr/bin/env python3
"""Replay and export speed on a kept bench store (issue 10 targets, docs/PERFORMANCE.md "Replay").

usage: bench_replay.py --dir D --bin B1 [--bin B2 ...] [--runs 3] [--device site089/gnb1] [--skip KINDS]
                       [--from 2026-10-31T00:00:00Z] [--to 2026-11-01T00:00:00Z]

D is a directory kept by `bench_e2e.py --sites 100 --days 1 --sync false --detect --keep`
(D/store, D/c.yaml).  Every run alternates the binaries (compare only within one run on a
shared machine) and measures, per binary:
  fleet:  `vigil replay --config D/c.yaml` of the whole range to /dev/null: wall and CPU
          (user + sys of the child) seconds, samples/s by wall (samples from its stderr line);
  export: `vigil export --format csv` of the range to /dev/null: wall, CPU, rows/s;
  first:  `vigil replay --device DEV` with a one-rule file that fires on the device's first
          samples (an exhaustion rule with level 0 on RRC.ConnMax), stdout read through a
          pipe: the time from the start of the process to the first byte of the first alert
          line, and to its exit;
  timeline: `vigil timeline --device DEV` of the range with `--svg` (text and picture): wall
          and CPU seconds (target: one device-day rendered in under 1 s).
Prints one JSON object per binary with the medians (and every run's numbers)."""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time

RULES = """version: 1
rules:
  - id: t-first-output
    detector: exhaustion
    catalog: A05
    types: resource_exhaustion
    title: bench first output
    severity: low
    match: { path: ["RRC.ConnMax"] }
    params: { level: 0, direction: rising }
"""


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    """(wall s, cpu s, stderr) of cmd with stdout discarded."""
    c0, t0 = cpu(), time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, c = time.monotonic() - t0, cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"{cmd}: exit {p.returncode}: {p.stderr}")
    return wall, c, p.stderr


def first_output(cmd):
    """(s to the first stdout byte, s to exit, cpu s) of cmd."""
    c0, t0 = cpu(), time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    b = p.stdout.read(1)
    first = time.monotonic() - t0 if b else None
    p.stdout.read()
    err = p.stderr.read().decode()
    rc = p.wait()
    total, c = time.monotonic() - t0, cpu() - c0
    if rc != 0:
        raise SystemExit(f"{cmd}: exit {rc}: {err}")
    return first, total, c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bin", action="append", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--device", default="site089/gnb1")
    ap.add_argument("--from", dest="frm", default="2026-10-31T00:00:00Z")
    ap.add_argument("--to", default="2026-11-01T00:00:00Z")
    ap.add_argument("--skip", default="", help="comma-separated: fleet,export,first,timeline")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    store, cfg = os.path.join(a.dir, "store"), os.path.join(a.dir, "c.yaml")
    rng = ["--from", a.frm, "--to", a.to]
    res = {b: {"fleet": [], "export": [], "first": [], "timeline": []} for b in a.bin}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as rules, tempfile.TemporaryDirectory() as tmp:
        rules.write(RULES)
        rules.flush()
        for _ in range(a.runs):
            for b in a.bin:
                v = os.path.join(b, "vigil")
                if "fleet" not in skip:
                    w, c, err = timed([v, "replay", "--store", store, "--config", cfg, *rng, "--out", "/dev/null"])
                    n = int(re.search(r"from (\d+) samples", err).group(1))
                    res[b]["fleet"].append({"wall_s": round(w, 3), "cpu_s": round(c, 3), "samples": n,
                                            "samples_per_s": round(n / w)})
                if "export" not in skip:
                    w, c, err = timed([v, "export", "--store", store, *rng, "--out", "/dev/null"])
                    n = int(re.search(r"(\d+) rows", err).group(1))
                    res[b]["export"].append({"wall_s": round(w, 3), "cpu_s": round(c, 3), "rows": n,
                                             "rows_per_s": round(n / w)})
                if "first" not in skip:
                    f, t, c = first_output([v, "replay", "--store", store, "--rules", rules.name, *rng,
                                            "--device", a.device])
                    res[b]["first"].append({"first_s": None if f is None else round(f, 4), "total_s": round(t, 4),
                                            "cpu_s": round(c, 4)})
                if "timeline" not in skip:
                    w, c, _ = timed([v, "timeline", "--store", store, *rng, "--device", a.device,
                                     "--svg", os.path.join(tmp, "t.svg")])
                    res[b]["timeline"].append({"wall_s": round(w, 3), "cpu_s": round(c, 3),
                                               "svg_bytes": os.path.getsize(os.path.join(tmp, "t.svg"))})
    for b in a.bin:
        r = res[b]
        out = {"bin": b, "load": round(os.getloadavg()[0], 1)}
        for kind, keys in (("fleet", ("wall_s", "cpu_s", "samples_per_s")), ("export", ("wall_s", "cpu_s", "rows_per_s")),
                           ("first", ("first_s", "total_s", "cpu_s")), ("timeline", ("wall_s", "cpu_s"))):
            if r[kind]:
                out[kind] = {k: statistics.median([x[k] for x in r[kind] if x[k] is not None] or [0]) for k in keys}
        out["runs"] = r
        print(json.dumps(out))


if __name__ == "__main__":
    main()
