"""vgkafka - a real Kafka cluster for integration tests (deploy/kafka/kafka.sh on free ports):
start, stop, consume with kcat.  The caller stops it with close(), even when the test fails.
Also what makes alerts for it (fire_logins) and reads them back as a consumer that
deduplicates would (by_alert)."""
import json
import os
import shutil
import socket
import subprocess
import time
from vgtest import free_port

KCAT = shutil.which("kcat")


def port_free(p):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", p))
            return True
        except OSError:
            return False


def port_base(n):
    """A base port with n consecutive free ports."""
    for _ in range(50):
        b = free_port()
        if b + n < 65535 and all(port_free(b + i) for i in range(n)):
            return b
    raise AssertionError("no run of free ports")


class Kafka:
    """One kafka.sh cluster in its own state dir."""

    def __init__(self, h, name, nodes):
        self.script = os.path.join(h.a.source, "deploy", "kafka", "kafka.sh")
        self.dir = os.path.join(h.dir, name)
        self.env = dict(os.environ, VG_KAFKA_STOP_TIMEOUT="20")
        self.env.pop("VG_KAFKA_NODES", None)
        self.nodes = nodes
        self.boot = None

    def sh(self, *args, timeout=300, check=True):
        r = subprocess.run(["bash", self.script, *args, "--dir", self.dir], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"kafka.sh {' '.join(args)} failed ({r.returncode}): {r.stderr[-3000:]}")
        return r

    def start(self):
        t0 = time.monotonic()
        if self.boot is None:
            for attempt in range(3):
                self.env["VG_KAFKA_PORT"] = str(port_base(self.nodes))
                self.env["VG_KAFKA_CONTROLLER_PORT"] = str(port_base(self.nodes))
                r = self.sh("start", "--nodes", str(self.nodes), check=False)
                # Retry a port race, and a random cluster id that starts with '-' (which the
                # storage formatter of kafka.sh then takes for an option).
                if r.returncode == 0 or not ("already in use" in r.stderr or "formatting storage" in r.stderr):
                    break
                self.sh("clean", check=False)
            if r.returncode != 0:
                raise AssertionError(f"kafka.sh start failed: {r.stderr[-3000:]}")
            self.boot = r.stdout.strip().splitlines()[-1]
        else:
            self.sh("start")
        print(f"kafka: {self.nodes} node(s) at {self.boot} up in {time.monotonic() - t0:.1f} s", flush=True)

    def close(self):
        try:
            self.sh("clean", timeout=120, check=False)
        except subprocess.TimeoutExpired:
            pass

    def consume(self, topic):
        """Every message of topic so far: (key, headers dict, payload dict)."""
        r = subprocess.run([KCAT, "-b", self.boot, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                            "-f", "%k\t%h\t%s\n"], capture_output=True, text=True, timeout=60)
        out = []
        for line in r.stdout.splitlines():
            if not line:
                continue
            k, hdr, payload = line.split("\t", 2)
            headers = dict(kv.split("=", 1) for kv in hdr.split(",") if "=" in kv)
            out.append((k, headers, json.loads(payload)))
        return out


def fire_logins(h, agent, port, seq, users, device="lab/r1", must=True):
    """One batch (sequence number seq, epoch 77) from agent to the collector on port, with a
    login from outside the bastion allowlist for each user number in users: one alert each
    under the default rules (c04-login).  The batch must be acknowledged (ingestion never
    waits for Kafka); returns the seconds the acknowledgement took.  must=False: None when
    it was not acknowledged (the collector down), for the caller to send it again."""
    now = int(time.time() * 1000)
    evs = [f"{now + i},login,user=kafka{u},source=198.51.100.{u % 250 + 1},method=ssh,result=success"
           for i, u in enumerate(users)]
    out = os.path.join(h.dir, f"{agent}-{port}-batch{seq}.bin")
    tool = os.path.join(h.bin, "vgsend")
    subprocess.run([tool, "make-events", agent, "77", str(seq), out, device, *evs], check=True, timeout=30)
    t0 = time.monotonic()
    r = subprocess.run([tool, f"tcp://127.0.0.1:{port}", "raw", "2", out], capture_output=True, text=True,
                       timeout=30, env=h.curve_env(agent))
    reply = r.stdout.strip()
    if not must and not reply.startswith("ack 0 "):
        return None
    assert reply.startswith("ack 0 "), f"batch {seq} not acknowledged: {reply!r}"
    return time.monotonic() - t0


def alert_id(doc):
    """What identifies one alert message for a consumer: (finding uid, activity id)."""
    return (doc["finding_info"]["uid"], doc["activity_id"])


def by_alert(messages):
    """Messages (from Kafka.consume) grouped as a deduplicating consumer sees them:
    {alert_id: [(key, headers, payload), ...]}, one list entry per copy on the topic."""
    got = {}
    for k, hdr, doc in messages:
        got.setdefault(alert_id(doc), []).append((k, hdr, doc))
    return got
