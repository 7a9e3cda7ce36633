"""Batches a site collector had committed but not yet published when it crashed reach the
fleet topic after the restart, exactly once (docs/SCALING.md, "Exactly once"): ingest's
write holds each accepted batch in the fleet journal too; the outbox write with a batch's
messages deletes its entry; a restarted publisher publishes what is left.

A simulated fleet (vigil-agent sim input, 3 sites, 8 hours of the past at full speed,
one step per batch) goes through a site collector with fleet.publish.topic on a real broker.  Ingest
commits faster than the detect stage analyses, so the stage's queue fills; the collector
is SIGKILLed while batches are queued (committed, acknowledged to the agent, not analysed,
not published), restarted on the same store and stopped once the agent is done and every
batch analysed.  Then one `vigil-collector --role fleet` instance reads the whole fleet
topic: the KPI counter samples it runs through the KPI stage must equal the simulator's
(none missing, none twice), every message on the topic has its own outbox id, and the
restart's log says it published journal batches (the crash window was hit; the kill is
repeated, at most three times, until it is)."""
import collections
import re
import signal
import time
from vgfleet import (fleet_config, fleet_keys, id_runs, kafka_body, outbox_ids, shipped_rules, sim_kpi_samples,
                     site_config, start_fleet, start_site)
from vgtest import run, wait_for

TOPIC, STATE, ALERTS = "vigil.fleet.journal.test", "vigil.fleet.journal.state", "fleet.journal.alerts"


def scenario(h, kafka):
    rules = shipped_rules(h)
    # The site's detect stage made slower than ingest on purpose (the default rules and 20
    # more over every series), so that a backlog of committed, unpublished batches is there
    # for the kill on any machine.
    with open(rules) as f:
        slow = f.read() + "".join(
            f"\n  - id: t{i:02d}-load\n    detector: exhaustion\n    catalog: A05\n    types: resource_exhaustion\n"
            f"    title: load\n    severity: low\n    match: {{ path: [\"*\"] }}\n"
            f"    params: {{ level: 1e18, limit: 1e18, direction: rising, horizon: 1h }}\n" for i in range(20))
    site_rules = h.write("slow-rules.yaml", slow)
    cfg, port, mport = site_config(h, kafka, TOPIC, ("sim1",), rules=site_rules)
    # Without fsync ingest outruns the detect stage, whose queue then stays full during the
    # burst (a SIGKILL keeps what RocksDB wrote without fsync: the kernel has it).
    with open(cfg) as f:
        text = f.read()
    with open(cfg, "w") as f:
        f.write(text.replace("  retention: 0\n", "  retention: 0\n  sync: false\n", 1))
    start_site(h, "site", cfg)

    end = (int(time.time()) // 3600 - 2) * 3600
    start = end - 8 * 3600
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    sim = (f"  - type: sim\n    seed: 13\n    sites: 3\n    start: {iso(start)}\n    end: {iso(end)}\n"
           f"    interval: 60s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 1024\n"), "--exit-when-done")

    # Kill while the detect stage has a backlog of committed batches, and restart on the same
    # store.  /metrics is up to a second old, so the backlog may be gone by the kill: then
    # the restart publishes nothing from the journal and the next backlog is taken, up to
    # three kills while the agent still sends its past.
    def backlog():
        if h.procs["sim1"].poll() is not None:
            return "done"
        m = h.metrics(mport)
        busy = m and m.get("vigil_detect_queue_batches", 0) >= 8 and m.get('vigil_detect_batches_total{result="ok"}', 0) > 0
        return "backlog" if busy else None
    site, replayed, kills = "site", 0, 0
    while kills < 3 and not replayed and wait_for(backlog, 120, "a detect-stage backlog", interval=0.02) == "backlog":
        h.kill(site, signal.SIGKILL)
        kills += 1
        site = f"site{kills + 1}"
        h.collector(site, cfg)
        wait_for(lambda: "listening on" in h.log(site), 60, f"{site} listening")
        m = re.search(r"(\d+) batch\(es\) committed before the restart were not published yet", h.log(site))
        replayed = int(m.group(1)) if m else 0
    assert replayed > 0, f"no kill of {kills} hit batches committed and not published"
    assert h.wait_exit("sim1", 300) == 0, "sim agent failed"
    h.wait_detected(mport)
    assert h.kill(site, signal.SIGTERM) == 0, "site collector did not stop cleanly"
    log = h.log(site)
    stop = re.search(r"published (\d+) messages .*?(\d+) left in the outbox", log)
    assert stop and stop.group(2) == "0", f"messages left in the outbox at stop:\n{log[-2000:]}"

    ids, nmsg = outbox_ids(kafka, TOPIC)
    assert ids and len(ids) == nmsg, "a message without the outbox header"
    dup = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dup, f"{len(dup)} messages on the topic twice, e.g. ids {dup[:5]}"
    ranges = id_runs(ids)
    # each run's ids are one gap-free range (a committed message missing would leave a hole)
    assert len(ranges) <= kills + 1, f"{len(ranges)} id ranges for {kills + 1} runs: {ranges[:8]}"

    want = sim_kpi_samples(h, 13, 3, iso(start), iso(end))
    assert want > 1000, f"the simulator made only {want} KPI counter samples"

    fcfg, _, _ = fleet_config(h, kafka, "fleet", 3, fleet_keys(TOPIC, STATE, "journal-test", "1s"), alerts=ALERTS)
    start_fleet(h, "fleet", fcfg)
    total = len(ids)

    def applied():
        m = re.findall(r"messages=(\d+)", h.log("fleet"))
        return m and int(m[-1]) >= total
    wait_for(applied, 120, f"the fleet instance applied {total} messages", interval=0.5)
    assert h.kill("fleet", signal.SIGTERM) == 0, "fleet instance did not stop cleanly"
    got = re.search(r"stopping: messages=(\d+) samples=(\d+)", h.log("fleet"))
    assert got, f"no stopping line:\n{h.log('fleet')[-2000:]}"
    assert "undecodable" not in h.log("fleet")
    assert int(got.group(2)) == want, (f"the fleet applied {got.group(2)} KPI counter samples, the simulator made "
                                       f"{want} (a missing batch gives fewer, one published twice more)")
    print(f"{kills} kill(s) with a detect backlog; {replayed} journal batch(es) published at the last restart; fleet "
          f"topic {total} messages, each once; {want} KPI counter samples, as the simulator made", flush=True)


if __name__ == "__main__":
    run("fleet_journal", kafka_body(scenario))
