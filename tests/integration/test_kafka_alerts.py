"""Alerts to a real Kafka broker (deploy/kafka/kafka.sh on free ports, always stopped):

(a) alerts produced by a scenario (logins from outside the bastion allowlist, rule c04-login)
    are consumed with kcat and match `vigil alerts --format json` field by field, with
    key = dedup key and the schema headers;
(b) the broker is stopped for 60 s while alerts fire: ingestion keeps going (every batch is
    acknowledged), the outbox holds the alerts, and after the restart every alert arrives;
(c) the collector is killed with SIGKILL while alerts sit in the outbox: after its restart
    they arrive;
(d) a 3-broker cluster with one broker killed: alerts keep flowing;
(e) a restart with alerts that were delivered but whose outbox deletions were not committed
    (a crash inside the 50 ms deletion window): read back from the topic, not sent again.
Duplicates, if any, carry the same finding uid (they are grouped by it and must be equal)."""
import json
import os
import shutil
import signal
import time
from vgkafka import KCAT, Kafka, alert_id, by_alert, fire_logins
from vgtest import run, wait_for

OUTAGE_S = 60


def superset(ref, doc, path="$"):
    """Every field of ref is in doc with the same value."""
    if isinstance(ref, dict):
        assert isinstance(doc, dict), f"{path}: not an object in the Kafka payload"
        for k, v in ref.items():
            assert k in doc, f"{path}.{k} missing from the Kafka payload"
            superset(v, doc[k], f"{path}.{k}")
    elif isinstance(ref, list):
        assert isinstance(doc, list) and len(doc) == len(ref), f"{path}: array differs"
        for i, (a, b) in enumerate(zip(ref, doc)):
            superset(a, b, f"{path}[{i}]")
    else:
        assert ref == doc, f"{path}: vigil alerts has {ref!r}, Kafka has {doc!r}"


class Scenario:
    def __init__(self, h, name, kafka, topic, agent="a1"):
        self.h, self.name, self.kafka, self.topic, self.agent = h, name, kafka, topic, agent
        self.seq = 0
        self.user = 0
        self.config = None
        self.port = self.mport = None

    def write_config(self):
        rules = os.path.join(self.h.a.source, "detectors", "rules.yaml")
        extra = (f"detect:\n  enabled: true\n  rules: {rules}\n  save_every: 1s\n"
                 f"kafka:\n  enabled: true\n  brokers: {self.kafka.boot}\n  topic: {self.topic}\n"
                 f"  flush_timeout: 1s\n"
                 f"  properties:\n    - {{key: message.timeout.ms, value: \"900000\"}}\n"
                 f"    - {{key: reconnect.backoff.max.ms, value: \"1000\"}}\n")
        self.config, self.port, self.mport = self.h.collector_config(name=self.name, agents=(self.agent,),
                                                                     extra=extra)

    def start(self):
        self.h.collector(self.name, self.config)
        wait_for(lambda: self.h.metrics(self.mport), 30, f"{self.name} up")

    def metric(self, key):
        m = self.h.metrics(self.mport) or {}
        return m.get(key, 0)

    def fire(self, n, device="lab/r1"):
        """One batch with n logins from outside the bastion allowlist: n new alerts.  The
        batch must be acknowledged (ingestion never waits for Kafka)."""
        self.seq += 1
        self.user += n
        return fire_logins(self.h, self.agent, self.port, self.seq, range(self.user - n + 1, self.user + 1), device)

    def stored(self):
        r = self.h.vigil("alerts", "--store", f"{self.h.dir}/{self.name}-store", "--format", "json")
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def wait_stored(self, n, timeout=60):
        return wait_for(lambda: len(self.stored()) >= n and self.stored(), timeout, f"{n} alerts stored")

    def check_arrived(self, timeout=90):
        """Every stored alert is on the topic, equal field by field; returns the counts."""
        want = self.stored()

        def arrived():
            got = by_alert(self.kafka.consume(self.topic))
            missing = [alert_id(a) for a in want if alert_id(a) not in got]
            return (got, missing) if not missing else None

        got, _ = wait_for(arrived, timeout, f"{len(want)} alerts on {self.topic}", interval=1.0)
        dups = 0
        for a in want:
            copies = got[alert_id(a)]
            dups += len(copies) - 1
            for k, hdr, doc in copies:
                superset(a, doc)
                assert k == a["metadata"]["correlation_uid"], f"key {k!r} is not the dedup key"
                assert hdr.get("schema") == "ocsf.detection_finding", f"headers {hdr}"
                assert hdr.get("schema-version") == "1.8.0" and hdr.get("content-type") == "application/json"
                assert doc["class_uid"] == 2004 and "replay" in doc["unmapped"]["nte"]
            # Duplicates are the same message (same finding uid, same metadata.uid).
            assert len({c[2]["metadata"]["uid"] for c in copies}) == 1, "duplicates differ"
        return len(want), dups


def single_node(h):
    kafka = Kafka(h, "kafka1", 1)
    h.kafkas.append(kafka)
    kafka.start()
    sc = Scenario(h, "c", kafka, "telemetry.alerts.test")
    sc.write_config()
    sc.start()

    # (a) field by field.
    sc.fire(10)
    sc.wait_stored(10)
    n, dups = sc.check_arrived()
    assert n == 10, f"{n} alerts stored, want 10"
    wait_for(lambda: sc.metric('vigil_kafka_alerts_total{result="delivered"}') >= 10, 30, "deliveries counted")
    print(f"(a) {n} alerts on Kafka equal to vigil alerts field by field ({dups} duplicates)", flush=True)

    # (b) broker down for 60 s while alerts fire; ingestion keeps going.
    kafka.sh("stop")
    t_down = time.monotonic()
    fired, acks = 0, []
    while time.monotonic() - t_down < OUTAGE_S - 5:
        acks.append(sc.fire(5))
        fired += 5
        time.sleep(8)
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") >= fired, 30, f"{fired} alerts in the outbox")
    assert max(acks) < 5, f"a batch took {max(acks):.1f} s to be acknowledged during the outage"
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - t_down)))
    kafka.start()
    n, dups = sc.check_arrived()
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") == 0, 30, "outbox empty")
    print(f"(b) broker down {time.monotonic() - t_down:.0f} s, {fired} alerts fired meanwhile "
          f"(acks <= {max(acks) * 1000:.0f} ms); all {n} arrived ({dups} duplicates)", flush=True)

    # (c) SIGKILL while alerts sit in the outbox.
    kafka.sh("stop")
    sc.fire(7)
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") >= 7, 30, "7 alerts in the outbox")
    h.kill(sc.name, signal.SIGKILL)
    sc.start()
    left = wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts"), 30, "outbox reloaded")
    assert left >= 7, f"outbox holds {left} after the restart, want >= 7"
    kafka.start()
    n, dups = sc.check_arrived()
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") == 0, 30, "outbox empty")
    assert sc.metric('vigil_kafka_alerts_total{result="resent"}') >= 7
    print(f"(c) after SIGKILL with {left:.0f} alerts in the outbox: all {n} arrived ({dups} duplicates)", flush=True)

    # (e) delivered, but the outbox deletions never committed (the state a crash between the
    # broker's acknowledgement and the 50 ms deletion commit leaves): the restarted collector
    # reads the topic back and sends none of them again.  Made deterministic with a copy of
    # the store taken while the alerts sat in the outbox.
    kafka.sh("stop")
    sc.fire(6)
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") >= 6, 30, "6 alerts in the outbox")
    h.kill(sc.name, signal.SIGTERM)
    store = f"{h.dir}/{sc.name}-store"
    shutil.copytree(store, store + ".copy")
    kafka.start()
    sc.start()
    n, dups_before = sc.check_arrived()
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") == 0, 60, "outbox empty")
    h.kill(sc.name, signal.SIGTERM)
    shutil.rmtree(store)
    os.rename(store + ".copy", store)
    sc.start()
    wait_for(lambda: sc.metric('vigil_kafka_alerts_total{result="already_delivered"}') >= 6, 60,
             "the delivered outbox records found on the topic")
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") == 0, 30, "outbox empty")
    n, dups = sc.check_arrived()
    again = sc.metric('vigil_kafka_alerts_total{result="already_delivered"}')
    assert dups == dups_before, f"{dups - dups_before} alerts sent twice after the restart"
    assert sc.metric('vigil_kafka_alerts_total{result="resent"}') == 0, "outbox records were sent again"
    print(f"(e) restart with {again:.0f} delivered alerts still in the outbox: none sent again "
          f"({n} alerts, {dups} duplicates in all)", flush=True)
    h.kill(sc.name, signal.SIGTERM)
    kafka.close()


def three_nodes(h):
    kafka = Kafka(h, "kafka3", 3)
    h.kafkas.append(kafka)
    kafka.start()
    sc = Scenario(h, "c3", kafka, "telemetry.alerts.cluster", agent="a3")
    sc.write_config()
    sc.start()
    sc.fire(10)
    sc.wait_stored(10)
    sc.check_arrived()
    kafka.sh("kill", "1")
    for _ in range(3):
        sc.fire(10)
        time.sleep(1)
    sc.wait_stored(40)
    n, dups = sc.check_arrived()
    assert n == 40
    wait_for(lambda: sc.metric("vigil_kafka_outbox_alerts") == 0, 60, "outbox empty")
    print(f"(d) 3-broker cluster, node 1 killed: all {n} alerts arrived ({dups} duplicates)", flush=True)
    kafka.close()


def body(h):
    # A test-runner timeout (SIGTERM) unwinds through the finally below: no broker is left.
    def on_term(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    assert KCAT, "kcat not found (deploy/deps.sh installs it)"
    h.kafkas = []
    try:
        single_node(h)
        three_nodes(h)
    finally:
        for k in h.kafkas:
            k.close()


run("kafka_alerts", body)
