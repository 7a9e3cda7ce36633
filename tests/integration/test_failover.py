"""Two collectors with their own stores: the agent's primary is killed, the agent moves to
the second, the primary comes back and the agent moves back to it.  Every sample of the
bounded simulation is in one of the two stores, none twice within a store, and the agent
drains and exits: the primary resumes after what the other collector acknowledged (before,
it waited for those batches forever and the agent retried the same batch in a loop)."""
import signal
import time
from vgtest import iso, run, wait_for

INTERVAL_MS = 5000


def body(h):
    ca, pa, ma = h.collector_config(name="ca", agents=("a1",))
    cb, pb, mb = h.collector_config(name="cb", agents=("a1",))
    h.collector("ca", ca)
    h.collector("cb", cb)
    wait_for(lambda: h.metrics(ma) and h.metrics(mb), 30, "both collectors up")
    now = int(time.time() * 1000)
    start = now - 10 * 60000 - now % INTERVAL_MS
    end = now + 40000 - now % INTERVAL_MS
    sim = (f"  - type: sim\n    seed: 9\n    sites: 1\n    start: {iso(start)}\n    end: {iso(end)}\n"
           f"    interval: {INTERVAL_MS // 1000}s\n    speed: max\n")
    h.agent("a1", h.agent_config("a1", [pa, pb], sim, extra="batch:\n  max_samples: 1024\n  max_age: 200ms\n"),
            "--exit-when-done")
    accepted = lambda m: (h.metrics(m) or {}).get('vigil_batches_total{result="accepted"}', 0)
    wait_for(lambda: accepted(ma) > 0, 60, "the primary storing batches")
    h.kill("ca")
    wait_for(lambda: accepted(mb) > 0, 60, "the agent moving to the second collector")
    h.collector("ca", ca)
    # The agent returns to the primary (send.primary_retry 5 s) and drains there.
    assert h.wait_exit("a1", 180) == 0, "agent did not drain and exit"
    assert "acknowledged by another collector" in h.log("ca"), "the primary did not resume after the other's batches"

    # Every step of the bounded run is stored, in one store or the other, once per store.
    rows = {}
    for name in ("ca", "cb"):
        assert h.kill(name, signal.SIGTERM) == 0, f"{name} did not stop cleanly"
        got = h.query_json(f"{h.dir}/{name}-store", "--device", "site001/*")
        keys = [(r["device"], r["path"], tuple(sorted(r["labels"].items())), r["ts_ms"]) for r in got]
        assert len(keys) == len(set(keys)), f"{name}: samples stored twice"
        rows[name] = set(keys)
    assert rows["cb"], "nothing stored by the second collector"
    union = rows["ca"] | rows["cb"]
    ts = sorted({k[3] for k in union})
    assert ts[0] == start and ts[-1] >= end - INTERVAL_MS, (iso(ts[0]), iso(ts[-1]))
    steps = {b - a for a, b in zip(ts, ts[1:])}
    assert steps == {INTERVAL_MS}, f"holes across the two stores: step sizes {sorted(steps)[:5]}"
    per_step = {}
    for k in union:
        per_step[k[3]] = per_step.get(k[3], 0) + 1
    assert len(set(per_step.values())) == 1, "some steps lack series in both stores"
    both = len(rows["ca"] & rows["cb"])
    print(f"{len(union)} samples over {len(ts)} steps; primary {len(rows['ca'])}, second {len(rows['cb'])}, "
          f"in both {both} (batches the primary stored but could not acknowledge before it was killed)")


run("failover", body)
