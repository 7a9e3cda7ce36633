"""(c) The collector is down for a while: the agent spools every batch to disk, survives
its own restart, and drains everything once a collector is back."""
import glob
import os
from vgtest import run, wait_for, free_port


def body(h):
    port = free_port()
    # Realtime-ish live data: start in the recent past so the sim has data ready at once.
    inputs = ("  - type: sim\n    seed: 5\n    sites: 2\n    start: -30m\n    interval: 10s\n"
              "    speed: max\n")
    a = h.agent_config("a1", [port], inputs, extra="batch:\n  max_samples: 1024\n  max_age: 200ms\n")
    h.agent("a1", a)
    spool = f"{h.dir}/a1-spool"
    wait_for(lambda: len(glob.glob(f"{spool}/*.vgb")) >= 5, 60, "batches in the spool while no collector runs")
    # Restart the agent while the collector is still down: the spool survives.
    h.kill("a1", sig=9)
    held = len(glob.glob(f"{spool}/*.vgb"))
    h.agent("a1", a)
    wait_for(lambda: "resumes at" in h.log("a1"), 60, "the restarted agent resuming its simulation")
    assert len(glob.glob(f"{spool}/*.vgb")) >= held, "spooled batches lost across the agent restart"

    cfg, _, mport = h.collector_config(name="c", port=port, agents=("a1",))
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    # Drained: the spool empties (the sim keeps producing, so allow a batch or two).
    wait_for(lambda: len(glob.glob(f"{spool}/*.vgb")) <= 2, 120, "spool drained")
    m = wait_for(lambda: (lambda m: m and m['vigil_samples_total{result="stored"}'] > 0 and m)(h.metrics(mport)),
                 10, "stored samples in the metrics")
    stored = m['vigil_samples_total{result="stored"}']
    assert m['vigil_batches_total{result="rejected"}'] == 0, m
    # Everything from the first 30 simulated minutes is in the store, each sample once.
    rows = h.query_json(f"{h.dir}/c-store", "--device", "site001/*")
    keys = [(r["device"], r["path"], tuple(sorted(r["labels"].items())), r["ts_ms"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicates after drain"
    ts = sorted({k[3] for k in keys})
    assert len(ts) >= 180, f"expected >= 180 distinct 10 s steps from the spooled half hour, got {len(ts)}"
    steps = {b - a for a, b in zip(ts, ts[1:])}
    assert steps == {10000}, f"holes in the drained data: step sizes {sorted(steps)[:5]}"
    print(f"drained {stored:.0f} samples; {len(ts)} contiguous steps")


run("spool_drain", body)
