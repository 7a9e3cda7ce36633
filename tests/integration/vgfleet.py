"""vgfleet - the frame the fleet-tier tests (test_fleet*.py) share: a real one-node Kafka broker
around a scenario, a site collector that detects and publishes to the fleet topic, fleet
instances (`vigil-collector --role fleet`), the outbox ids on the fleet topic, and the KPI
counter samples the simulator makes (what the fleet's KPI stage must count).  Nothing here
asserts a test's outcome: each test keeps its own checks."""
import json
import os
import re
import subprocess
from vgkafka import KCAT, Kafka
from vgtest import wait_for

KPI_COUNTERS = {"RRC.ConnEstabSucc", "RRC.ConnEstabAtt", "MM.HoExeInterSucc", "MM.HoExeInterReq", "RM.RegInitSucc",
                "RM.RegInitReq", "SM.PduSessionCreationSucc", "SM.PduSessionCreationReq"}


def kafka_body(scenario):
    """A test body that runs scenario(h, kafka) on a fresh one-node broker, and stops every
    process and the broker afterwards, even when the scenario fails."""
    def body(h):
        kafka = Kafka(h, "kafka", 1)
        try:
            kafka.start()
            scenario(h, kafka)
        finally:
            h.stop_all()
            kafka.close()
    return body


def shipped_rules(h):
    """The default rules file of the source tree."""
    return os.path.join(h.a.source, "detectors", "rules.yaml")


def site_config(h, kafka, topic, agents, partitions=3, rules=None, fleet=""):
    """A site collector's configuration: detection on rules (default: the shipped rules), state
    saved every second, no lateness, and a fleet block on kafka's broker with `partitions`,
    the further fleet keys `fleet` (each line indented two spaces) and publish.topic = topic.
    Returns (path, port, metrics port)."""
    return h.collector_config(
        name="site", agents=agents,
        extra=f"detect:\n  enabled: true\n  rules: {rules or shipped_rules(h)}\n  save_every: 1s\n  lateness: 0s\n"
              f"fleet:\n  brokers: {kafka.boot}\n  partitions: {partitions}\n{fleet}  publish:\n    topic: {topic}\n")


def start_site(h, name, cfg):
    """Start a site collector on cfg and wait until its fleet publisher runs."""
    h.collector(name, cfg)
    wait_for(lambda: "publishing to fleet topic" in h.log(name), 60, f"{name} collector publishing")


def fleet_keys(topic, state, group, commit_every):
    """The fleet block's keys of a consumer-group member (each indented two spaces)."""
    return (f"  topic: {topic}\n  state_topic: {state}\n  group: {group}\n  commit_every: {commit_every}\n"
            f"  session_timeout: 6s\n")


def fleet_config(h, kafka, name, partitions, keys, alerts=None, rules=None):
    """A fleet instance's configuration (no CURVE: it listens to no agent): the rules (default:
    the shipped ones), a fleet block on kafka's broker with `partitions` and keys
    (fleet_keys), and its alerts to kafka's topic `alerts` (the default topic when None).
    Returns (path, port, metrics port)."""
    topic = f"  topic: {alerts}\n" if alerts else ""
    return h.collector_config(
        name=name, curve=False,
        extra=f"detect:\n  rules: {rules or shipped_rules(h)}\nfleet:\n  brokers: {kafka.boot}\n  partitions: {partitions}\n"
              f"{keys}kafka:\n  brokers: {kafka.boot}\n{topic}")


def start_fleet(h, name, cfg):
    """Start `vigil-collector --role fleet` on cfg as process name."""
    h.start(name, [os.path.join(h.bin, "vigil-collector"), "--role", "fleet", "-c", cfg])


def outbox_ids(kafka, topic, origin="site"):
    """The outbox ids of origin's messages on topic (their `vigil-outbox` header "origin:<id>")
    and how many messages the topic holds.  VG_OUTBOX_DUMP=FILE keeps kcat's "partition offset
    key headers" lines for a look at a gap."""
    r = subprocess.run([KCAT, "-b", kafka.boot, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f",
                        "%p %o %k %h\n"], capture_output=True, text=True, timeout=60)
    lines = r.stdout.splitlines()
    ids = [int(m.group(1)) for l in lines for m in [re.search(rf"vigil-outbox={origin}:(\d+)", l)] if m]
    with open(os.environ.get("VG_OUTBOX_DUMP", "/dev/null"), "w") as f:
        f.write(r.stdout)
    return ids, len(lines)


def id_runs(ids):
    """Sorted ids split into maximal ranges of consecutive ids: [(first, last)].  The outbox
    allocates ids in commit order, so each run of a publisher is one range: a committed
    message missing from the topic leaves a hole."""
    out = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [tuple(r) for r in out]


def sim_kpi_samples(h, seed, sites, start, end, interval="60s"):
    """How many KPI counter samples `vigil sim` makes for these parameters (start and end as
    ISO times): the count the fleet's KPI stage must apply from the same simulated fleet."""
    out = h.vigil("sim", "--seed", str(seed), "--sites", str(sites), "--interval", interval, "--start", start,
                  "--end", end)
    pm = re.compile(r'"path":"(RRC|MM|RM|SM)\.')
    n = 0
    for line in out.stdout.splitlines():
        if pm.search(line) and '"type"' not in line:
            d = json.loads(line)
            n += d["path"] in KPI_COUNTERS and d.get("kind", "counter") == "counter"
    return n
