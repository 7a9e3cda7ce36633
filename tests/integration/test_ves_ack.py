"""VES: a post answered 2xx is spooled, so an agent SIGKILL right after the answer loses nothing.

A client thread POSTs VES 7 fault events (each with its own eventId) one after another to the
agent's VES listener with a real HTTP client and records which posts were answered 202.  The
agent runs with batch.max_age 30s, so a batch is not spooled by age during the test: only the
acknowledgement path can have spooled it.  Three times, once the client has some answers, the
agent is SIGKILLed while the client keeps posting, then restarted.  At the end every event the
client was told was accepted is in the store exactly once (posts that got no answer may or
may not be stored: the client would send them again).  With the old input (202 once the event
was in the open batch) the acknowledged events of each round were lost.

Before that, with the collector not yet started and a 1 MiB spool, a second agent is posted
large event batches until the spool has no room: it answers 503 with Retry-After; once the
collector is up and the spool drains, posts are acknowledged again, and every event of an
acknowledged post is stored once."""
import collections
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from vgtest import free_port, run, wait_for
from vgves import fault, post

ROUNDS, ACKS_PER_ROUND = 3, 25


def big_batch(tag, n, rnd, now_us):
    """An eventBatch of n fault events (ids TAG-0..), each with 400 random hex characters
    (in attributes the decoder keeps), so the batches hardly compress."""
    return json.dumps({"eventList": [{
        "commonEventHeader": {
            "version": "4.1", "vesEventListenerVersion": "7.2.1", "domain": "fault",
            "eventName": "F%x" % rnd.getrandbits(800), "eventId": f"{tag}-{k}", "sequence": k,
            "priority": "High", "reportingEntityName": "full-element", "sourceName": "full-element",
            "startEpochMicrosec": now_us, "lastEpochMicrosec": now_us},
        "faultFields": {
            "faultFieldsVersion": "4.0", "alarmCondition": "%x" % rnd.getrandbits(800), "eventSourceType": "port",
            "specificProblem": "full test", "eventSeverity": "MAJOR",
            "vfStatus": "Active"}} for k in range(n)]}).encode()


def post_full(port, body):
    """(HTTP status, Retry-After header) of a POST to /eventListener/v7/eventBatch."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/eventListener/v7/eventBatch", data=body,
                                 method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers.get("Retry-After")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After")
    except OSError:
        return None, None


def stored_ids(h, store, device):
    r = h.vigil("query", "--store", store, "--events", "--format", "json", "--device", device)
    return collections.Counter(json.loads(l)["attrs"]["eventId"] for l in r.stdout.splitlines() if l)


def spool_full_phase(h, cfg, mport):
    """Collector down, 1 MiB spool: 503 + Retry-After once full; 202 again after it drains."""
    fport = free_port()
    cport = int(open(cfg).read().split("listen: tcp://127.0.0.1:")[1].split()[0])
    inputs = f"  - {{type: ves, listen: '127.0.0.1:{fport}', site: full}}\n"
    acfg = h.agent_config("vesfull", [cport], inputs, spool="  max_bytes: 1MiB\n")
    agent = h.agent("vesfull", acfg)
    rnd = random.Random(11)
    acked, n = [], 0

    def one():
        nonlocal n
        n += 1
        st, ra = post_full(fport, big_batch(f"full-{n}", 100, rnd, int(time.time() * 1e6)))
        if st == 202:
            acked.append(f"full-{n}")
        return st, ra
    wait_for(lambda: agent.poll() is not None or one()[0] is not None, 30, "VES listener of vesfull")
    got = wait_for(lambda: (lambda r: r if r[0] != 202 else None)(one()), 120, "a refusal once the spool is full")
    assert got == (503, "5"), f"spool full: answered {got}, expected 503 with Retry-After: 5"
    print(f"spool full after {len(acked)} acknowledged posts of 100 events: 503, Retry-After {got[1]}")
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")
    wait_for(lambda: one()[0] == 202, 120, "posts acknowledged again once the spool drains")
    store = f"{h.dir}/collector-store"
    want = [f"{tag}-{k}" for tag in acked for k in range(100)]
    ids = wait_for(lambda: (lambda c: c if all(c[e] for e in want) else None)(stored_ids(h, store, "full/*")),
                   120, "every event of the acknowledged posts stored")
    dup = [e for e in want if ids[e] != 1]
    assert not dup, f"events stored more than once: {dup[:5]}"
    print(f"{len(acked)} acknowledged posts ({len(want)} events) stored once each")
    h.kill("vesfull", 15)


def body(h):
    cfg, cport, mport = h.collector_config(agents=("vesack", "vesfull"))
    spool_full_phase(h, cfg, mport)
    ves_port = free_port()
    inputs = f"  - {{type: ves, listen: '127.0.0.1:{ves_port}', site: ves}}\n"
    acfg = h.agent_config("vesack", [cport], inputs, extra="batch:\n  max_age: 30s\n")

    acked, statuses = [], collections.Counter()
    state = {"stop": False, "n": 0}

    def client():
        while not state["stop"]:
            state["n"] += 1
            eid = f"ack-{state['n']}"
            st = post(ves_port, fault(eid, int(time.time() * 1e6)))
            statuses[st] += 1
            if st == 202:
                acked.append(eid)
            elif st is None:
                time.sleep(0.02)  # agent down: the client retries with new events

    def listening():
        try:
            socket.create_connection(("127.0.0.1", ves_port), timeout=1).close()
            return True
        except OSError:
            return False

    t = threading.Thread(target=client, daemon=True)
    started = False
    for r in range(ROUNDS):
        agent = h.agent("vesack", acfg)
        wait_for(lambda: listening() or agent.poll() is not None, 30, "VES listener")
        assert agent.poll() is None, f"agent exited:\n{h.log('vesack')[-2000:]}"
        if not started:
            t.start()
            started = True
        need = len(acked) + ACKS_PER_ROUND
        wait_for(lambda: len(acked) >= need, 60, f"{ACKS_PER_ROUND} acknowledged posts in round {r}")
        h.kill("vesack")
        print(f"round {r}: SIGKILL after {len(acked)} acknowledged posts")
    state["stop"] = True
    t.join(30)
    assert not t.is_alive(), "client still posting"
    # Restart: the spool delivers what the killed agents acknowledged.
    h.agent("vesack", acfg)
    store = f"{h.dir}/collector-store"

    def stored():
        r = h.vigil("query", "--store", store, "--events", "--format", "json", "--device", "ves/*")
        ids = collections.Counter(json.loads(l)["attrs"]["eventId"] for l in r.stdout.splitlines() if l)
        return ids if all(ids[e] for e in acked) else None
    try:
        ids = wait_for(stored, 60, "every acknowledged event stored")
    except AssertionError:
        r = h.vigil("query", "--store", store, "--events", "--format", "json", "--device", "ves/*")
        ids = collections.Counter(json.loads(l)["attrs"]["eventId"] for l in r.stdout.splitlines() if l)
        lost = [e for e in acked if not ids[e]]
        raise AssertionError(f"{len(lost)} of {len(acked)} acknowledged events lost, e.g. {lost[:5]}")
    dup = [e for e in acked if ids[e] != 1]
    assert not dup, f"acknowledged events stored more than once: {dup[:5]}"
    print(f"{len(acked)} acknowledged events stored once each; {sum(ids.values())} stored, "
          f"{state['n']} posted, answers {dict(statuses)}")
    assert statuses[503] == 0 and statuses[400] == 0, statuses


run("ves_ack", body)
