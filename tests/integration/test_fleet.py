"""The fleet tier on a real Kafka broker (docs/SCALING.md): a site collector publishes
inventory and the findings X01 counts to the fleet topic (6 partitions); three
`vigil-collector --role fleet` instances in one consumer group run the fleet rules.

Input: 12 vendors x 3 devices, 4 rounds 4 h apart; in each round every device of each
vendor reboots within 3 minutes, one vendor after the other 18 minutes apart (every vendor at
once would be a fleet-wide event, not a vendor common mode; 18, more than X01's window and its
hold after the cluster, 15 min each: a neighbour's reboots in the held picture read as a
wave), so each vendor has one
common-mode event per round (X01's cluster fires as of the third reboot and is judged once fleet
time has passed its hold, 15 min: 48 X01 findings; a closing reboot of one device per vendor an
hour after the last round moves every partition's fleet time past the last clusters' hold).  Fleet instance 2 is SIGKILLed
mid-stream (inside an open transaction: commits every 3 s); its partitions move to the
other two, which fence it, restore the partition state it last committed and resume at its
offset.  Checks, on the alerts topic read with isolation.level=read_committed:
  * every X01 Create the site collector made itself from the same data (the reference:
    it holds the whole fleet) arrives, and no other X01 Create;
  * every alert record (uid, activity, time) arrives exactly once;
  * the survivors took over the killed instance's partitions with its saved state.
Instance 2 then comes back (partitions spread over three again, committed on revocation),
and a simulated fleet (vigil-agent sim input, 2 sites, 3 h at full speed) goes through the
same site collector: the PM counter pairs it publishes reach the fleet instances, which
run every one of them through the KPI stage (their counts equal the simulator's)."""
import collections
import json
import os
import re
import signal
import subprocess
import time
from vgfleet import fleet_config, fleet_keys, kafka_body, sim_kpi_samples, site_config, start_fleet, start_site
from vgkafka import KCAT
from vgtest import run, wait_for

VENDORS = [f"V{i:02d}" for i in range(1, 13)]
DEVICES = 3
ROUNDS = 4
TOPIC, STATE, ALERTS = "vigil.fleet.test", "vigil.fleet.state.test", "fleet.alerts.test"


def consume(kafka, topic, committed=True):
    """Every message of topic so far (read_committed unless told): payload dicts."""
    r = subprocess.run([KCAT, "-b", kafka.boot, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                        "-X", f"isolation.level={'read_committed' if committed else 'read_uncommitted'}",
                        "-f", "%s\n"], capture_output=True, text=True, timeout=60)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip().startswith("{")]


def scenario(h, kafka):
    keys = fleet_keys(TOPIC, STATE, "fleet-test", "3s")
    site_cfg, port, _ = site_config(h, kafka, TOPIC, ("a1", "sim1"), partitions=6, fleet=keys)
    start_site(h, "site", site_cfg)

    fleets, mports = [], {}
    for i in (1, 2, 3):
        cfg, _, mports[f"fleet{i}"] = fleet_config(h, kafka, f"fleet{i}", 6, keys, alerts=ALERTS)
        start_fleet(h, f"fleet{i}", cfg)
        fleets.append(f"fleet{i}")
    def held(k):
        log = h.log(k)
        return log.count(": taken,") - log.count(": released")

    # Every partition taken before the data flows (the group settles on 3 members).
    wait_for(lambda: sum(held(k) for k in fleets) == 6 and all(held(k) > 0 for k in fleets), 120,
             "6 partitions assigned to 3 instances")

    tool = os.path.join(h.bin, "vgsend")
    seq = 0
    # Yesterday 06:00 UTC: the rounds (4 h apart, 3.6 h long) stay on one day and outside the
    # nightly hours an operator's change window would usually cover.
    t0 = (int(time.time()) // 86400 * 86400 - 86400 + 6 * 3600) * 1000

    def send_reboot(ts, dev):
        """One crash reboot of dev ("id|vendor|site") at ts, as its own acknowledged batch."""
        nonlocal seq
        seq += 1
        out = os.path.join(h.dir, f"b{seq}.bin")
        subprocess.run([tool, "make-events", "a1", "77", str(seq), out, dev, f"{ts},reboot,reason=crash"],
                       check=True, timeout=30)
        rr = subprocess.run([tool, f"tcp://127.0.0.1:{port}", "raw", "2", out], capture_output=True,
                            text=True, timeout=30, env=h.curve_env("a1"))
        assert rr.stdout.startswith("ack 0 "), f"batch {seq}: {rr.stdout!r}"

    def send_round(r):
        for v in VENDORS:  # in data-time order
            for d in range(DEVICES):
                send_reboot(t0 + r * 4 * 3600 * 1000 + VENDORS.index(v) * 18 * 60000 + d * 60000,
                            f"site{d % 2}/{v.lower()}-r{d}|{v}|site{d % 2}")

    for r in range(2):
        send_round(r)
    # Kill instance 2 once it has applied messages (its transaction is open for up to 3 s).
    wait_for(lambda: any(int(x) > 0 for x in re.findall(r"messages=(\d+)", h.log("fleet2"))), 60,
             "fleet2 applying messages")
    send_round(2)
    h.kill("fleet2", signal.SIGKILL)
    print("fleet2 killed", flush=True)
    send_round(3)
    # One reboot per vendor an hour later (no common mode: one device): fleet time, on the
    # site collector and in every partition, passes the hold of round 3's clusters.
    for v in VENDORS:
        send_reboot(t0 + ROUNDS * 4 * 3600 * 1000 + 3600 * 1000, f"site0/{v.lower()}-r0|{v}|site0")

    # The reference: the site collector's own X01 Creates (it saw every vendor's devices).
    def site_x01():
        r = h.vigil("alerts", "--store", f"{h.dir}/site-store", "--format", "json")
        docs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        return {d["finding_info"]["uid"] for d in docs
                if d["activity_id"] == 1 and d["finding_info"]["uid"].startswith("x01-")}

    want = wait_for(lambda: (lambda s: s if len(s) >= len(VENDORS) * ROUNDS else None)(site_x01()), 120,
                    "the site collector's X01 findings")
    assert len(want) == len(VENDORS) * ROUNDS, f"site made {len(want)} X01 findings, expected {len(VENDORS) * ROUNDS}"

    def fleet_x01():
        docs = consume(kafka, ALERTS)
        got = {d["finding_info"]["uid"] for d in docs if d["activity_id"] == 1 and
               d["finding_info"]["uid"].startswith("x01-")}
        return (docs, got) if want <= got else None

    docs, got = wait_for(fleet_x01, 180, f"{len(want)} X01 findings on {ALERTS}", interval=2.0)
    assert got == want, f"fleet X01 findings differ from the site's: extra {sorted(got - want)[:5]}"
    count = collections.Counter((d["finding_info"]["uid"], d["activity_id"], d["time"]) for d in docs)
    dups = [k for k, n in count.items() if n > 1]
    assert not dups, f"{len(dups)} alert records more than once, e.g. {dups[:3]}"
    creates = collections.Counter(d["finding_info"]["uid"] for d in docs if d["activity_id"] == 1)
    assert all(n == 1 for n in creates.values()), "a finding created twice"
    raw = consume(kafka, ALERTS, committed=False)
    print(f"fleet alerts: {len(docs)} committed records ({len(got)} X01 Creates), "
          f"{len(raw) - len(docs)} more in aborted transactions (read_uncommitted)", flush=True)
    moved = sum(h.log(k).count("state restored") for k in ("fleet1", "fleet3"))
    assert moved >= 1, "no partition moved to a survivor with saved state"
    assert held("fleet1") + held("fleet3") == 6, "the survivors do not hold every partition"
    for k in ("fleet1", "fleet3"):
        assert h.procs[k].poll() is None, f"{k} exited:\n{h.log(k)[-2000:]}"

    # ---- instance 2 comes back: partitions spread again (committed on revoke, state moves) ----
    start_fleet(h, "fleet2b", f"{h.dir}/fleet2.yaml")
    live = ("fleet1", "fleet2b", "fleet3")
    wait_for(lambda: sum(held(k) for k in live) == 6 and held("fleet2b") > 0, 120, "fleet2 back with partitions")

    # ---- KPI counters of a simulated fleet through the site publisher to the fleet tier ----
    end = (int(time.time()) // 3600 - 2) * 3600
    start = end - 3 * 3600
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    sim = (f"  - type: sim\n    seed: 5\n    sites: 2\n    start: {iso(start)}\n    end: {iso(end)}\n"
           f"    interval: 60s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 4096\n"), "--exit-when-done")
    assert h.wait_exit("sim1", 300) == 0, "sim agent failed"
    want_kpi = sim_kpi_samples(h, 5, 2, iso(start), iso(end))
    assert want_kpi > 1000, f"the simulator made only {want_kpi} KPI counter samples"

    def fleet_samples():
        got = 0
        for k in live:
            m = re.findall(r"samples=(\d+) ", h.log(k))
            got += int(m[-1]) if m else 0
        return got if got >= want_kpi else None

    got = wait_for(fleet_samples, 120, f"{want_kpi} KPI counter samples applied by the fleet", interval=1.0)
    assert got == want_kpi, f"the fleet applied {got} KPI counter samples, the simulator made {want_kpi}"
    assert "undecodable" not in "".join(h.log(k) for k in live)
    # Still every alert record once after the rejoin.
    again = collections.Counter((d["finding_info"]["uid"], d["activity_id"], d["time"]) for d in consume(kafka, ALERTS))
    assert all(n == 1 for n in again.values()) and set(count) <= set(again), "records lost or repeated after the rejoin"
    # /metrics of the survivors: partitions held, messages applied, no bad message.
    # (/metrics is refreshed at each commit interval: wait for it to catch up with the log.)
    def survivors_metrics():
        ms = {k: h.metrics(mports[k]) for k in ("fleet1", "fleet3")}
        if any(not m for m in ms.values()):
            return None
        return ms if sum(m["vigil_fleet_partitions"] for m in ms.values()) == 6 - held("fleet2b") else None

    ms = wait_for(survivors_metrics, 60, "the survivors' /metrics to show the partitions fleet2b does not hold",
                  interval=0.5)
    assert all(m['vigil_fleet_messages_total{result="applied"}'] > 0 for m in ms.values()), ms
    assert all(m['vigil_fleet_messages_total{result="bad"}'] == 0 for m in ms.values()), ms
    print(f"KPI counters: {got} samples through the site publisher and the fleet's KPI stage", flush=True)

    # A state topic with fewer partitions than the fleet topic (the 1-partition alerts topic)
    # is refused at start, before joining the group.
    bad, _, _ = fleet_config(h, kafka, "fleetbad", 6, keys.replace(STATE, ALERTS))
    r = subprocess.run([os.path.join(h.bin, "vigil-collector"), "--role", "fleet", "-c", bad], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "needs at least as many" in r.stderr, (r.returncode, r.stderr[-500:])


if __name__ == "__main__":
    run("fleet", kafka_body(scenario))
