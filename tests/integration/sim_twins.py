"""sim_twins - what the tests that compare a collector with an uninterrupted reference
(test_detect_journal.py, test_reload.py) share: agents of the same identity feeding the
same simulated fleet to each collector, and the alert records to compare."""
import json

START, END = "2026-11-01T00:00:00Z", "2026-11-04T00:00:00Z"


def alerts(h, store):
    """The alert records of store: (rule, uid, activity, data time), in store order."""
    r = h.vigil("alerts", "--store", store, "--from", "2026-10-01T00:00:00Z", "--format", "json")
    out = []
    for line in r.stdout.splitlines():
        a = json.loads(line)
        out.append((a["finding_info"]["analytic"]["name"], a["finding_info"]["uid"], a["activity_id"], a["time"]))
    return out


def agent_config(h, key, port):
    """Agent sim1 (the same identity and CURVE pair for both collectors), its own spool:
    three simulated days (catalog scenario, 2 sites) at full speed to port."""
    return h.write(f"{key}.yaml",
                   f"agent:\n  id: sim1\ncollectors: [tcp://127.0.0.1:{port}]\n"
                   f"spool:\n  dir: {h.dir}/{key}-spool\n  fsync: false\n"
                   "send:\n  timeout: 2s\n  heartbeat: 500ms\n"
                   f"curve:\n  server_key: '{h.keys('collector')[0]}'\n  secret_key_file: {h.keys('agent-sim1')[1]}\n"
                   "batch:\n  max_samples: 1024\n"
                   "inputs:\n  - type: sim\n    seed: 3\n    sites: 2\n    scenario: catalog\n"
                   f"    start: {START}\n    end: {END}\n    interval: 300s\n    speed: max\n")
