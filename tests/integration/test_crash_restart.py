"""(b) The collector is killed with SIGKILL several times mid-stream and restarted:
every sample arrives, none is stored twice (exactly-once via the agent's sequence
numbers committed with the data)."""
import json
import time
from vgtest import run, wait_for

START, END = "2026-10-01T00:00:00Z", "2026-10-04T00:00:00Z"


def body(h):
    cfg, port, mport = h.collector_config(name="c", agents=("a1",))
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    inputs = (f"  - type: sim\n    seed: 3\n    sites: 4\n    start: {START}\n    end: {END}\n"
              f"    interval: 60s\n    speed: max\n")
    # Small batches and a short window: many commits to interrupt.
    a = h.agent_config("a1", [port], inputs, extra="batch:\n  max_samples: 1024\n")
    a = h.write("a1.yaml", open(a).read().replace("send:\n", "send:\n  window: 2\n"))
    h.agent("a1", a, "--exit-when-done")
    kills = 0
    for _ in range(5):
        # Wait for progress in this collector incarnation, then kill it mid-stream.
        def progressed():
            if h.procs["a1"].poll() is not None:
                return "agent done"
            m = h.metrics(mport)
            return m and m['vigil_samples_total{result="stored"}'] > 20000 and "progress"
        if wait_for(progressed, 120, "ingest progress") == "agent done":
            break
        h.kill("c")
        kills += 1
        h.collector("c", cfg)
        wait_for(lambda: h.metrics(mport), 30, "collector restarted")
    assert kills >= 2, f"agent finished before the collector could be killed twice ({kills})"
    assert h.wait_exit("a1", 300) == 0, "agent did not drain"

    sim = ["--seed", "3", "--sites", "4", "--interval", "60s", "--start", START, "--end", END]
    n, nev = h.assert_sim_stored_once(f"{h.dir}/c-store", sim, START, END)
    print(f"{n} samples and {nev} events exactly once after {kills} SIGKILLs")


run("crash_restart", body)
