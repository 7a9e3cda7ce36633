#!/usr/bin/env python3
"""a03_onset - should throughput collapse (A03) use the onset score of `vigil detect`?

Reads the store and labels that `tests/eval/eval_wire.py --keep DIR` kept, takes every series
the A03 rules read (router in/out octets as counters, cell DRB.PdcpSduVolumeDL/UL per ROP),
scores each with `vigil detect --detector onset` (detectors/onset.c, strictly causal, one
process per series) and counts, per threshold, the alerts a rule built on it would raise: a
rising crossing of the threshold is one alert.  An alert is true when it falls on a device
of a labelled collapse within [start, end + grace]; an alert in a benign traffic shift's
window is a look-alike that alerted; every other alert is false.  The collector's own A03
alerts of the same run (eval_wire's --json) are printed beside it for comparison.

usage: a03_onset.py --bin build/bin --keep DIR --json RUN.json [--thresholds 0.3,0.5,0.7,0.9]
                    [--skip-days 1]
"""
import argparse
import collections
import csv
import glob
import io
import json
import os
import subprocess

DAY = 86400000
PATHS = [("/interfaces/interface/state/counters/in-octets", "counter"),
         ("/interfaces/interface/state/counters/out-octets", "counter"),
         ("DRB.PdcpSduVolumeDL", "gauge"), ("DRB.PdcpSduVolumeUL", "gauge")]


def series_of(vigil, store):
    """{(device, path, labels): (kind, [(ts, value)])} for every A03 input series."""
    out = {}
    for path, kind in PATHS:
        r = subprocess.run([vigil, "query", "--store", store, "--path", path, "--format", "csv"],
                           capture_output=True, text=True, check=True)
        for row in csv.DictReader(io.StringIO(r.stdout)):
            k = (row["device"], path, row["labels"])
            out.setdefault(k, (kind, []))[1].append((int(row["timestamp_ms"]), row["value"]))
    return out


def onset_scores(vigil, kind, pts):
    body = "timestamp,value\n" + "".join(f"{t},{v}\n" for t, v in sorted(pts))
    argv = [vigil, "detect", "--detector", "onset"] + (["--kind", "counter"] if kind == "counter" else [])
    r = subprocess.run(argv, input=body, capture_output=True, text=True, check=True)
    return [float(x) for x in r.stdout.split()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--keep", required=True, help="an eval_wire --keep directory")
    ap.add_argument("--json", required=True, help="eval_wire --json of the same run")
    ap.add_argument("--thresholds", default="0.3,0.5,0.7,0.9")
    ap.add_argument("--grace", type=float, default=3600.0)
    ap.add_argument("--skip-days", type=float, default=1.0,
                    help="alerts in each series' first days are not counted (warm-up: the collector's "
                         "collapse needs a day of data too)")
    a = ap.parse_args()
    vigil = os.path.join(a.bin, "vigil")
    run = json.load(open(a.json))
    wire_of = {d["sim"]: d["wire"] for d in run["manifest"]["devices"] if d["transport"] != "none"}
    wins = collections.defaultdict(list)  # wire device -> [(start, end, label id, benign)]
    found_by = {}
    for l in run["labels"]:
        if l["detector"] != "A03":
            continue
        for d in l["devices"]:
            if d in wire_of:
                wins[wire_of[d]].append((l["start_ms"], l["end_ms"] + a.grace * 1000, l["id"], l["benign"]))
        if not l["benign"] and any(d in wire_of for d in l["devices"]):
            found_by[l["id"]] = set()
    store = glob.glob(os.path.join(a.keep, "run-*", "store"))[0]
    ser = series_of(vigil, store)
    thr = [float(x) for x in a.thresholds.split(",")]
    false = collections.Counter()
    benign = collections.Counter()
    hit = collections.defaultdict(set)
    span = [None, None]
    for (dev, path, lab), (kind, pts) in ser.items():
        sc = onset_scores(vigil, kind, pts)
        ts = [t for t, _ in sorted(pts)]
        span[0] = min(ts[0], span[0] or ts[0])
        span[1] = max(ts[-1], span[1] or ts[-1])
        for th in thr:
            prev = 0.0
            for t, s in zip(ts, sc):
                if s >= th > prev and t >= ts[0] + a.skip_days * DAY:
                    w = [x for x in wins.get(dev, []) if x[0] <= t <= x[1]]
                    if any(not x[3] for x in w):
                        for x in w:
                            if not x[3]:
                                hit[th].add(x[2])
                    elif w:
                        benign[th] += 1
                    else:
                        false[th] += 1
                prev = s
    devs = len({k[0] for k in ser})
    days = (span[1] - span[0]) / DAY - a.skip_days
    print(f"{len(ser)} series of {devs} devices, {days:.2f} days, {len(found_by)} collapses on the wire")
    print("| A03 built on | threshold | collapses found | look-alike alerts | false alerts | false per 100 device-days |")
    print("|---|---:|---:|---:|---:|---:|")
    for th in thr:
        print(f"| onset | {th:g} | {len(hit[th] & set(found_by))}/{len(found_by)} | {benign[th]} | {false[th]} | "
              f"{100.0 * false[th] / (devs * days):.1f} |")
    res = list(run["results"].values())[0]
    col = [x for x in res["alerts"] if x["catalog"] == "A03" and x["time"] >= span[0] + a.skip_days * DAY]
    tp = {x["match"][0].split("/")[0] for x in col if x["match"] and not x["match"][1]}
    fp = sum(1 for x in col if not x["match"])
    lb = sum(1 for x in col if x["match"] and x["match"][1])
    print(f"| collector (collapse) | rule | {len(tp & set(found_by))}/{len(found_by)} | {lb} | {fp} | "
          f"{100.0 * fp / (devs * days):.1f} |")


if __name__ == "__main__":
    main()
