"""vigil replay to a real Kafka topic (deploy/kafka/kafka.sh, one broker on free ports, always
stopped): a store written by agent -> collector (two simulated days of the `catalog`
scenario) is replayed once to a file and once to a topic; the topic then holds exactly the
file's alerts (metadata.log_name aside: the topic), one message each, keyed by the dedup key,
with the collector's headers plus
`vigil-replay: true`.  With an unreachable broker the replay reports every alert
undelivered and exits 1 (after the 30 s message timeout) instead of hanging."""
import json
import os
import signal
import subprocess
from vgkafka import KCAT, Kafka
from vgtest import free_port, run

START, END = "2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z"


def body(h):
    assert KCAT, "kcat not found (deploy/deps.sh installs it)"
    cfg, port, mport, store = h.detect_collector()
    sim = ("  - type: sim\n    seed: 3\n    sites: 2\n    scenario: catalog\n"
           f"    start: {START}\n    end: {END}\n    interval: 300s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim), "--exit-when-done")
    assert h.wait_exit("sim1", 600) == 0, "sim agent failed"
    h.wait_detected(mport, agents=("sim1",))
    assert h.kill("collector", signal.SIGTERM) == 0

    out = os.path.join(h.dir, "replay.ndjson")
    h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END, "--out", out)
    want = [json.loads(l) for l in open(out) if l.strip()]
    assert len(want) > 20, len(want)

    kafka = Kafka(h, "kafka1", 1)

    def on_term(signum, _frame):
        raise SystemExit(f"terminated by signal {signum}")
    signal.signal(signal.SIGTERM, on_term)
    try:
        kafka.start()
        r = h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END,
                    "--kafka-topic", "replay.alerts", "--brokers", kafka.boot, timeout=180)
        assert f"{len(want)} alerts" in r.stderr, r.stderr
        got = kafka.consume("replay.alerts")
        assert len(got) == len(want), (len(got), len(want))
        # The same documents, but for metadata.log_name: the topic (absent in the file).
        for _, _, p in got:
            assert p["metadata"].pop("log_name") == "replay.alerts", p["metadata"]
        assert sorted(json.dumps(p, sort_keys=True) for _, _, p in got) == \
            sorted(json.dumps(p, sort_keys=True) for p in want), "the topic differs from the file"
        for key, headers, payload in got:
            assert key == payload["unmapped"]["nte"]["dedup_key"], (key, payload["unmapped"]["nte"]["dedup_key"])
            assert headers.get("vigil-replay") == "true" and headers.get("schema") == "ocsf.detection_finding", headers
            assert payload["unmapped"]["nte"]["replay"]["replayed"] is True
        print(f"{len(got)} replayed alerts on the topic, equal to the file", flush=True)
    finally:
        kafka.close()

    # No broker: every delivery fails after the message timeout (30 s); the replay says so and
    # exits 1 instead of hanging or claiming success.
    dead = f"127.0.0.1:{free_port()}"
    r = subprocess.run([os.path.join(h.bin, "vigil"), "replay", "--store", store, "--config", cfg, "--from", START,
                        "--to", END, "--kafka-topic", "x", "--brokers", dead], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 1 and f"{len(want)} alerts not delivered" in r.stderr, (r.returncode, r.stderr[-2000:])


run("replay_kafka", body)
