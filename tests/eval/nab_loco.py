#!/usr/bin/env python3
"""nab_loco - how well `vigil detect` generalises across NAB categories.

The NAB development split (../shared/bench/nab-dev) has four categories; the rest of NAB is
held back.  This script measures what a held-back category can expect:

* per category: each category's score at the corpus threshold (as nab_eval.py --by-category)
  and at its own best threshold (how much of the loss is threshold calibration);
* leave one category out (LOCO): for each category C, the configuration (from a grid of
  onset parameter sets) and the threshold are chosen on the other categories only, then C is
  scored with both.  The held-out raw scores of all categories are summed and normalised
  with all their windows: one "LOCO score" per profile, comparable to the dev score.  The
  same with the default configuration only (threshold transfer alone) is reported too.

Each configuration is run once per file (`vigil detect --param ... < file.csv`); scoring
uses the split's own nab_eval.py (imported), so the rules are NAB's.

usage: nab_loco.py --bin build/bin [--nab DIR] [--grid default|none] [--param K=V ...]
                   [--jobs 2] [--json FILE]
  --param sets a parameter in every configuration (to evaluate a method variant).
Exit status 0 when every run succeeded (numbers are reported, not judged)."""
import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))

# One parameter at a time around the defaults: the choice LOCO makes among them says whether
# the defaults are also what the other categories would have picked.
GRID = {
    "range_score": (0.4, 0.6),
    "range_margin": (0.03, 0.07),
    "short_n": (10, 30),
    "hold": (100, 1000),
    "long_n": (1000, 4000),
    "zcap": (2.5, 4),
    "suppress": (0.1, 0.5),
    "season_gain": (0.3, 0.7),
    "escalate": (0, 0.5),
    "range_gap": (0, 0.1),
    "tail_q": (0, 0.995),
}


def configs(kind):
    out = [()]
    if kind == "default":
        for k, vals in GRID.items():
            out += [((k, v),) for v in vals]
    return out


def run_config(vigil, files, cfg, fixed, jobs):
    cmd = [vigil, "detect"]
    for k, v in list(fixed) + list(cfg):
        cmd += ["--param", f"{k}={v}"]

    def one(f):
        with open(f.path, "rb") as fh:
            r = subprocess.run(cmd, stdin=fh, capture_output=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} < {f.path}: exit {r.returncode}: {r.stderr[-500:]!r}")
        sc = [float(x) for x in r.stdout.split()]
        if len(sc) != f.n:
            raise RuntimeError(f"{f.path}: {len(sc)} scores for {f.n} rows")
        return sc

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(one, files))


def cat_of(f):
    return f.rel_path.split("/")[0]


def best_threshold(ne, files, scores, w):
    sweep = ne.sweep_thresholds(files, scores, w)
    return max(sweep, key=lambda t: t[1])  # (threshold, raw); first maximum = highest threshold


def raw_at(ne, files, scores, thr, w):
    parts = [ne.score_at_threshold(f, s, thr, w) for f, s in zip(files, scores)]
    return (sum(p["score"] for p in parts), sum(p["windows"] for p in parts),
            sum(p["windows_detected"] for p in parts), sum(p["fp_rows"] for p in parts))


def norm(raw, nwin, w):
    null, perfect = -w["fnWeight"] * nwin, w["tpWeight"] * nwin
    return 100.0 * (raw - null) / (perfect - null) if nwin else None


def fmt(x):
    return "   n/a" if x is None else f"{x:6.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory holding the vigil binary, or the binary")
    ap.add_argument("--nab", default=os.path.join(HERE, "..", "..", "..", "shared", "bench", "nab-dev"))
    ap.add_argument("--grid", choices=("default", "none"), default="default")
    ap.add_argument("--param", action="append", default=[], help="K=V for every configuration")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    vigil = a.bin if os.path.isfile(a.bin) else os.path.join(a.bin, "vigil")
    nab = os.path.abspath(a.nab)
    sys.path.insert(0, nab)
    import nab_eval as ne  # the split's evaluator: NAB's scoring rules

    files, labels = ne.load_corpus(os.path.join(nab, "data"), os.path.join(nab, "labels", "combined_windows.json"))
    with open(os.path.join(nab, "config", "profiles.json")) as fh:
        profiles = json.load(fh)
    fixed = [tuple(p.split("=", 1)) for p in a.param]
    cats = sorted({cat_of(f) for f in files})
    cfgs = configs(a.grid)
    runs = {}
    for cfg in cfgs:
        runs[cfg] = run_config(vigil, files, cfg, fixed, a.jobs)
    idx = {c: [i for i, f in enumerate(files) if cat_of(f) == c] for c in cats}

    def sub(cfg, ids):
        return [files[i] for i in ids], [runs[cfg][i] for i in ids]

    report = {"params": a.param, "grid": [dict(c) for c in cfgs], "profiles": {}}
    allids = list(range(len(files)))
    print(f"NAB dev split, {len(files)} files, {len(cfgs)} configurations; fixed params: {a.param or 'none'}")
    for prof in ne.PROFILE_ORDER:
        w = profiles[prof]["CostMatrix"]
        r = {"per_category": {}, "loco": {}, "loco_default": {}}
        # The default configuration on the whole split, and per category.
        fs, ss = sub((), allids)
        thr, _ = best_threshold(ne, fs, ss, w)
        raw, nw, nd, nfp = raw_at(ne, fs, ss, thr, w)
        r["dev"] = {"score": norm(raw, nw, w), "threshold": thr, "windows": nw, "found": nd, "fp_rows": nfp}
        for c in cats:
            cf, cs = sub((), idx[c])
            craw, cnw, cnd, cnfp = raw_at(ne, cf, cs, thr, w)
            othr, _ = best_threshold(ne, cf, cs, w)
            oraw, _, ond, onfp = raw_at(ne, cf, cs, othr, w)
            r["per_category"][c] = {"score": norm(craw, cnw, w), "raw": craw, "windows": cnw, "found": cnd,
                                    "fp_rows": cnfp, "own_threshold": othr, "own_score": norm(oraw, cnw, w),
                                    "own_fp_rows": onfp}
        # Leave one category out: choose on the rest, score the held-out category.
        tot = {"loco": [0.0, 0, 0, 0], "loco_default": [0.0, 0, 0, 0]}
        for c in cats:
            train = [i for i in allids if cat_of(files[i]) != c]
            best = None
            for cfg in cfgs:
                tf, ts = sub(cfg, train)
                t, traw = best_threshold(ne, tf, ts, w)
                if best is None or traw > best[2] + 1e-12:
                    best = (cfg, t, traw)
            for key, (cfg, t) in (("loco", best[:2]), ("loco_default", (None, None))):
                if key == "loco_default":
                    cfg = ()
                    tf, ts = sub((), train)
                    t, _ = best_threshold(ne, tf, ts, w)
                hf, hs = sub(cfg, idx[c])
                hraw, hnw, hnd, hnfp = raw_at(ne, hf, hs, t, w)
                r[key][c] = {"config": dict(cfg), "threshold": t, "score": norm(hraw, hnw, w), "raw": hraw,
                             "windows": hnw, "found": hnd, "fp_rows": hnfp}
                acc = tot[key]
                acc[0] += hraw
                acc[1] += hnw
                acc[2] += hnd
                acc[3] += hnfp
        for key, acc in tot.items():
            r[key + "_total"] = {"score": norm(acc[0], acc[1], w), "windows": acc[1], "found": acc[2],
                                 "fp_rows": acc[3]}
        report["profiles"][prof] = r

        print(f"\n{prof}: dev {r['dev']['score']:.2f} (threshold {thr:.4g}, {nd}/{nw} windows, {nfp} FP rows)")
        print(f"  {'category':24} {'at dev thr':>10} {'win':>7} {'FP':>4} | {'own thr':>8} {'score':>6} {'FP':>4}"
              f" | {'LOCO dflt':>9} {'thr':>7} {'FP':>4} | {'LOCO grid':>9} {'FP':>4}  chosen")
        for c in cats:
            p, d, g = r["per_category"][c], r["loco_default"][c], r["loco"][c]
            chosen = ",".join(f"{k}={v}" for k, v in g["config"].items()) or "defaults"
            print(f"  {c:24} {fmt(p['score']):>10} {p['found']:>3}/{p['windows']:<3} {p['fp_rows']:>4} |"
                  f" {p['own_threshold']:8.4g} {fmt(p['own_score'])} {p['own_fp_rows']:>4} |"
                  f" {fmt(d['score']):>9} {d['threshold']:7.4g} {d['fp_rows']:>4} |"
                  f" {fmt(g['score']):>9} {g['fp_rows']:>4}  {chosen}")
        print(f"  LOCO total: defaults {fmt(r['loco_default_total']['score'])} "
              f"({r['loco_default_total']['found']}/{r['loco_default_total']['windows']}, "
              f"{r['loco_default_total']['fp_rows']} FP rows), grid {fmt(r['loco_total']['score'])} "
              f"({r['loco_total']['found']}/{r['loco_total']['windows']}, {r['loco_total']['fp_rows']} FP rows)")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
