"""Detectors in the collector: agent -> collector -> detect stage -> alerts in the store.

A collector runs with the default rules (detectors/rules.yaml) and the simulated operator's
change calendar (`vigil sim --windows`).  An agent streams a few
simulated hours at full speed; then crafted batches (vgsend make-events) inject security
events on one device and benign look-alikes on another:
  * a config change outside the change window, a login from outside the bastion range and
    a crash reboot must alert (I01, C04, I03); they come from another source (agent "inj")
    a day later in data time, which must not make the simulator's devices look silent (each
    source has its own clock; a finished replay is not a silence);
  * a config change inside the nightly change window and a login from the bastion range
    must not.
The collector is stopped (SIGTERM) and restarted: the alerts are still listed, and a
further change on the same device continues the open episode instead of raising a new one
(detector state saved and restored).  The same crafted batches replayed into a fresh
collector give identical alert uids (determinism).  Finally `vigil detect` scores a CSV
with a step change."""
import json
import os
import random
import subprocess
from vgtest import run, wait_for

SIM_START, SIM_END = "2026-11-01T00:00:00Z", "2026-11-01T06:00:00Z"
DAY = 86400000


def alerts(h, store):
    r = h.vigil("alerts", "--store", store, "--format", "json")
    return [json.loads(l) for l in r.stdout.splitlines() if l]


def rec(a):
    return (a["finding_info"]["uid"], a["activity_id"], a["time"])


def dev(a):
    return a["device"]["uid"]


def body(h):
    rules = h.sim_rules()   # the default rules and the simulator's change calendar
    detect = f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 1s\n  save_every: 2s\n"
    cfg, port, mport = h.collector_config(agents=("sim1", "inj"), extra=detect)
    store = f"{h.dir}/collector-store"

    # Detection enabled without a rules file is a configuration error.
    bad = h.write("bad.yaml", open(cfg).read().replace(f"  rules: {rules}\n", ""))
    r = subprocess.run([os.path.join(h.bin, "vigil-collector"), "-c", bad], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "detect.rules" in r.stderr, r.stderr

    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")

    # ---- simulated fleet, full speed, then the agent stops ----
    sim = (f"  - type: sim\n    seed: 11\n    sites: 2\n    start: {SIM_START}\n    end: {SIM_END}\n"
           f"    interval: 60s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 4096\n"), "--exit-when-done")
    assert h.wait_exit("sim1", 300) == 0, "sim agent failed"
    m = h.wait_detected(mport, 120, agents=("sim1",))
    assert m['vigil_detect_inputs_total{kind="sample"}'] > 10000, m
    assert m['vigil_detect_batches_total{result="bad"}'] == 0, m
    # every live batch reached the detect stage with ingest's decoded view (no second decode)
    assert m['vigil_detect_batches_viewed_total'] == m['vigil_detect_batches_total{result="ok"}'] > 0, m
    assert m['vigil_detect_series'] > 100, m

    # ---- crafted security events ----
    now = int(__import__("time").time() * 1000)
    day = now // DAY * DAY - DAY  # yesterday 00:00Z: inside ingest's accepted window
    tool = os.path.join(h.bin, "vgsend")
    files = []

    def make(seq, device, *events):
        path = os.path.join(h.dir, f"inj-{seq}.bin")
        subprocess.run([tool, "make-events", "inj", "7", str(seq), path, device, *events], check=True)
        files.append(path)
        return path

    def send(path, p):
        out = subprocess.run([tool, f"tcp://127.0.0.1:{p}", "raw", "2", path], capture_output=True, text=True,
                             timeout=30, env=h.curve_env("inj")).stdout.split()
        assert out[:2] == ["ack", "0"], f"batch {path} not acknowledged: {out}"

    h12 = day + 12 * 3600000
    make(1, "lab/benign", f"{day + 2 * 3600000},config_change,hash=b1,user=ops,class=acl",
         f"{h12},login,user=ops,source=10.255.0.5,method=ssh,result=success")
    make(2, "lab/bad", f"{h12 + 300000},config_change,hash=x1,user=mallory,class=acl")
    make(3, "lab/bad", f"{h12 + 600000},login,user=mallory,source=203.0.113.50,method=ssh,result=success",
         f"{h12 + 900000},reboot,reason=crash")
    for f in files:
        send(f, port)

    def expected_present():
        a = alerts(h, store)
        got = {(x["finding_info"]["analytic"]["name"], dev(x)) for x in a if x["activity_id"] == 1}
        want = {("i01-config-change", "lab/bad"), ("c04-login", "lab/bad"), ("i03-reboot", "lab/bad")}
        return a if want <= got else None

    first = wait_for(expected_present, 60, "security alerts in vigil alerts")
    assert not [a for a in first if a["finding_info"]["analytic"]["name"] == "a01-silence"], \
        "another source's data time made the simulator's devices look silent"
    assert not [a for a in first if dev(a) == "lab/benign"], "benign look-alikes alerted"
    cc = [a for a in first if dev(a) == "lab/bad" and a["finding_info"]["analytic"]["name"] == "i01-config-change"]
    assert len(cc) == 1 and cc[0]["severity"] == "High", cc
    assert [a["time"] for a in first] == sorted(a["time"] for a in first), "alerts not in time order"
    text = h.vigil("alerts", "--store", store).stdout
    assert "i03-reboot" in text and "lab/bad" in text, text
    # Each stored record carries its replay pointer, which vigil timeline takes as is.
    for a in first:
        rp = a["unmapped"]["nte"]["replay"]
        assert rp["store"] == store and rp["device"] == dev(a) and rp["pointer"].startswith("vigil://"), rp
    rb = next(a for a in first if a["finding_info"]["analytic"]["name"] == "i03-reboot")
    tl = h.vigil("timeline", "--pointer", rb["unmapped"]["nte"]["replay"]["pointer"])
    assert tl.returncode == 0 and "lab/bad" in tl.stdout, tl.stdout + tl.stderr
    # /metrics is refreshed once a second: wait for it to show what the store already holds.
    m = wait_for(lambda: (lambda m: m if m and m['vigil_detect_alerts_total{result="stored"}'] >= 3 else None)(
        h.metrics(mport)), 30, "alert counters in /metrics")
    assert m['vigil_detect_alerts_total{result="lost"}'] == 0, m

    # ---- restart: alerts survive, the open episode continues ----
    assert h.kill("collector", __import__("signal").SIGTERM) == 0, "collector did not stop cleanly"
    log = h.log("collector")
    assert "no saved detector state" in log, log[-2000:]
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector restarted")
    assert "detector state restored" in h.log("collector"), h.log("collector")[-2000:]
    before = {rec(a) for a in alerts(h, store)}
    assert before == {rec(a) for a in first}, "alerts changed across the restart"
    make(4, "lab/bad", f"{h12 + 1200000},config_change,hash=x2,user=mallory,class=acl")
    send(files[-1], port)
    wait_for(lambda: (h.metrics(mport) or {}).get('vigil_detect_inputs_total{kind="event"}', 0) >= 1, 60,
             "the post-restart event reached the detectors")
    wait_for(lambda: (h.metrics(mport) or {}).get('vigil_detect_queue_batches', 1) == 0, 30, "detect queue drained")
    after = alerts(h, store)
    cc = [a for a in after if dev(a) == "lab/bad" and a["finding_info"]["analytic"]["name"] == "i01-config-change"
          and a["activity_id"] == 1]
    assert len(cc) == 1, f"the config-change episode was raised again after the restart: {cc}"
    assert h.kill("collector", __import__("signal").SIGTERM) == 0

    # ---- determinism: the same crafted batches into a fresh collector ----
    cfg2, port2, mport2 = h.collector_config(name="fresh", agents=("inj",), extra=detect)
    h.collector("fresh", cfg2)
    wait_for(lambda: h.metrics(mport2), 30, "fresh collector up")
    for f in files:
        send(f, port2)
    wait_for(lambda: (h.metrics(mport2) or {}).get('vigil_detect_batches_total{result="ok"}', 0) >= len(files), 60,
             "fresh collector analysed the batches")
    wait_for(lambda: (h.metrics(mport2) or {}).get('vigil_detect_queue_batches', 1) == 0, 30, "fresh queue drained")
    mine = sorted(rec(a) for a in after if dev(a).startswith("lab/"))
    fresh = sorted(rec(a) for a in alerts(h, f"{h.dir}/fresh-store"))
    assert mine and mine == fresh, f"replay differs:\n{mine}\n{fresh}"
    print(f"{len(first)} alerts ({len(mine)} from crafted events), identical after restart and replay")

    # ---- offline scoring: a step change ----
    rnd = random.Random(5)
    rows = ["timestamp,value"]
    t0 = 1767614400000
    for i in range(1500):
        v = 100 + rnd.gauss(0, 2) + (60 if i >= 1000 else 0)
        ts = str(t0 + i * 60000) if i % 2 else \
            __import__("time").strftime("%Y-%m-%d %H:%M:%S", __import__("time").gmtime((t0 + i * 60000) / 1000))
        rows.append(f"{ts},{v:.3f}")
    csv = "\n".join(rows) + "\n"
    r = subprocess.run([os.path.join(h.bin, "vigil"), "detect", "--detector", "seasonal", "--param", "season=none",
                        "--param", "warmup=0"],
                       input=csv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    s = [float(x) for x in r.stdout.split()]
    assert len(s) == 1500 and all(0 <= x <= 1 for x in s), len(s)
    pre, post = s[300:1000], s[1002:1060]  # the first hour after the step
    # The score is an anomaly likelihood (a tail probability): ordinary noise spreads over
    # [0,1] with a mean near 0.5 and almost never reaches 1; the step saturates it.
    assert sum(pre) / len(pre) < 0.75 and sum(x >= 0.999 for x in pre) <= len(pre) // 100, (max(pre), sum(pre) / len(pre))
    assert min(post) >= 0.999, post[:10]
    r = subprocess.run([os.path.join(h.bin, "vigil"), "detect"], input="ts,v\n1,2\nnot-a-time,3\n",
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "stdin:3" in r.stderr and r.stdout == "0.000000\n", (r.returncode, r.stderr, r.stdout)
    r = subprocess.run([os.path.join(h.bin, "vigil"), "detect", "--detector", "seasonal", "--param", "min_z=1000"], input="ts,v\n",
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "min_z" in r.stderr, r.stderr


run("detect_alerts", body)
