"""fault_ves.py - the VES case of the fault-injection suite (faults.py, issue 11 item 3): a
client posts VES 7 fault events (each with its own eventId) one after another (20 ms apart) to an agent's
`ves` input with a real HTTP client, and behaves as a VES client must: a post that got no
answer (the agent down, the connection cut) or 503 is sent again, the same event, until it
is answered 202.  Meanwhile the agent and the collector are SIGKILLed in turn (--kills in
all) each time the client has another 40 acknowledged posts, and started again at once.

Counted per eventId in the store (`vigil query --events`): every event posted is acknowledged
in the end, so each must be stored; lost = an event never stored.  A repeat is allowed only
as docs/RELIABILITY.md says ("What resume means for each input", ves): a post in flight at an
agent kill gets no answer, is sent again and may be stored twice; an event whose every post
was answered 202 at once must be stored exactly once.  Recovery: from the restart until a
post is acknowledged again and every batch the agent's spool held then is acknowledged."""
import collections
import json
import socket
import statistics
import threading
import time

from vgtest import free_port, wait_for
from vgves import fault, post

ACKS_PER_FAULT = 40


class Client:
    """The posting thread: per event, its answers; stops after the current event."""

    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.acked = []                 # eventIds answered 202, in order
        self.unanswered = set()         # eventIds with a post that got no answer before its 202
        self.answers = collections.Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            eid = f"vf-{n}"
            while True:  # the same event until it is acknowledged
                st = post(self.port, fault(eid, int(time.time() * 1e6)))
                with self.lock:
                    self.answers[st] += 1
                    if st == 202:
                        self.acked.append(eid)
                    elif st is None:
                        self.unanswered.add(eid)
                if st == 202:
                    self.stop.wait(0.02)  # about 40 posts a second: a client, not a flood
                    break
                self.stop.wait(0.05)

    def count(self):
        with self.lock:
            return len(self.acked)


def ves_case(h, o, run_cls):
    """run_cls: faults.py's Run (a collector c and an agent a1 with these inputs)."""
    port = free_port()
    inputs = f"  - {{type: ves, listen: '127.0.0.1:{port}', site: ves}}\n"
    run = run_cls(h, inputs)
    client = Client(port)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    run.start_collector()
    h.agent("a1", run.acfg)
    wait_for(listening, 30, "VES listener")
    client.thread.start()
    faults, by_kind = 0, {}
    try:
        for i in range(o.kills):
            need = client.count() + ACKS_PER_FAULT
            wait_for(lambda: client.count() >= need, 120, f"{need} acknowledged posts")
            which = "a1" if i % 2 == 0 else "c"
            h.kill(which)
            t0 = time.monotonic()
            if which == "c":
                run.start_collector()
            else:
                h.agent("a1", run.acfg)
            held = run.held()
            after = client.count()
            wait_for(lambda: client.count() > after and not (held & run.held()), 120,
                     "a post acknowledged and the spool's batches delivered", interval=0.02)
            run.recoveries.append(time.monotonic() - t0)
            by_kind.setdefault(which, []).append(round(run.recoveries[-1], 2))
            faults += 1
        wait_for(lambda: client.count() >= need + ACKS_PER_FAULT, 120, "posts after the last fault")
    finally:
        client.stop.set()
        client.thread.join(60)
    wait_for(lambda: not run.held(), 120, "the agent's spool drained")
    # The agent spools an open batch at its stop: stop it before reading the store.
    rc = h.kill("a1", 15)
    h.kill("c", 15)
    result = {"faults": faults, "wanted": o.kills, "agent_exit": rc, "recovery": max(run.recoveries),
              "recovery_median": statistics.median(run.recoveries), "answers": {str(k): v for k, v in
                                                                                 client.answers.items()},
              "resent_unanswered": len(client.unanswered), "recoveries_s": by_kind}
    result.update(count_ves(h, run, client))
    return result


def count_ves(h, run, client):
    r = h.vigil("query", "--store", run.store, "--events", "--format", "json", "--device", "ves/*")
    ids = collections.Counter(json.loads(l)["attrs"]["eventId"] for l in r.stdout.splitlines() if l)
    sent = collections.Counter(client.acked)
    lost = [e for e in sent if not ids[e]]
    extra = [e for e in ids if e not in sent]
    repeats = {e: ids[e] - 1 for e in sent if ids[e] > 1}
    told = sum(n for e, n in repeats.items() if e in client.unanswered)  # documented at-least-once
    out = {"sent_samples": 0, "stored_samples": 0, "lost_samples": 0, "dup_samples": 0, "other_samples": 0,
           "sent_events": len(sent), "stored_events": sum(ids.values()), "lost_events": len(lost),
           "dup_events": sum(repeats.values()) - told, "dup_resent_unanswered": told, "other_events": len(extra),
           "gaps": 0, "gap_samples": 0, "unit": "events",
           "examples": [f"lost {e}" for e in lost[:3]] + [f"stored {ids[e]}x, answered 202 at once: {e}"
                                                          for e in repeats if e not in client.unanswered][:3]}
    return out

