#!/usr/bin/env python3
"""bench_store_bytes_floor - how far the stored value bits are from what any lossless code of
the same samples could reach: a model, not the codec (docs/PERFORMANCE.md, "Where the bytes go").

Reads `vigil export` CSV (columns device,path,labels,kind,timestamp_ms,value) of some devices
and, for every numeric series, the input a codec predicts (the increment of a counter, the value
of a gauge), then prices the prediction errors with an ideal Gaussian code per block of 128
(0.5 log2(2 pi e sigma^2) bits a sample on the series' own integer grid, sigma of the block):

  prev                  the previous input (version 2's delta / delta-of-delta modes)
  ema                   a running mean, weight 1/8 (version 3's rate and level modes)
  best(prev, ema)       the cheaper of the two per block, as version 3's encoder picks modes
  floor(+-8)            the mean of the 16 neighbours, 8 before and 8 after: better than any
                        causal predictor, an optimistic per-series floor
  factor(group)         floor(+-8) and a common factor per group and step: the median relative
                        error of the group's other series (leave-one-out), scaled per series;
                        groups: a site, or one device's labels (an interface, a cell)
  pkts|octets           an interface's packet counter against its octet counter's error

The factor's own code is not counted (one value per group and step), so the cross-series
figures are upper bounds on what coding series together could gain.

usage: bench_store_bytes_floor.py EXPORT.csv
  vigil export --store DIR/store --device 'site00[1-8]*' \\
      --columns device,path,labels,kind,timestamp_ms,value --out EXPORT.csv
"""
import collections
import csv
import math
import sys

BLOCK, W = 128, 8
OCT = "/interfaces/interface/state/counters/"
PAIRS = {OCT + "in-pkts": OCT + "in-octets", OCT + "out-pkts": OCT + "out-octets"}


def load(path):
    rows, kinds = collections.defaultdict(list), {}
    for r in csv.DictReader(open(path)):
        if r["kind"] == "state":
            continue
        key = (r["device"], r["path"], r["labels"])
        kinds[key] = r["kind"]
        rows[key].append((int(r["timestamp_ms"]), r["value"]))
    series = {}
    for key, pts in rows.items():
        pts.sort()
        try:
            v = [float(x) for _, x in pts]
        except ValueError:
            continue
        if len(v) < 2 or any(math.isnan(x) or math.isinf(x) for x in v):
            continue
        x = [v[i] - v[i - 1] for i in range(1, len(v))] if kinds[key] == "counter" else v[1:]
        if kinds[key] == "counter" and any(d < 0 for d in x):
            continue  # a wrap or reset: rare, left out of the model
        series[key] = x
    return series


def quantum(x):
    for q in (1.0, 0.1, 0.01, 0.001):
        if all(abs(round(v / q) - v / q) < 1e-6 for v in x[:200]):
            return q
    return 1e-6


def bits(err, q):
    """Ideal Gaussian code of err on the grid q, per block of BLOCK: bits of each block."""
    out = []
    for b in range(0, len(err), BLOCK):
        blk = err[b:b + BLOCK]
        mu = sum(blk) / len(blk)
        sd = math.sqrt(sum((e - mu) ** 2 for e in blk) / len(blk)) / q
        h = 0.5 * math.log2(2 * math.pi * math.e * sd * sd) if sd > 0.5 else (0.3 if sd > 0 else 0.0)
        out.append(max(h, 0.0) * len(blk))
    return out


def ema(x, a=1 / 8):
    e, out = x[0], []
    for v in x:
        out.append(e)
        e += a * (v - e)
    return out


def centred(x):
    n, out = len(x), []
    for i in range(n):
        lo, hi = max(0, i - W), min(n, i + W + 1)
        out.append((sum(x[lo:hi]) - x[i]) / (hi - lo - 1))
    return out


def with_factor(x, m, f):
    """Errors of m scaled by (1 + beta f), beta fitted by least squares."""
    r0 = [a - b for a, b in zip(x, m)]
    num = sum(r * mm * ff for r, mm, ff in zip(r0, m, f))
    den = sum((mm * ff) ** 2 for mm, ff in zip(m, f))
    beta = num / den if den > 0 else 0.0
    return [r - beta * mm * ff for r, mm, ff in zip(r0, m, f)]


def main():
    series = load(sys.argv[1])
    cen = {k: centred(x) for k, x in series.items()}
    groups = {"site": lambda k: k[0].split("/")[0], "device+labels": lambda k: (k[0], k[2])}
    rel = {g: collections.defaultdict(lambda: collections.defaultdict(list)) for g in groups}
    for k, x in series.items():
        for g, gk in groups.items():
            for i, (a, b) in enumerate(zip(x, cen[k])):
                if b > 0:
                    rel[g][gk(k)][i].append(((a - b) / b, k))
    tot, n = collections.Counter(), 0
    for k, x in series.items():
        q, n = quantum(x), n + len(x)
        prev = bits([a - b for a, b in zip(x, [x[0]] + x[:-1])], q)
        em = bits([a - b for a, b in zip(x, ema(x))], q)
        floor = bits([a - b for a, b in zip(x, cen[k])], q)
        tot["prev"] += sum(prev)
        tot["ema"] += sum(em)
        tot["best(prev, ema)"] += sum(min(a, b) for a, b in zip(prev, em))
        tot["floor(+-8)"] += sum(floor)
        for g, gk in groups.items():
            cells = rel[g][gk(k)]
            f = []
            for i in range(len(x)):
                other = sorted(u for u, kk in cells[i] if kk != k)
                f.append(other[len(other) // 2] if len(other) >= 2 else 0.0)
            fb = bits(with_factor(x, cen[k], f), q)
            tot[f"factor({g})"] += sum(min(a, b) for a, b in zip(floor, fb))
        ref = (k[0], PAIRS.get(k[1]), k[2])
        pb = floor
        if ref in series:
            f = [(a - b) / b if b else 0.0 for a, b in zip(series[ref], cen[ref])]
            pb = [min(a, b) for a, b in zip(floor, bits(with_factor(x, cen[k], f), q))]
        tot["pkts|octets"] += sum(pb)
    print(f"{len(series)} numeric series, {n} samples (inputs after the first)")
    base = tot["floor(+-8)"]
    for name, b in sorted(tot.items(), key=lambda kv: -kv[1]):
        print(f"  {name:22s} {b / 8 / n:.4f} bytes a numeric sample ({100 * (b / base - 1):+.1f} % against floor(+-8))")


if __name__ == "__main__":
    main()
