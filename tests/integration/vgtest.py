"""vgtest - helpers for Vigil's integration tests: real processes on loopback.

Every test starts what it needs with Harness (processes, temp dirs, free ports) and
Harness.close() stops everything, even when the test fails.  Waits are for conditions
with a deadline, never fixed sleeps."""
import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--samples", default="")
    p.add_argument("--source", default="")
    a, _ = p.parse_known_args()
    return a


def scrape_metrics(port, host="127.0.0.1"):
    """A daemon's /metrics on host:port as {sample name with labels: value}, or None while
    nothing answers."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def keygen(bindir, prefix):
    """A new CURVE key pair from `vigil keygen --out PREFIX` (PREFIX.key written 0600):
    returns (public key, path of the secret key file)."""
    os.makedirs(os.path.dirname(prefix), mode=0o700, exist_ok=True)
    subprocess.run([os.path.join(bindir, "vigil"), "keygen", "--out", prefix], check=True, capture_output=True,
                   timeout=30)
    with open(prefix + ".pub") as f:
        return f.read().strip(), prefix + ".key"


def curve_configs(bindir, keydir, agent_id):
    """CURVE sections for one collector and one agent with keys made in keydir: (text under
    the collector's `curve:`, text under the agent's `curve:`, the agent's public key for its
    entry under the collector's `agents`)."""
    srv_pub, srv_key = keygen(bindir, os.path.join(keydir, "collector"))
    a_pub, a_key = keygen(bindir, os.path.join(keydir, f"agent-{agent_id}"))
    return (f"  secret_key_file: {srv_key}\n", f"  server_key: '{srv_pub}'\n  secret_key_file: {a_key}\n", a_pub)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_text(path):
    """A log file's text ("" while it does not exist)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def proc_status(pid, field):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM), or 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def first_per_series_ts(expected):
    """What the store keeps of a Counter of ((series key with its timestamp last), value):
    one sample per (series, timestamp), the first in the Counter's order (the order the
    samples were sent in; docs/DESIGN.md, "Idempotent store").  Returns (Counter, how many
    samples repeated a (series, timestamp))."""
    once, seen = collections.Counter(), set()
    for k, v in expected:
        if k not in seen:
            seen.add(k)
            once[(k, v)] = 1
    return once, sum(expected.values()) - len(once)


def sim_rules(bindir, source, path, calendar=None):
    """Write the default rules (source/detectors/rules.yaml) with the simulated operator's
    change calendar appended (the default rules define no windows; the simulator's nightly
    changes, ticketed reloads and gNB maintenance happen in the windows `vigil sim --windows`
    prints, or those of a wire directory's windows.yaml given as calendar).  Returns path."""
    with open(os.path.join(source, "detectors", "rules.yaml")) as f:
        rules = f.read()
    if calendar:
        with open(calendar) as f:
            cal = f.read()
    else:
        cal = subprocess.run([os.path.join(bindir, "vigil"), "sim", "--windows"], check=True,
                             capture_output=True, text=True).stdout
    with open(path, "w") as f:
        f.write(rules + "\n" + cal)
    return path


def ves_post(port, body, timeout=20):
    """The HTTP status of a POST of body to a VES listener on 127.0.0.1:port, or None when
    the connection failed (the agent down)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/eventListener/v7", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def wait_for(cond, timeout, what, interval=0.05):
    """Poll cond() until it returns a truthy value; fail with `what` after timeout s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def iso(ms):
    """Epoch milliseconds as an ISO 8601 UTC time (whole seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def pm_file(begin_ms, rop_ms, element, info_id, types, rows):
    """A 3GPP TS 32.435 PM XML file from VendorT's gNB `element`: one measInfo `info_id` for
    the period [begin_ms, begin_ms + rop_ms), its measTypes `types` in order and one
    measValue per item of `rows` ({measObjLdn: [value text per type]})."""
    end = iso(begin_ms + rop_ms)
    mtypes = "".join(f'      <measType p="{i + 1}">{t}</measType>\n' for i, t in enumerate(types))
    mvalues = "".join(
        f'      <measValue measObjLdn="{obj}">'
        + "".join(f'<r p="{i + 1}">{v}</r>' for i, v in enumerate(vals)) + "</measValue>\n"
        for obj, vals in rows.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<measCollecFile xmlns="http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec">
  <fileHeader fileFormatVersion="32.435 V10.0" vendorName="VendorT">
    <fileSender elementType="gNB"/>
    <measCollec beginTime="{iso(begin_ms)}"/>
  </fileHeader>
  <measData>
    <managedElement localDn="{element}" swVersion="1.0"/>
    <measInfo measInfoId="{info_id}">
      <granPeriod duration="PT{rop_ms // 1000}S" endTime="{end}"/>
{mtypes}{mvalues}    </measInfo>
  </measData>
  <fileFooter><measCollec endTime="{end}"/></fileFooter>
</measCollecFile>
"""


class Harness:
    def __init__(self, name):
        self.a = args()
        self.bin = self.a.bin
        self.dir = tempfile.mkdtemp(prefix=f"vigil-{name}-")
        self.procs = {}
        self.logs = {}
        self._keys = {}

    # ---- CURVE keys ----
    def keys(self, name):
        """The CURVE key pair `name` (made once by `vigil keygen --out DIR/keys/NAME`):
        (public key, path of the 0600 secret key file).  Every collector of a test shares the
        pair "collector" (an agent has one curve.server_key for its whole failover list);
        each agent id has its own pair "agent-ID"."""
        if name not in self._keys:
            self._keys[name] = keygen(self.bin, os.path.join(self.dir, "keys", name))
        return self._keys[name]

    def curve_env(self, agent_id):
        """Environment for tests/tools/vgsend to speak CURVE as agent_id to the collectors."""
        return dict(os.environ, VGSEND_SERVER_KEY=self.keys("collector")[0],
                    VGSEND_SECRET_KEY_FILE=self.keys(f"agent-{agent_id}")[1])

    # ---- configuration ----
    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def sim_rules(self):
        """The default rules with the simulator's change calendar (sim_rules), written once
        into the test directory: for collectors fed by the sim input.  Returns its path."""
        path = os.path.join(self.dir, "sim-rules.yaml")
        if not os.path.exists(path):
            sim_rules(self.bin, self.a.source, path)
        return path

    @staticmethod
    def _curve_section(curve, keys):
        """The `curve:` section: CURVE with `keys` (curve=True), `insecure: true`
        (curve=False), or none (curve=None: the caller writes its own in `extra`)."""
        if curve is None:
            return ""
        if not curve:
            return "curve:\n  insecure: true\n"
        return "curve:\n" + "".join(f"  {k}: {v}\n" for k, v in keys)

    def collector_config(self, name="collector", port=None, metrics_port=None, agents=("a1",), extra="", ingest="",
                         curve=True):
        """A collector configuration; with curve=True (the default) it uses CURVE with the
        shared "collector" key pair and lists each agent's public key (see keys())."""
        port = port or free_port()
        metrics_port = metrics_port or free_port()
        pub = lambda a: f"    public_key: '{self.keys(f'agent-{a}')[0]}'\n" if curve else ""
        agent_list = "".join(f"  - id: {a}\n{pub(a)}" for a in agents)
        sec = (("secret_key_file", self.keys("collector")[1]),) if curve else ()
        cfg = (f"collector:\n  id: {name}\n  listen: tcp://127.0.0.1:{port}\n"
               f"  metrics_listen: 127.0.0.1:{metrics_port}\n"
               f"store:\n  path: {self.dir}/{name}-store\n  retention: 0\n"
               f"ingest:\n  max_past: 400d\n{ingest}"
               f"{self._curve_section(curve, sec)}"
               f"agents:\n{agent_list}{extra}")
        return self.write(f"{name}.yaml", cfg), port, metrics_port

    def agent_config(self, agent_id, ports, inputs, extra="", metrics_port=None, curve=True, send="", spool=""):
        """An agent configuration; with curve=True (the default) it uses CURVE with its own
        pair "agent-ID" and the collectors' public key (see keys()).  `send` and `spool` add
        keys to those sections ("  window: 2\n"), `extra` whole sections."""
        colls = ", ".join(f"tcp://127.0.0.1:{p}" for p in ports)
        mlisten = f"  metrics_listen: 127.0.0.1:{metrics_port}\n" if metrics_port else ""
        keys = ((("server_key", f"'{self.keys('collector')[0]}'"),
                 ("secret_key_file", self.keys(f"agent-{agent_id}")[1])) if curve else ())
        cfg = (f"agent:\n  id: {agent_id}\n{mlisten}collectors: [{colls}]\n"
               f"spool:\n  dir: {self.dir}/{agent_id}-spool\n  fsync: false\n{spool}"
               f"send:\n  timeout: 2s\n  heartbeat: 500ms\n  primary_retry: 5s\n{send}"
               f"{self._curve_section(curve, keys)}"
               f"inputs:\n{inputs}{extra}")
        return self.write(f"{agent_id}.yaml", cfg)

    def detect_collector(self, agents=("sim1",), detect="tick: 1s\n  save_every: 1s\n"):
        """Start a collector running the default rules with the simulator's calendar
        (sim_rules) with `detect`
        settings; wait for its metrics.  Returns (config path, port, metrics port, store)."""
        rules = self.sim_rules()
        cfg, port, mport = self.collector_config(agents=agents,
                                                 extra=f"detect:\n  enabled: true\n  rules: {rules}\n  {detect}")
        self.collector("collector", cfg)
        wait_for(lambda: self.metrics(mport), 30, "collector metrics endpoint")
        return cfg, port, mport, f"{self.dir}/collector-store"

    def acked_batches(self, *keys):
        """Batches the agents (started under these keys, exited) say were acknowledged: the
        acked= figure of their stop lines."""
        total = 0
        for key in keys:
            found = re.findall(r"\backed=(\d+)", self.log(key))
            assert found, f"{key}: no stop line with acked= in its log"
            total += int(found[-1])
        return total

    def wait_detected(self, mport, timeout=300, agents=()):
        """Wait until the collector's detect stage analysed every accepted batch, and (when
        agent keys are given) until the collector accepted every batch those exited agents
        had acknowledged: a snapshot of /metrics taken before the batches arrived would
        otherwise show 0 >= 0 and pass."""
        need = self.acked_batches(*agents) if agents else 0
        return wait_for(lambda: (lambda m: m if m and m['vigil_detect_queue_batches'] == 0 and
                                 m['vigil_batches_total{result="accepted"}'] >= need and
                                 m['vigil_detect_batches_total{result="ok"}'] >= m['vigil_batches_total{result="accepted"}']
                                 else None)(self.metrics(mport)), timeout, "detect stage caught up")

    # ---- processes ----
    def start(self, key, argv):
        log = open(os.path.join(self.dir, f"{key}.log"), "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs[key] = p
        self.logs[key] = log
        return p

    def collector(self, key, config):
        return self.start(key, [os.path.join(self.bin, "vigil-collector"), "-c", config])

    def agent(self, key, config, *extra):
        return self.start(key, [os.path.join(self.bin, "vigil-agent"), "-c", config, *extra])

    def kill(self, key, sig=signal.SIGKILL, timeout=30):
        p = self.procs.get(key)
        if not p or p.poll() is not None:
            return p.returncode if p else None
        p.send_signal(sig)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait(10)

    def wait_exit(self, key, timeout):
        p = self.procs[key]
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{key} still running after {timeout}s; log:\n{self.log(key)[-3000:]}")

    def log(self, key):
        return read_text(os.path.join(self.dir, f"{key}.log"))

    def metrics(self, port):
        return scrape_metrics(port)

    def vigil(self, *argv, check=True, timeout=300):
        r = subprocess.run([os.path.join(self.bin, "vigil"), *argv], capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"vigil {' '.join(argv)} failed ({r.returncode}): {r.stderr[-2000:]}")
        return r

    def query_json(self, store, *extra):
        r = self.vigil("query", "--store", store, "--format", "json", *extra)
        return [json.loads(l) for l in r.stdout.splitlines() if l]

    def assert_sim_stored_once(self, store, sim_args, start, end):
        """Assert that store holds, in [start, end), exactly the samples and events that
        `vigil sim *sim_args` prints, none twice.  Returns (samples, events)."""
        out = self.vigil("sim", *sim_args)
        exp = sum(1 for l in out.stdout.splitlines() if '"type"' not in l)
        exp_events = sum(1 for l in out.stdout.splitlines() if '"type"' in l)
        rows = self.query_json(store, "--from", start, "--to", end)
        keys = set()
        for r in rows:
            k = (r["device"], r["path"], tuple(sorted(r["labels"].items())), r["ts_ms"])
            assert k not in keys, f"duplicate sample {k}"
            keys.add(k)
        assert len(rows) == exp, f"stored {len(rows)} samples, the simulator produced {exp}"
        ev = self.vigil("query", "--store", store, "--events", "--format", "json", "--from", start, "--to", end)
        nev = sum(1 for l in ev.stdout.splitlines() if l)
        assert nev == exp_events, f"stored {nev} events, the simulator produced {exp_events}"
        return len(rows), nev

    def stop_all(self):
        """SIGTERM every process still running; return [(key, exit status)] of those that did
        not exit cleanly (a sanitizer report or a crash during shutdown)."""
        bad = []
        for key in list(self.procs):
            p = self.procs[key]
            if p.poll() is not None:
                continue
            rc = self.kill(key, signal.SIGTERM, timeout=20)
            if rc != 0:
                bad.append((key, rc))
        return bad

    def close(self, ok):
        self.stop_all()
        for f in self.logs.values():
            f.close()
        if ok:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"logs kept in {self.dir}", file=sys.stderr)
            for key in self.procs:
                print(f"---- {key} log (tail) ----\n{self.log(key)[-4000:]}", file=sys.stderr)


def run(name, body):
    """Run body(harness); exit 0 on success, 1 with a message on failure."""
    h = Harness(name)
    ok = False
    try:
        body(h)
        bad = h.stop_all()
        assert not bad, f"processes did not shut down cleanly on SIGTERM: {bad}"
        ok = True
    except Exception as e:  # noqa: BLE001 - report any failure
        import traceback
        traceback.print_exc()
        print(f"FAIL {name}: {e}", file=sys.stderr)
    finally:
        h.close(ok and not os.environ.get("VG_KEEP"))
    print(f"{'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    sys.exit(0 if ok else 1)
