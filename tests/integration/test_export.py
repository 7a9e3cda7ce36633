"""`vigil export` on a store written through the real path (3GPP PM files -> agent ->
ZeroMQ -> collector -> RocksDB), read while the collector still runs: every value comes
back exactly, 64-bit counters above 2^53 (2^60 + 1, near 2^64) and negative int64 values
included, in CSV and NDJSON, and `vigil query` prints the same integers.  Then the export
feeds `vigil detect`: the scores equal those of the original series (the round trip loses
nothing that detection sees)."""
import csv
import io
import json
import os
import subprocess
import time
from vgtest import pm_file, run, wait_for

ROP = 900000
NROPS = 12


def series_values(k):
    """What ROP k carries, per counter name: exact Python ints, or floats."""
    return {
        "X.Big": 2**60 + 1 + 3 * k,              # above 2^53: a double would lose the low bits
        "X.Max": 2**64 - 1 - 7 * k,              # the top of uint64
        "X.Neg": -(2**62) - 1 + k,               # int64
        "X.Frac": [0.1, 1e-7, 12.345, 2.5e10, 1 / 3, 123456.789][k % 6] * (k + 1),
    }


def text(v):
    return str(v) if isinstance(v, int) else repr(v)


def detect(h, csv_text, *argv):
    r = subprocess.run([os.path.join(h.bin, "vigil"), "detect", *argv], input=csv_text, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def body(h):
    cfg, port, mport = h.collector_config(agents=("pm1",))
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")

    pm_dir = os.path.join(h.dir, "pm")
    os.makedirs(pm_dir)
    base = (int(time.time() * 1000) - 86400000) // ROP * ROP
    want = {}  # name -> [(end ts, value)]
    for k in range(NROPS):
        t = base + k * ROP
        vals = series_values(k)
        for name, v in vals.items():
            want.setdefault(name, []).append((t + ROP, v))
        path = os.path.join(pm_dir, f"A{time.strftime('%Y%m%d.%H%M', time.gmtime(t / 1000))}+0000_x.xml")
        with open(path, "w") as f:
            row = [vals["X.Big"], vals["X.Max"], vals["X.Neg"], text(vals["X.Frac"])]
            types = ["X.Big", "X.Max", "X.Neg", "X.Frac"]
            f.write(pm_file(t, ROP, "gnb-x", "big", types, {"NRCellCU=1": row}))
        os.utime(path, (time.time() - 10, time.time() - 10))
    total = NROPS * len(want)

    a = h.agent_config("pm1", [port], f"  - {{type: pmdir, dir: '{pm_dir}', interval: 1s, once: true}}\n",
                       extra="batch:\n  max_samples: 16\n")  # several batches: chunks merge in the store
    h.agent("pm1", a, "--exit-when-done")
    assert h.wait_exit("pm1", 60) == 0, h.log("pm1")[-2000:]
    wait_for(lambda: (h.metrics(mport) or {}).get('vigil_samples_total{result="stored"}', 0) >= total, 60,
             "collector stored every sample")
    store = os.path.join(h.dir, "collector-store")

    def by_name(rows):
        got = {}
        for device, path, ts, value in rows:
            name = path.rsplit("/", 1)[-1]
            got.setdefault(name, []).append((int(ts), value))
        return got

    def check(got, how):
        assert set(got) == set(want), (how, sorted(got))
        for name, pts in want.items():
            g = sorted(got[name])
            assert [t for t, _ in g] == [t for t, _ in pts], (how, name, g, pts)
            for (t, v), (_, s) in zip(pts, g):
                if isinstance(v, int):
                    assert s == str(v), f"{how} {name} @{t}: printed {s!r}, sent {v}"
                else:
                    assert float(s) == v, f"{how} {name} @{t}: printed {s!r}, sent {v!r}"
                    assert len(s) <= len(repr(v)) + 1, f"{how} {name}: {s!r} is not the shortest form of {v!r}"

    # CSV, while the collector is still running (secondary + one consistent view).
    r = h.vigil("export", "--store", store, "--format", "csv")
    lines = list(csv.reader(io.StringIO(r.stdout)))
    assert lines[0] == ["device", "path", "labels", "timestamp_ms", "time", "value"], lines[0]
    check(by_name((l[0], l[1], l[3], l[5]) for l in lines[1:]), "csv")
    assert f"{total} rows" in r.stderr, r.stderr

    # NDJSON to a file: the integers are JSON numbers, read back exactly by Python.
    out = os.path.join(h.dir, "export.ndjson")
    h.vigil("export", "--store", store, "--format", "ndjson", "--out", out)
    with open(out) as f:
        objs = [json.loads(l) for l in f if l.strip()]
    rows = []
    for o in objs:
        v = o["value"]
        assert isinstance(v, (int, float)), o
        rows.append((o["device"], o["path"], o["ts_ms"], text(v) if isinstance(v, int) else repr(float(v))))
    check(by_name(rows), "ndjson")

    # The range and the filters: one series, a sub-range of [from, to).
    t0, t1 = want["X.Big"][3][0], want["X.Big"][7][0]
    r = h.vigil("export", "--store", store, "--path", "*X.Big", "--from", str(t0), "--to", str(t1),
                "--columns", "timestamp_ms,value")
    assert r.stdout.splitlines() == ["timestamp_ms,value"] + [f"{t},{v}" for t, v in want["X.Big"][3:7]], r.stdout

    # vigil query prints the same exact integers.
    q = h.query_json(store, "--path", "*X.Max")
    assert [o["value"] for o in q] == [v for _, v in want["X.Max"]], q

    # Export -> vigil detect: the same scores as the series sent.
    device = objs[0]["device"]
    for name, extra in (("X.Frac", ()), ("X.Big", ("--kind", "counter"))):
        orig = "timestamp,value\n" + "".join(f"{t},{text(v)}\n" for t, v in want[name])
        exp = h.vigil("export", "--store", store, "--device", device, "--path", f"*{name}",
                      "--columns", "timestamp_ms,value").stdout
        assert exp.count("\n") == NROPS + 1, exp
        for det in (("--detector", "onset"), ("--detector", "seasonal")):
            a1 = detect(h, orig, *det, *extra)
            a2 = detect(h, exp, *det, *extra)
            assert a1 == a2 and a1.count("\n") == NROPS, (name, det, a1, a2)

    # Bad usage is reported, not half-done.
    r = h.vigil("export", "--store", store, "--format", "ndjson", "--columns", "value", check=False)
    assert r.returncode == 2 and "CSV" in r.stderr, r.stderr
    r = h.vigil("export", "--store", store, "--columns", "value,nope", check=False)
    assert r.returncode == 2 and "unknown column" in r.stderr, r.stderr


run("export", body)
