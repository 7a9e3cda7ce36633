"""fault_kafka.py - the Kafka case of the fault-injection suite (faults.py, issue 11 item 3):
a collector with the detect stage and the Kafka alerter, a real broker (deploy/kafka/kafka.sh,
the integration tests' vgkafka), alerts raised all along (batches of logins from outside the
bastion allowlist, one alert each, sent with vgsend as agent a1), and three kinds of fault:

  1. the broker stopped for --kafka-down seconds while alerts are raised (5 a second);
  2. the broker stopped, 200 alerts raised into the outbox, the collector SIGKILLed with that
     full outbox and started again, then the broker;
  3. --kafka-kills times, broker up, alerts raised all along (a batch of 10 every 20 ms,
     each sent again until acknowledged): the collector SIGKILLed every 2 s and started again at
     once, so kills land while deliveries and their outbox deletions (committed every
     50 ms) are in progress: a record delivered but not yet deleted must not reach the
     topic twice (the restarted collector reads the topic back).

Counted as a consumer reading the whole topic sees it: every alert the store holds (`vigil
alerts`) must be on the topic exactly once per (finding uid, activity id), nothing else on
it; the store must hold one alert per login raised.  Recovery: from the end of a fault (the
broker answering again, or the collector started again) until the topic holds as many
messages as alerts were raised before it (its end offset: a full read would chase the topic
while alerts are raised) and, for 1 and 2, the outbox is empty.  Skipped when kcat or java is missing."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import threading
import time

from vgkafka import KCAT, Kafka, alert_id, by_alert, fire_logins
from vgtest import wait_for

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TOPIC = "telemetry.alerts.faults"


class Alerting:
    """The collector under test, with detect and the Kafka alerter, and the alerts raised."""

    def __init__(self, h, kafka):
        self.h = h
        rules = os.path.join(h.a.source, "detectors", "rules.yaml")
        extra = (f"detect:\n  enabled: true\n  rules: {rules}\n  save_every: 1s\n"
                 f"kafka:\n  enabled: true\n  brokers: {kafka.boot}\n  topic: {TOPIC}\n  flush_timeout: 1s\n"
                 f"  properties:\n    - {{key: message.timeout.ms, value: \"900000\"}}\n"
                 f"    - {{key: reconnect.backoff.max.ms, value: \"1000\"}}\n")
        self.cfg, self.port, self.mport = h.collector_config(name="c", agents=("a1",), extra=extra)
        self.store = f"{h.dir}/c-store"
        self.seq = self.raised = 0
        self.acks = []
        self.recoveries = []
        self.already_delivered = 0
        self.kafka = kafka
        self.lock = threading.Lock()

    def start(self):
        self.h.collector("c", self.cfg)
        wait_for(lambda: self.h.metrics(self.mport), 60, "collector metrics endpoint")

    def metric(self, key):
        return (self.h.metrics(self.mport) or {}).get(key, 0)

    def raise_alerts(self, n, must=True):
        """A batch of n alerts; False (must=False) when it was not acknowledged: the caller
        sends the same batch again."""
        users = range(self.raised + 1, self.raised + n + 1)
        t = fire_logins(self.h, "a1", self.port, self.seq + 1, users, must=must)
        if t is None:
            return False
        with self.lock:
            self.seq += 1
            self.raised += n
            if must:  # the broker down: ingestion must not wait for it
                self.acks.append(t)
        return True

    def raise_until(self, stop):
        """A batch of 10 alerts every 20 ms until stop is set (a thread).  A batch that got
        no answer (the collector killed) is sent again until acknowledged, stop or not: it
        may have been committed, and its alerts raised."""
        while not stop.wait(0.02):
            for _ in range(60):  # about 3 min (vgsend waits 3 s for an answer)
                if self.raise_alerts(10, must=False):
                    break

    def raise_for(self, seconds, n=5):
        """n alerts a second for `seconds`."""
        t0 = time.monotonic()
        for i in range(int(seconds)):
            self.raise_alerts(n)
            time.sleep(max(0.0, t0 + i + 1 - time.monotonic()))

    def outbox(self):
        return self.metric("vigil_kafka_outbox_alerts")

    def wait_outbox(self, n):
        """Until the detect stage has staged the alerts raised so far: at least n in the outbox."""
        wait_for(lambda: self.outbox() >= n, 60, f"{n} alerts in the outbox")

    def on_topic(self):
        """Messages on the topic: its end offset (one partition, as the broker creates it).
        Read cheaply while alerts are raised (a full read chases the growing topic)."""
        r = subprocess.run([KCAT, "-b", self.kafka.boot, "-Q", "-t", f"{TOPIC}:0:-1"], capture_output=True,
                           text=True, timeout=30)
        words = r.stdout.split()
        return int(words[-1]) if r.returncode == 0 and words and words[-1].isdigit() else 0

    def recover(self, t0, raised, outbox=True, record=True):
        """Until the topic holds at least `raised` messages (and, outbox: the outbox is
        empty); record: the time since t0 is a fault's recovery.  Duplicates would end it
        early, but they are counted at the end."""
        def done():
            if outbox and not (self.h.metrics(self.mport) and self.outbox() == 0):
                return False
            return self.on_topic() >= raised
        wait_for(done, 180, f"{raised} alerts on the topic", interval=0.02)
        if record:
            self.recoveries.append(time.monotonic() - t0)

    def kill(self):
        """SIGKILL the collector and start it again; add up what the killed one had found
        delivered at its own start (read back from the topic)."""
        self.already_delivered += self.metric('vigil_kafka_alerts_total{result="already_delivered"}')
        self.h.kill("c")
        self.start()


def kafka_case(h, o):
    if not KCAT or not shutil.which("java"):
        return {"skipped": "kcat or java missing (deploy/deps.sh installs them)"}
    h.a.source = h.a.source or ROOT
    kafka = Kafka(h, "kafka", 1)
    try:
        kafka.start()
        return kafka_run(h, o, kafka)
    finally:
        h.stop_all()
        kafka.close()


def kafka_run(h, o, kafka):
    a = Alerting(h, kafka)
    a.start()
    a.raise_alerts(10)
    wait_for(lambda: a.metric('vigil_kafka_alerts_total{result="delivered"}') >= 10, 60, "first alerts delivered")
    faults = 0

    # 1. The broker down while alerts are raised; ingestion goes on.
    kafka.sh("stop")
    before = a.raised
    a.raise_for(o.kafka_down)
    a.wait_outbox(a.raised - before)
    kafka.start()
    a.recover(time.monotonic(), a.raised)
    faults += 1

    # 2. A collector SIGKILL with a full outbox (the broker down), then the broker back.
    kafka.sh("stop")
    for _ in range(20):
        a.raise_alerts(10)
    a.wait_outbox(200)
    a.kill()
    kafka.start()
    a.recover(time.monotonic(), a.raised)
    faults += 1

    # 3. SIGKILLs while alerts flow: deliveries and deletions in progress.
    stop = threading.Event()
    raiser = threading.Thread(target=a.raise_until, args=(stop,))
    raiser.start()
    try:
        for _ in range(o.kafka_kills):
            time.sleep(2)
            with a.lock:
                raised = a.raised
            a.kill()
            a.recover(time.monotonic(), raised, outbox=False)
            faults += 1
    finally:
        stop.set()
        raiser.join()
    a.recover(time.monotonic(), a.raised, record=False)  # the last alerts delivered
    a.already_delivered += a.metric('vigil_kafka_alerts_total{result="already_delivered"}')
    rc = h.kill("c", signal.SIGTERM)
    result = {"faults": faults, "wanted": 2 + o.kafka_kills, "agent_exit": 0, "recovery": max(a.recoveries),
              "recovery_median": statistics.median(a.recoveries), "raised": a.raised,
              "slowest_ack_s": round(max(a.acks), 3), "already_delivered": a.already_delivered, "unit": "alerts"}
    result.update(count_alerts(h, a, kafka))
    if result.get("why"):
        pass
    elif rc != 0:
        result["why"] = f"collector exited {rc} on SIGTERM"
    elif result["sent_events"] != a.raised:
        result["why"] = f"{result['sent_events']} alerts in the store for {a.raised} logins raised"
    elif max(a.acks) >= 5:
        result["why"] = f"a batch took {max(a.acks):.1f} s to be acknowledged (ingestion waited for Kafka)"
    return result


def count_alerts(h, a, kafka):
    """The store's alerts against the topic as a deduplicating consumer reads it, in the
    table's fields (alerts counted as events, no samples)."""
    r = h.vigil("alerts", "--store", a.store, "--format", "json")
    stored = [alert_id(json.loads(l)) for l in r.stdout.splitlines() if l.strip()]
    topic = by_alert(kafka.consume(TOPIC))
    want = set(stored)
    lost = [k for k in want if k not in topic]
    dup = sum(len(c) - 1 for c in topic.values())
    other = [k for k in topic if k not in want]
    differ = [k for k, c in topic.items() if len({x[2]["metadata"]["uid"] for x in c}) > 1]
    out = {"sent_samples": 0, "stored_samples": 0, "lost_samples": 0, "dup_samples": 0, "other_samples": 0,
           "sent_events": len(stored), "stored_events": sum(len(c) for c in topic.values()),
           "lost_events": len(lost), "dup_events": dup + len(stored) - len(want), "other_events": len(other),
           "gaps": 0, "gap_samples": 0, "examples": [f"not on the topic: {k}" for k in lost[:3]] +
           [f"on the topic, not in the store: {k}" for k in other[:3]]}
    if differ:
        out["why"] = f"{len(differ)} alerts with copies that differ (metadata.uid)"
    return out
