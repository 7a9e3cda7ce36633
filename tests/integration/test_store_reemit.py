"""The store is idempotent per (series, timestamp) and per event (issue 11): an input that
re-emits what it already delivered stores nothing twice, whatever the agent's records say.
The sim input's progress record (the spool's input-0.sim) is deleted twice: once after a
SIGKILL at half the run (the restarted sim starts over: the first half is sent again under
new sequence numbers), and once after the agent finished (a second agent run sends the
whole run again).  Every sample and event the simulator produced is counted against the
store (tests/faults/fault_count.py, as the fault suite does): 0 lost, 0 duplicated, and the
collector did accept the re-sent data (its stored counter reaches 2.4 times what the sim
produced).  Prints a row for the faults table of docs/RELIABILITY.md.

Then a VES client posts one fault event three times (as a client does whose 202 was lost):
three posts answered 202 and ingested, one event in the store."""
import json
import os
import sys
import time

from vgtest import free_port, run, ves_post, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from fault_count import count  # noqa: E402
from faults import SIM_START, SIM_START_MS, Run, iso, sim_input  # noqa: E402

HOURS, SITES = 6, 2


class Opts:
    sites = SITES


def ves_repost(h):
    cfg, cport, mport = h.collector_config(name="cv", agents=("v1",))
    h.collector("cv", cfg)
    wait_for(lambda: h.metrics(mport), 60, "collector cv up")
    vport = free_port()
    h.agent("v1", h.agent_config("v1", [cport], f"  - {{type: ves, listen: '127.0.0.1:{vport}', site: ves}}\n"))
    us = int(time.time() * 1e6)
    event = json.dumps({"event": {
        "commonEventHeader": {
            "version": "4.1", "vesEventListenerVersion": "7.2.1", "domain": "fault", "eventName": "Fault_repost",
            "eventId": "repost-1", "sequence": 0, "priority": "High", "reportingEntityName": "re-element",
            "sourceName": "re-element", "startEpochMicrosec": us, "lastEpochMicrosec": us},
        "faultFields": {
            "faultFieldsVersion": "4.0", "alarmCondition": "linkDown", "eventSourceType": "port",
            "specificProblem": "repost", "eventSeverity": "MAJOR", "vfStatus": "Active"}}}).encode()
    for i in range(3):
        wait_for(lambda: ves_post(vport, event) == 202, 60, f"post {i + 1} answered 202")
    wait_for(lambda: (h.metrics(mport) or {}).get("vigil_events_total", 0) >= 3, 60, "the three posts ingested")
    r = h.vigil("query", "--store", f"{h.dir}/cv-store", "--events", "--format", "json")
    stored = [json.loads(line) for line in r.stdout.splitlines() if line]
    print(f"VES: one event posted 3 times (each answered 202 and ingested): {len(stored)} stored")
    assert len(stored) == 1 and stored[0]["attrs"]["eventId"] == "repost-1", stored


def body(h):
    end_ms = SIM_START_MS + HOURS * 3600 * 1000
    end = iso(end_ms)
    run_ = Run(h, sim_input(Opts, SIM_START, end, "60s", "max"), send="  window: 2\n",
               batch="batch:\n  max_samples: 1024\n")
    sent = run_.expected(SITES, "60s", SIM_START, end)
    progress = os.path.join(run_.spool, "input-0.sim")
    def stored():
        return h.metrics(run_.mport)['vigil_samples_total{result="stored"}']
    run_.start_collector()
    t0 = time.monotonic()
    run_.start_agent()
    half = SIM_START_MS + (end_ms - SIM_START_MS) // 2
    wait_for(lambda: run_.agent_done() or run_.position() >= half, 300, f"sim past {iso(half)}", interval=0.02)
    assert not run_.agent_done(), "the agent finished before half its run"
    h.kill("a1")
    os.unlink(progress)  # the record of what the sim delivered: lost
    run_.start_agent()
    assert h.wait_exit("a1", 600) == 0, "agent did not drain after the restart"
    os.unlink(progress)
    run_.start_agent()  # the whole run again
    assert h.wait_exit("a1", 600) == 0, "agent did not drain on its second run"
    elapsed = time.monotonic() - t0
    r = count(sent, run_.export(SIM_START, end))
    for e in r["examples"]:
        print(f"differs: {e}")
    print(f"| sim input re-emits (progress record deleted after a SIGKILL at half the run, and after the "
          f"run) | {r['sent_samples']:,} + {r['sent_events']:,} ev | {r['stored_samples']:,} + "
          f"{r['stored_events']:,} ev | {r['lost_samples']:,} + {r['lost_events']:,} ev | "
          f"{r['dup_samples']:,} + {r['dup_events']:,} ev | — | {r['gaps']} |")
    # The collector took the re-sent data (its counter is published once a second): at least
    # the whole run twice, and the first half of the third time.
    wait_for(lambda: stored() >= 2.4 * r["sent_samples"], 30, "the re-sent samples accepted")
    print(f"collector accepted {stored():,.0f} samples for {r['sent_samples']:,} sent; {elapsed:.0f} s")
    m = h.metrics(run_.mport)
    same = m['vigil_store_duplicate_samples_total{value="same"}']
    conflicting = m['vigil_store_duplicate_samples_total{value="conflicting"}']
    print(f"store duplicate counters (they grow at compaction): same {same:,.0f}, conflicting {conflicting:,.0f}")
    assert conflicting == 0, f"{conflicting} conflicting samples: the sim re-sent other values"
    for k in ("lost", "dup", "other"):
        for kind in ("samples", "events"):
            assert r[f"{k}_{kind}"] == 0, f"{r[f'{k}_{kind}']} {kind} {k}"
    assert r["gaps"] == 0, f"{r['gaps']} gap events"
    ves_repost(h)


if __name__ == "__main__":
    run("store_reemit", body)
