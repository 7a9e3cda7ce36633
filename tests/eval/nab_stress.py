#!/usr/bin/env python3
"""nab_stress - `vigil detect` on synthetic series of the kinds the NAB dev split lacks.

The held-back NAB categories have a different character from the development split: tweet
counts (integer, heavy-tailed, bursty, daily cycle), traffic sensors (irregular sampling,
gaps, plateaus), machine temperatures and latencies (slow drifts, spikes); stressChange adds
a drift into a new regime, a spike right after a gap, a stuck sensor, a variance change and
low integer counts.  This script
builds such series from seeded generators (no NAB data is read), each with one labelled
anomaly in its second half and a NAB-style window around it (10 % of the rows), writes them
as a NAB corpus (data/<kind>/<file>.csv + labels), scores them with `vigil detect` and
reports, at a fixed threshold (0.44 by default: what the dev split chose before the tail
calibration; it now chooses 0.352):

* FP rows and alarm episodes (runs of rows >= threshold) outside the window, after the
  first 15 % (NAB's probation) -- a sparse score has few;
* whether the window was found, and NAB's standard score of the corpus at that threshold
  (scored by the split's nab_eval.py, imported) and at the corpus's own best threshold.

With --bursty, it also scores 8 harsher tweet-like series (15,000 rows each; bursts of 1-12
rows sized 2 x Pareto(1.5), volume doubling over the series; all of it normal) and counts the
rows at or above the threshold after NAB's probation (750 rows), and how many of them are
new-range records (score exactly 0.5).

With --seeds A-B, every seed from A to B is scored and windows found and FP rows are summed
per kind.

usage: nab_stress.py --bin build/bin [--threshold 0.44] [--param K=V ...] [--seed 1 | --seeds 1-10]
                     [--nab DIR] [--keep DIR] [--json FILE] [--bursty]
Exit status 0 when every run succeeded (numbers are reported, not judged)."""
import argparse
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = dt.datetime(2015, 3, 2, 0, 0, 0)


def daily(t, phase=0.0):
    """Smooth daily cycle in [-1, 1], low at night."""
    h = (t - T0).total_seconds() / 3600.0
    return -math.cos(2 * math.pi * (h - phase) / 24.0)


def tweets(rng, n=8000, step=300, burst_p=0.004):
    """Counts per 5 minutes: negative-binomial-like (Poisson with a lognormal rate), daily
    cycle, short bursts (a few rows at 3-10x) as normal behaviour; anomaly: a large burst
    lasting 1-2 hours."""
    base = rng.uniform(5, 60)
    ts, xs = [], []
    a0 = rng.randint(n // 2, n - n // 8)
    alen = rng.randint(12, 24)
    burst = 0
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        lam = base * (1 + 0.6 * daily(t, 3)) * math.exp(rng.gauss(0, 0.35))
        if burst == 0 and rng.random() < burst_p:
            burst = rng.randint(1, 4)
        if burst:
            lam *= rng.uniform(3, 10)
            burst -= 1
        if a0 <= i < a0 + alen:
            lam *= 15
        xs.append(float(s_poisson(rng, lam)))
        ts.append(t)
    return ts, xs, a0


def s_poisson(rng, lam):
    if lam > 50:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    k, p, l = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= l:
            return k
        k += 1


def traffic(rng, n=2500, kind="speed"):
    """Road sensor: irregular timestamps (5 min +- jitter, occasional gaps of 30 min-6 h),
    speed near the limit (a plateau, quantised to whole mph) except rush hours, or occupancy
    (percent, plateaus near 0 at night); anomaly: a collapse (speed) or a rise (occupancy)
    lasting ~1 hour outside rush hours."""
    ts, xs = [], []
    t = T0
    a0 = rng.randint(n // 2, n - n // 8)
    for i in range(n):
        t += dt.timedelta(seconds=rng.choice((240, 300, 300, 300, 360, 420)))
        if rng.random() < 0.01:
            t += dt.timedelta(minutes=rng.randint(30, 360))
        h = ((t - T0).total_seconds() / 3600.0) % 24
        rush = math.exp(-((h - 8) ** 2) / 2) + math.exp(-((h - 17.5) ** 2) / 3)
        an = a0 <= i < a0 + 12
        if kind == "speed":
            v = 64 - 25 * rush * rng.uniform(0.5, 1.2) + rng.gauss(0, 1.2)
            if an:
                v = rng.uniform(10, 25)
            v = float(max(3, min(72, round(v))))
        else:
            v = 2 + 14 * rush * rng.uniform(0.5, 1.3) + abs(rng.gauss(0, 0.8))
            if h < 5:
                v = 0.0 if rng.random() < 0.7 else round(rng.uniform(0, 2), 1)
            if an:
                v = rng.uniform(35, 60)
            v = round(max(0.0, v), 1)
        ts.append(t)
        xs.append(v)
    return ts, xs, a0


def plateau(rng, n=6000, step=300):
    """Value held for long stretches (hours) and stepping by small quantised amounts, with a
    rare single-row glitch of one quantum; anomaly: a step of 10 quanta that stays."""
    ts, xs = [], []
    v = rng.choice((20.0, 55.0, 100.0))
    q = rng.choice((0.1, 0.5, 1.0))
    a0 = rng.randint(n // 2, n - n // 8)
    for i in range(n):
        if rng.random() < 0.01:
            v += q * rng.choice((-1, 1))
        x = v
        if rng.random() < 0.002:
            x += q * rng.choice((-1, 1))
        if i == a0:
            v += 10 * q * rng.choice((-1, 1))
            x = v
        ts.append(T0 + dt.timedelta(seconds=i * step))
        xs.append(round(x, 3))
    return ts, xs, a0


def shifts(rng, n=6000, step=300):
    """Noisy level with benign small level shifts (0.5 sd, about daily) and slow drift;
    anomaly: a level shift of 6 sd that stays."""
    ts, xs = [], []
    lvl, a0 = 50.0, rng.randint(n // 2, n - n // 8)
    for i in range(n):
        if rng.random() < 1 / 288:
            lvl += rng.gauss(0, 0.5)
        if i == a0:
            lvl += 6 * rng.choice((-1, 1))
        lvl += 0.001
        ts.append(T0 + dt.timedelta(seconds=i * step))
        xs.append(round(lvl + rng.gauss(0, 1), 3))
    return ts, xs, a0


def machine(rng, n=12000, step=300):
    """Machine temperature: AR(1) around a slowly wandering level with a weak daily swing;
    anomaly: a gradual fall of 15 sd over ~3 hours before a failure, then back."""
    ts, xs = [], []
    lvl, e, a0 = 80.0, 0.0, rng.randint(n // 2, n - n // 8)
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        lvl += rng.gauss(0, 0.05)
        e = 0.9 * e + rng.gauss(0, 0.5)
        x = lvl + e + 1.5 * daily(t, 14)
        if a0 <= i < a0 + 36:
            x -= 15 * 1.1 * (i - a0 + 1) / 36
        ts.append(t)
        xs.append(round(x, 4))
    return ts, xs, a0


def latency(rng, n=4000, step=300):
    """Request latency (ms): lognormal, heavy right tail, isolated spikes as normal
    behaviour; anomaly: latency x4 sustained for 2 hours."""
    ts, xs = [], []
    a0 = rng.randint(n // 2, n - n // 8)
    for i in range(n):
        x = 45 * math.exp(rng.gauss(0, 0.25))
        if rng.random() < 0.003:
            x *= rng.uniform(3, 8)
        if a0 <= i < a0 + 24:
            x *= 4
        ts.append(T0 + dt.timedelta(seconds=i * step))
        xs.append(round(x, 3))
    return ts, xs, a0


def cpu(rng, n=4000, step=300):
    """CPU percent: bounded [0, 100], a daily load pattern plus batch jobs (20-40 minutes at
    high load, a few a day at random hours) as normal; anomaly: pinned near 100 for 3 hours."""
    ts, xs = [], []
    a0, job = rng.randint(n // 2, n - n // 8), 0
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        x = 30 + 15 * daily(t, 4) + rng.gauss(0, 3)
        if job == 0 and rng.random() < 0.01:
            job = rng.randint(4, 8)
        if job:
            x += rng.uniform(25, 40)
            job -= 1
        if a0 <= i < a0 + 36:
            x = rng.uniform(97, 100)
        ts.append(t)
        xs.append(round(max(0.0, min(100.0, x)), 3))
    return ts, xs, a0


def weekly(rng, n=10000, step=1800):
    """Taxi-like demand per 30 minutes: a daily cycle whose shape differs on weekends
    (lower, later morning), multiplicative noise; anomaly: a weekday that looks like a
    Sunday (a holiday)."""
    ts, xs = [], []
    a0 = rng.randint(n // 2, n - n // 8)
    a0 -= ((T0 + dt.timedelta(seconds=a0 * step)) - T0).total_seconds() // step % 48  # midnight
    while (T0 + dt.timedelta(seconds=a0 * step)).weekday() >= 5:
        a0 += 48  # the holiday is a weekday
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        wd = t.weekday()
        weekend = wd >= 5 or a0 <= i < a0 + 48
        h = t.hour + t.minute / 60.0
        if weekend:
            lvl = 9000 + 5000 * math.exp(-((h - 14) ** 2) / 18) + 4000 * math.exp(-((h - 1) ** 2) / 4)
        else:
            lvl = 8000 + 12000 * math.exp(-((h - 9) ** 2) / 6) + 14000 * math.exp(-((h - 19) ** 2) / 8)
            lvl *= 0.25 if h < 5 else 1.0
        xs.append(float(round(lvl * math.exp(rng.gauss(0, 0.06)))))
        ts.append(t)
    return ts, xs, int(a0)


def sparse(rng, n=8000, step=300):
    """Low integer counts (a quiet hashtag, error events): Poisson with a rate of 0.3-3 per
    5 minutes, a daily cycle and a lognormal day-to-day factor, mostly 0s and 1s, rare
    bursts of 2-4x for a few rows as normal; anomaly: 10x for 1-2 hours."""
    ts, xs = [], []
    base = math.exp(rng.uniform(math.log(0.3), math.log(3)))
    a0, alen = rng.randint(n // 2, n - n // 8), rng.randint(12, 24)
    burst, day = 0, 1.0
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        if i % 288 == 0:
            day = math.exp(rng.gauss(0, 0.3))
        lam = base * day * (1 + 0.7 * daily(t, 3))
        if burst == 0 and rng.random() < 0.003:
            burst = rng.randint(1, 6)
        if burst:
            lam *= rng.uniform(2, 4)
            burst -= 1
        if a0 <= i < a0 + alen:
            lam *= 10
        xs.append(float(s_poisson(rng, lam)))
        ts.append(t)
    return ts, xs, a0


def regime(rng, n=6000, step=300):
    """Gradual drift into a new regime: a noisy level (AR(1), weak daily swing) that ramps by
    5-8 sd over 3-8 hours and stays there with 1.5-2.5x the noise; anomaly: the ramp's start.
    Benign: slow wander of the level."""
    ts, xs = [], []
    lvl, e, a0 = 40.0, 0.0, rng.randint(n // 2, n - n // 8)
    ramp, amp, nz = rng.randint(36, 96), rng.uniform(5, 8) * rng.choice((-1, 1)), rng.uniform(1.5, 2.5)
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        lvl += rng.gauss(0, 0.02)
        e = 0.7 * e + rng.gauss(0, 0.7)
        f = 0.0 if i < a0 else min(1.0, (i - a0 + 1) / ramp)
        x = lvl + 0.5 * daily(t, 10) + amp * f + e * (1 + (nz - 1) * f)
        ts.append(t)
        xs.append(round(x, 3))
    return ts, xs, a0


def gapspike(rng, n=4000, step=300):
    """Missing data: a gauge with a daily cycle whose feed stops now and then for 1-12 hours
    (benign; the value comes back near where the cycle is), and, after one such gap, comes
    back with a spike of 8-15 sd for 1-3 rows; anomaly: that spike."""
    ts, xs = [], []
    t = T0
    a0 = rng.randint(n // 2, n - n // 8)
    spike = 0
    for i in range(n):
        t += dt.timedelta(seconds=step)
        if rng.random() < 0.004 or i == a0:
            t += dt.timedelta(hours=rng.uniform(1, 12))
            if i == a0:
                spike = rng.randint(1, 3)
        x = 100 + 20 * daily(t, 15) + rng.gauss(0, 2)
        if spike:
            x += rng.uniform(8, 15) * 2 * rng.choice((-1, 1))
            spike -= 1
        ts.append(t)
        xs.append(round(x, 2))
    return ts, xs, a0


def stuck(rng, n=5000, step=300):
    """Sensor stuck at a constant: a noisy gauge with a daily swing that freezes at its last
    reading for 6-24 hours (the value itself is ordinary); anomaly: the freeze."""
    ts, xs = [], []
    a0 = rng.randint(n // 2, n - n // 8)
    alen = rng.randint(72, 288)
    held = None
    for i in range(n):
        t = T0 + dt.timedelta(seconds=i * step)
        x = round(60 + 10 * daily(t, 13) + rng.gauss(0, 1.5), 2)
        if a0 <= i < a0 + alen:
            held = xs[-1] if held is None else held
            x = held
        ts.append(t)
        xs.append(x)
    return ts, xs, a0


def varchange(rng, n=5000, step=300):
    """Variance change without a level change: white noise around a fixed level whose sd
    grows 4-6x and stays (a loose connector, an oscillating controller); anomaly: the onset."""
    ts, xs = [], []
    a0 = rng.randint(n // 2, n - n // 8)
    k = rng.uniform(4, 6)
    for i in range(n):
        sd = 1.0 if i < a0 else k
        ts.append(T0 + dt.timedelta(seconds=i * step))
        xs.append(round(20 + rng.gauss(0, sd), 3))
    return ts, xs, a0


KINDS = {
    "stressTweets": [("tweets", lambda r: tweets(r))] * 4,
    "stressTraffic": [("speed", lambda r: traffic(r, kind="speed")), ("occupancy", lambda r: traffic(r, kind="occ"))] * 2,
    "stressPlateau": [("plateau", plateau), ("shifts", shifts)] * 2,
    "stressMachine": [("temperature", machine), ("latency", latency), ("cpu", cpu), ("weekly", weekly)],
    "stressChange": [("regime", regime), ("gapspike", gapspike), ("stuck", stuck), ("varchange", varchange),
                     ("sparse", sparse), ("sparse", sparse)],
}


def bursty(seed, n=15000):
    """Harsher tweet-like counts: lognormal-rate Poisson with a daily cycle, volume doubling
    over the series, bursts of 1-12 rows sized 2 x Pareto(1.5) about every 250 rows."""
    rng = random.Random(seed)
    base = rng.uniform(5, 60)
    xs, burst, mag = [], 0, 1.0
    for i in range(n):
        h = (i * 5 / 60) % 24
        lam = base * (1 + 0.6 * -math.cos(2 * math.pi * (h - 3) / 24)) * math.exp(rng.gauss(0, 0.35)) * (1 + i / n)
        if burst == 0 and rng.random() < 0.004:
            burst = rng.randint(1, 12)
            mag = rng.paretovariate(1.5) * 2
        if burst:
            lam *= mag
            burst -= 1
        xs.append(s_poisson(rng, lam))
    return "timestamp,value\n" + "".join(f"{1420070400000 + i * 300000},{x}\n" for i, x in enumerate(xs))


def build(out, seed):
    labels = {}
    for cat, gens in KINDS.items():
        os.makedirs(os.path.join(out, "data", cat), exist_ok=True)
        for j, (name, gen) in enumerate(gens):
            rng = random.Random(f"{seed}/{cat}/{j}")
            ts, xs, a0 = gen(rng)
            n = len(ts)
            half = max(1, int(0.1 * n) // 2)
            lo, hi = max(0, a0 - half), min(n - 1, a0 + half)
            rel = f"{cat}/{name}_{j}.csv"
            with open(os.path.join(out, "data", rel), "w") as fh:
                fh.write("timestamp,value\n")
                for t, x in zip(ts, xs):
                    fh.write(f"{t:%Y-%m-%d %H:%M:%S},{x:g}\n")
            labels[rel] = [[f"{ts[lo]:%Y-%m-%d %H:%M:%S}.000000", f"{ts[hi]:%Y-%m-%d %H:%M:%S}.000000"]]
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    with open(os.path.join(out, "labels", "combined_windows.json"), "w") as fh:
        json.dump(labels, fh, indent=1)


def score_seed(a, vigil, ne, w, seed, verbose):
    """Build the corpus of one seed, score it; returns (per-file rows, totals)."""
    with tempfile.TemporaryDirectory(prefix="vg-stress-") as tmp:
        out = a.keep or tmp
        build(out, seed)
        files, labels = ne.load_corpus(os.path.join(out, "data"), os.path.join(out, "labels", "combined_windows.json"))
        cmd = [vigil, "detect"] + [x for p in a.param for x in ("--param", p)]

        def one(f):
            with open(f.path, "rb") as fh:
                r = subprocess.run(cmd, stdin=fh, capture_output=True, timeout=600)
            if r.returncode != 0:
                raise RuntimeError(f"{f.path}: exit {r.returncode}: {r.stderr[-500:]!r}")
            return [float(x) for x in r.stdout.split()]

        with ThreadPoolExecutor(max_workers=2) as ex:
            scores = list(ex.map(one, files))
    thr = a.threshold
    rows, tot = [], {"fp_rows": 0, "episodes": 0, "found": 0, "files": 0, "normal_rows": 0}
    if verbose:
        print(f"synthetic stress corpus (seed {seed}), threshold {thr}; params: {a.param or 'defaults'}")
        print(f"  {'file':34} {'rows':>6} {'normal':>6} {'FP rows':>7} {'episodes':>8} {'found':>5} {'max out':>7} {'max in':>6}")
    for f, sc in zip(files, scores):
        fp = ep = 0
        prev = False
        mx_out = mx_in = 0.0
        normal = 0
        for i in range(f.n):
            if not f.scorable[i]:
                continue
            inwin = f.row_window[i] is not None
            hit = sc[i] >= thr
            if inwin:
                mx_in = max(mx_in, sc[i])
            else:
                normal += 1
                mx_out = max(mx_out, sc[i])
                fp += hit
                ep += hit and not prev
            prev = hit and not inwin
        found = mx_in >= thr
        tot["fp_rows"] += fp
        tot["episodes"] += ep
        tot["found"] += found
        tot["files"] += 1
        tot["normal_rows"] += normal
        rows.append({"file": f.rel_path, "rows": f.n, "normal": normal, "fp_rows": fp, "episodes": ep,
                     "found": found, "max_out": mx_out, "max_in": mx_in})
        if verbose:
            print(f"  {f.rel_path:34} {f.n:6} {normal:6} {fp:7} {ep:8} {'yes' if found else 'no':>5} {mx_out:7.3f} {mx_in:6.3f}")
    n_win = sum(len(v) for v in labels.values())
    profiles = {"standard": {"CostMatrix": w}, "reward_low_FP_rate": {"CostMatrix": w},
                "reward_low_FN_rate": {"CostMatrix": w}}
    fixed = ne.evaluate(files, scores, profiles, n_win,
                        {"standard": thr, "reward_low_FP_rate": thr, "reward_low_FN_rate": thr})["standard"]
    swept = ne.evaluate(files, scores, profiles, n_win)["standard"]
    tot["nab_at_threshold"] = fixed["score"]
    tot["nab_own_threshold"] = swept["score"]
    tot["own_threshold"] = swept["threshold"]
    print(f"  total (seed {seed}): {tot['found']}/{tot['files']} windows found, {tot['fp_rows']} FP rows "
          f"({tot['episodes']} episodes) in {tot['normal_rows']} normal rows; NAB standard at {thr}: "
          f"{fixed['score']:.2f}; at its own best threshold {swept['threshold']:.4g}: {swept['score']:.2f}")
    return rows, tot


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory holding the vigil binary, or the binary")
    ap.add_argument("--nab", default=os.path.join(HERE, "..", "..", "..", "shared", "bench", "nab-dev"))
    ap.add_argument("--threshold", type=float, default=0.44)
    ap.add_argument("--param", action="append", default=[], help="K=V passed to vigil detect")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", default=None, help="A-B: every seed from A to B, then a summary per kind")
    ap.add_argument("--keep", default=None, help="write the corpus here and keep it (one seed)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--bursty", action="store_true", help="also score 8 harsher bursty count series")
    a = ap.parse_args()
    vigil = a.bin if os.path.isfile(a.bin) else os.path.join(a.bin, "vigil")
    sys.path.insert(0, os.path.abspath(a.nab))
    import nab_eval as ne  # the split's evaluator: NAB's scoring rules

    with open(os.path.join(os.path.abspath(a.nab), "config", "profiles.json")) as fh:
        w = json.load(fh)["standard"]["CostMatrix"]
    thr = a.threshold
    if a.seeds:
        lo, _, hi = a.seeds.partition("-")
        seeds = list(range(int(lo), int(hi or lo) + 1))
    else:
        seeds = [a.seed]
    runs = [(seed,) + score_seed(a, vigil, ne, w, seed, len(seeds) == 1) for seed in seeds]
    rows, tot = runs[0][1], runs[0][2]
    if len(seeds) > 1:
        kinds = {}
        for _, rs, _ in runs:
            for r in rs:
                k = r["file"].rsplit("_", 1)[0]
                d = kinds.setdefault(k, {"files": 0, "found": 0, "fp_rows": 0, "normal": 0})
                d["files"] += 1
                d["found"] += r["found"]
                d["fp_rows"] += r["fp_rows"]
                d["normal"] += r["normal"]
        tot = {x: sum(t[x] for _, _, t in runs) for x in ("found", "files", "fp_rows", "episodes", "normal_rows")}
        tot["mean_nab_at_threshold"] = sum(t["nab_at_threshold"] for _, _, t in runs) / len(runs)
        rows = kinds
        print(f"seeds {seeds[0]}-{seeds[-1]}, threshold {thr}; params: {a.param or 'defaults'}")
        print(f"  {'kind':28} {'files':>5} {'found':>5} {'FP rows':>7} {'per 1,000':>9}")
        for k in sorted(kinds):
            d = kinds[k]
            print(f"  {k:28} {d['files']:5} {d['found']:5} {d['fp_rows']:7} {1000 * d['fp_rows'] / d['normal']:9.2f}")
        print(f"  all seeds: {tot['found']}/{tot['files']} windows found, {tot['fp_rows']} FP rows in "
              f"{tot['normal_rows']} normal rows; mean NAB standard at {thr}: {tot['mean_nab_at_threshold']:.2f}")
    if a.bursty:
        cmd = [vigil, "detect"] + [x for p in a.param for x in ("--param", p)]
        hi = rec = rows_n = 0
        for seed in range(8):
            r = subprocess.run(cmd, input=bursty(seed), capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                raise RuntimeError(f"bursty {seed}: exit {r.returncode}: {r.stderr[-500:]!r}")
            sc = [float(x) for x in r.stdout.split()][750:]
            hi += sum(x >= thr for x in sc)
            rec += sum(abs(x - 0.5) < 1e-9 for x in sc if x >= thr)
            rows_n += len(sc)
        tot["bursty"] = {"rows": rows_n, "high": hi, "range_records": rec}
        print(f"  bursty counts (8 x 15,000 rows, all normal): {hi} rows >= {thr} after the probation "
              f"({1000 * hi / rows_n:.2f} per 1,000), {rec} of them new-range records")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"params": a.param, "threshold": thr, "seeds": seeds, "files": rows, "total": tot}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
