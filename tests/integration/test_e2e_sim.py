"""(a) Agents -> collector -> store -> vigil query returns exactly the samples sent.

One agent runs the simulator for a fixed simulated period at full speed; the expected
samples come from `vigil sim` with the same parameters (the same generator, printed
directly).  A second agent reports its own host (linux input).  The query must return
every sample once with the same value, and the events too."""
import json
import os
import socket
from vgtest import run, wait_for

START, END = "2026-11-01T00:00:00Z", "2026-11-01T06:00:00Z"


def key(r):
    labels = tuple(sorted(r["labels"].items()))
    return (r["device"], r["path"], labels, r["ts_ms"])


def body(h):
    cfg, port, mport = h.collector_config(agents=("sim1", "host1"))
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")
    sim_inputs = (f"  - type: sim\n    seed: 7\n    sites: 4\n    start: {START}\n    end: {END}\n"
                  f"    interval: 60s\n    speed: max\n")
    a1 = h.agent_config("sim1", [port], sim_inputs, extra="batch:\n  max_samples: 4096\n")
    h.agent("sim1", a1, "--exit-when-done")
    a2 = h.agent_config("host1", [port], "  - type: linux\n    interval: 1s\n    device_id: testhost/linux\n")
    h.agent("host1", a2)
    assert h.wait_exit("sim1", 300) == 0, "sim agent failed"

    expected = {}
    expected_events = 0
    out = h.vigil("sim", "--seed", "7", "--sites", "4", "--interval", "60s", "--start", START, "--end", END)
    for line in out.stdout.splitlines():
        r = json.loads(line)
        if "type" in r:
            expected_events += 1
            continue
        expected[key(r)] = r.get("state", r.get("value"))
    assert len(expected) > 10000, f"simulation too small: {len(expected)}"
    # --site PREFIX (the sim input's `site`): the same fleet with every site name prefixed.
    pre = h.vigil("sim", "--seed", "7", "--sites", "4", "--interval", "60s", "--site", "east-", "--start", START,
                  "--end", END).stdout.splitlines()
    assert len(pre) == len(out.stdout.splitlines()), "vigil sim --site changed the number of records"
    for a, b in zip(out.stdout.splitlines(), pre):
        ra, rb = json.loads(a), json.loads(b)
        assert rb["device"] == "east-" + ra["device"], (ra, rb)
        rb["device"] = ra["device"]
        assert ra == rb, (ra, rb)
    assert h.vigil("sim", "--site", "a/b", "--start", START, "--end", END, check=False).returncode == 2

    store = f"{h.dir}/collector-store"
    rows = h.query_json(store, "--device", "site*", "--from", START, "--to", END)
    rows += h.query_json(store, "--device", "core/*", "--from", START, "--to", END)
    got = {}
    for r in rows:
        k = key(r)
        assert k not in got, f"sample stored twice: {k}"
        got[k] = r["value"]
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    assert not missing, f"{len(missing)} samples missing, e.g. {missing[:3]}"
    assert not extra, f"{len(extra)} unexpected samples, e.g. {extra[:3]}"
    wrong = [(k, expected[k], got[k]) for k in expected if expected[k] != got[k]]
    assert not wrong, f"{len(wrong)} values differ, e.g. {wrong[:3]}"
    print(f"{len(got)} samples match exactly")

    ev = h.vigil("query", "--store", store, "--events", "--format", "json", "--from", START, "--to", END)
    nev = sum(1 for l in ev.stdout.splitlines() if l)
    assert nev == expected_events, f"events: stored {nev}, sent {expected_events}"

    # The host agent's own series arrive too (values are live, so only presence is checked).
    wait_for(lambda: h.query_json(store, "--device", "testhost/linux", "--from", "-10m"), 60,
             "linux input samples in the store")
    m = h.metrics(mport)
    assert m['vigil_batches_total{result="rejected"}'] == 0, m


run("e2e_sim", body)
