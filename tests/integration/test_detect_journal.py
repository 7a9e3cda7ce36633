"""A site collector SIGKILLed while its detect stage has a backlog analyses, after the
restart, every batch it had committed and not analysed, exactly once (collector/
detect_journal.c; docs/OPERATIONS.md "Crash and restart"): ingest's write keeps each
batch in the detect journal until a state save covers it; the restarted stage feeds the
entries left from the saved state, without writing again the alerts the killed run had
committed.

Two collectors get the same simulated three days (the `catalog` scenario: incidents of
every kind) at full speed from two agents with the same identity and input, both running
the default rules plus 20 rules that never fire (so the detect stage is slower than
ingest and its queue fills).  The site collector is SIGKILLed while batches are queued
(committed, acknowledged, not analysed) and alerts are being made, and restarted on the
same store, up to three times until a restart's log says it fed journal batches analysed
before the kill too (their alerts committed: state only); the reference runs
uninterrupted.  Their alert records (rule, uid, activity, data time) must be equal: none
missing (a batch not analysed), none twice (a batch analysed twice, or a committed alert
written again)."""
import os
import re
import signal
from sim_twins import agent_config, alerts
from vgtest import run, wait_for


def body(h):
    with open(os.path.join(h.a.source, "detectors", "rules.yaml")) as f:
        slow = f.read() + "".join(
            f"\n  - id: t{i:02d}-load\n    detector: exhaustion\n    catalog: A05\n    types: resource_exhaustion\n"
            f"    title: load\n    severity: low\n    match: {{ path: [\"*\"] }}\n"
            f"    params: {{ level: 1e18, limit: 1e18, direction: rising, horizon: 1h }}\n" for i in range(20))
    rules = h.write("slow-rules.yaml", slow)
    # save_every 30s: a kill finds both batches analysed since the last save (their alerts
    # committed: not written again) and batches not analysed at all.
    detect = f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 1s\n  save_every: 30s\n"
    cols = {}
    for key in ("site", "ref"):
        cfg, port, mport = h.collector_config(name=key, agents=("sim1",), extra=detect)
        # Without fsync ingest outruns the detect stage (a SIGKILL keeps what RocksDB wrote).
        with open(cfg) as f:
            text = f.read()
        with open(cfg, "w") as f:
            f.write(text.replace("  retention: 0\n", "  retention: 0\n  sync: false\n", 1))
        h.collector(key, cfg)
        wait_for(lambda: h.metrics(mport), 30, f"{key} collector metrics")
        cols[key] = (cfg, port, mport, f"{h.dir}/{key}-store")
    for key in ("site", "ref"):
        h.agent(f"agent-{key}", agent_config(h, f"agent-{key}", cols[key][1]), "--exit-when-done")

    cfg, _, mport, _ = cols["site"]

    def backlog():
        if h.procs["agent-site"].poll() is not None:
            return "done"
        m = h.metrics(mport)
        # (once alerts are being made: the killed run's committed ones must not come twice)
        busy = m and m.get("vigil_detect_queue_batches", 0) >= 8 and m.get('vigil_detect_batches_total{result="ok"}', 0) > 0 \
            and m.get('vigil_detect_alerts_total{result="stored"}', 0) >= 20
        return "backlog" if busy else None
    site, fed, silent, kills = "site", 0, 0, 0
    while kills < 3 and not silent and wait_for(backlog, 120, "a detect-stage backlog", interval=0.02) == "backlog":
        h.kill(site, signal.SIGKILL)
        kills += 1
        site = f"site{kills + 1}"
        h.collector(site, cfg)
        wait_for(lambda: "listening on" in h.log(site), 60, f"{site} listening")
        m = re.search(r"detect journal: (\d+) batch\(es\) committed before the restart analysed again from the saved "
                      r"state \((\d+) already analysed", h.log(site))
        fed, silent = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    assert fed > 0, f"no kill of {kills} hit batches committed and not analysed"

    for key in ("site", "ref"):
        assert h.wait_exit(f"agent-{key}", 600) == 0, f"agent {key} failed"
        # (the restarted site collector's accepted count is its own run's only)
        h.wait_detected(cols[key][2], agents=(f"agent-{key}",) if key == "ref" else ())
    for key in (site, "ref"):
        assert h.kill(key, signal.SIGTERM) == 0, h.log(key)[-2000:]

    got, ref = alerts(h, cols["site"][3]), alerts(h, cols["ref"][3])
    assert ref, "the reference produced no alerts"
    dup = sorted(a for a in set(got) if got.count(a) > 1)
    assert not dup, f"{len(dup)} alert records twice, e.g. {dup[:3]}"
    missing, extra = sorted(set(ref) - set(got)), sorted(set(got) - set(ref))
    assert not missing and not extra, (f"{len(missing)} missing, {len(extra)} extra: missing {missing[:3]} "
                                       f"extra {extra[:3]}")
    print(f"{kills} kill(s) with a detect backlog; the last restart analysed {fed} journal batch(es) ({silent} of "
          f"them analysed before the kill, alerts not raised again); {len(got)} alert records, equal to the "
          f"uninterrupted run's", flush=True)


if __name__ == "__main__":
    run("detect_journal", body)
