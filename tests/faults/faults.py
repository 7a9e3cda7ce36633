"""faults.py - fault-injection suite (issue 11, item 3): real agent and collector processes on
loopback, faults injected while the simulated fleet streams, and every sample and event the
simulator produced (`vigil sim`, the exact ground truth) counted against what the store
holds (`vigil export`, `vigil query --events`).

Cases (--cases, default all):
  collector_kill  collector SIGKILLed --kills times under full load (sim at speed: max),
                  restarted at once
  agent_kill      agent SIGKILLed --kills times under full load, restarted at once
  alternate       agent and collector SIGKILLed in turn, --kills faults in all
  collector_down  collector SIGKILLed and kept down --down seconds while a realtime sim
                  keeps producing into the agent's spool, then restarted: the spool drains
  spool_full      no collector, a 1 MiB spool, the sim at speed: max: the sim pauses when
                  the spool is full (nothing dropped), a collector starts, everything drains
  spool_disk_full the same with the spool's file system (a 1.5 MiB tmpfs) full (root)
  live_drop       a live input, a full spool, the collector down: drops told by gap events
  pmdir_full      a backlog of 3GPP PM files (pmdir, once, done_dir), no collector, a 1 MiB
                  spool: pmdir pauses (no batch refused, no gap), a collector starts, every
                  file is finished (moved) exactly once and every counter stored once
  pmdir_disk_full the same with the spool on a 1.5 MiB tmpfs (root)
  net_cut         the agent in its own network namespace, linked to the collector by a veth
                  pair; the link is set down for --cut seconds while a realtime sim streams,
                  then up again (root; skipped otherwise)
  failover        two collectors with their own stores: the primary is SIGKILLed while a
                  realtime sim streams and kept down --cut seconds; the agent moves to the
                  second, then back to the primary once it is up (send.primary_retry);
                  counted over both stores
  store_full      (full variant only) the collector's store on a 24 MiB tmpfs that the sim at
                  speed: max fills; held full --cut seconds, then the tmpfs grown to 512 MiB
                  without a restart (root; skipped otherwise)
  ves             a VES client posting fault events (each sent again until answered 202),
                  the agent and the collector SIGKILLed in turn --kills times (fault_ves.py);
                  every event stored, twice only when a post went unanswered at a kill
  kafka           alerts to a real Kafka broker (fault_kafka.py): the broker down
                  --kafka-down seconds while alerts are raised, a collector SIGKILL with a
                  full outbox, --kafka-kills SIGKILLs while alerts flow; every alert on
                  the topic exactly once per uid (skipped without kcat or java)
  pcap_kill       three captures (`vigil sim --wire-out`: MDT over TCP, JTI and UDP-notif)
                  replayed by pcap inputs at their pace x a factor (about 4 s of run per
                  kill), the agent SIGKILLed --kills times
                  and restarted at once; the ground truth is `vigil decode` of each capture

Per case: sent (the simulator's output), stored, lost and duplicated, as multisets of
(device, path, labels, timestamp, value) for samples and (device, type, timestamp,
attributes, flow) for events; gap events the agent added are counted apart (a gap is data
the agent knows it dropped).  Recovery: from the end of a fault (the killed process started
again, the collector back) until every batch the agent's spool held then is acknowledged
and the sim has moved on (the largest and the median over a case's faults).

Usage: faults.py --bin BUILD/bin [--variant quick|full] [--cases a,b] [--kills N] [--down S]
Exits 1 when a case lost or duplicated anything, or could not inject its faults.  Quick (CI):
every case but store_full, 12 simulated hours of 2 sites, 6 kills, 20 s down, 10 s cut, the
broker down 15 s and 3 kills in the deletion window; full: every case, 4 days of 4 sites, 10
kills, 120 s down, 60 s cut, the broker down 60 s and 5 kills.
Stdlib only, like the integration tests, whose harness (tests/integration/vgtest.py) it uses."""
import argparse
import glob
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from vgtest import Harness, pm_file, wait_for  # noqa: E402
from fault_count import count  # noqa: E402
from fault_kafka import kafka_case  # noqa: E402
from fault_ves import ves_case  # noqa: E402

VARIANTS = {
    # sites, hours of 60 s steps (speed: max) in the kill cases and in spool_full (more than
    # its 1 MiB spool holds), kills, collector down seconds
    "quick": {"sites": 2, "hours": 12, "spool_hours": 24, "kills": 6, "down": 20, "pm_files": 48, "cut": 10,
              "kafka_down": 15, "kafka_kills": 3},
    "full": {"sites": 4, "hours": 96, "spool_hours": 48, "kills": 10, "down": 120, "pm_files": 200, "cut": 60,
             "kafka_down": 60, "kafka_kills": 5},
}
SIM_START = "2026-10-01T00:00:00Z"
SIM_START_MS = 1790812800000


def options():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--variant", choices=sorted(VARIANTS), default="quick")
    p.add_argument("--cases", help="comma-separated (default: every case of the variant)")
    p.add_argument("--kills", type=int)
    p.add_argument("--down", type=float, help="seconds the collector stays down")
    p.add_argument("--cut", type=float, help="seconds the network link stays down (net_cut)")
    p.add_argument("--sites", type=int)
    p.add_argument("--hours", type=int, help="simulated hours of the kill cases")
    p.add_argument("--spool-hours", type=int, help="simulated hours of spool_full")
    p.add_argument("--pm-files", type=int, help="PM files of the pmdir cases (6,000 counters each)")
    p.add_argument("--kafka-down", type=float, help="seconds the Kafka broker stays down (kafka)")
    p.add_argument("--kafka-kills", type=int, help="collector SIGKILLs while alerts flow (kafka)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    o, _ = p.parse_known_args()
    for k, v in VARIANTS[o.variant].items():
        if getattr(o, k) is None:
            setattr(o, k, v)
    if o.cases is None:
        o.cases = ",".join(c for c in CASES if o.variant == "full" or c not in FULL_ONLY)
    return o


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


# ---- one run: a collector, an agent, their restarts ----

class Run:
    def __init__(self, h, agent_inputs, send="", batch="", spool=""):
        self.h = h
        self.ccfg, self.port, self.mport = h.collector_config(name="c", agents=("a1",))
        self.store = f"{h.dir}/c-store"
        self.acfg = h.agent_config("a1", [self.port], agent_inputs, extra=batch, send=send, spool=spool)
        self.spool = f"{h.dir}/a1-spool"
        self.recoveries = []

    def start_collector(self):
        self.h.collector("c", self.ccfg)
        wait_for(lambda: self.h.metrics(self.mport), 60, "collector metrics endpoint")

    def start_agent(self):
        self.h.agent("a1", self.acfg, "--exit-when-done")

    def agent_done(self):
        p = self.h.procs.get("a1")
        return p is not None and p.poll() is not None

    def held(self):
        """Names of the batches in the agent's spool (not yet acknowledged)."""
        return {os.path.basename(p) for p in glob.glob(f"{self.spool}/*.vgb")}

    def position(self):
        """How far the sim input has delivered into the spool: its progress record's next
        step (ms), 0 before the first; read from disk, so it spans agent restarts."""
        try:
            with open(f"{self.spool}/input-0.sim") as f:
                words = f.read().split()
            return int(words[words.index("next") + 1])
        except (OSError, ValueError, IndexError):
            return 0

    def recover(self, t0, before):
        """Wait until every batch the spool held at t0 (the end of a fault) is acknowledged
        and the sim has moved past `before`, or the agent finished; record the time since t0."""
        held = self.held()
        wait_for(lambda: self.agent_done() or (not (held & self.held()) and self.position() > before), 300,
                 f"recovery (batches {sorted(held)[:3]}... acknowledged)", interval=0.02)
        self.recoveries.append(time.monotonic() - t0)

    def kill(self, which):
        """SIGKILL `which` ("c" or "a1"), start it again at once, wait for recovery."""
        before = self.position()
        self.h.kill(which)
        t0 = time.monotonic()
        if which == "c":
            self.h.collector("c", self.ccfg)
        else:
            self.start_agent()
        self.recover(t0, before)

    def export(self, start, end):
        """The store's samples and events in [start, end) into files; returns their paths."""
        samples = os.path.join(self.h.dir, "stored-samples.ndjson")
        self.h.vigil("export", "--store", self.store, "--from", start, "--to", end, "--format", "ndjson",
                     "--out", samples)
        events = os.path.join(self.h.dir, "stored-events.ndjson")
        r = self.h.vigil("query", "--store", self.store, "--events", "--format", "json", "--from", start, "--to", end)
        with open(events, "w") as f:
            f.write(r.stdout)
        return samples, events

    def expected(self, sites, interval, start, end):
        """`vigil sim` for the agent's sim input: what it sends, exactly, into a file."""
        path = os.path.join(self.h.dir, "sent.ndjson")
        with open(path, "w") as f:
            subprocess.run([os.path.join(self.h.bin, "vigil"), "sim", "--seed", "7", "--sites", str(sites),
                            "--interval", interval, "--start", start, "--end", end], stdout=f, check=True, timeout=600)
        return path


def sim_input(o, start, end, interval, speed="realtime"):
    return (f"  - type: sim\n    seed: 7\n    sites: {o.sites}\n    start: {start}\n    end: {end}\n"
            f"    interval: {interval}\n    speed: {speed}\n")


def kill_case(h, o, order):
    """The sim at speed: max; fault i (from 0) once the sim has delivered (i+1)/(kills+1) of
    its run into the spool, killing order[i % len(order)] and starting it again at once."""
    end_ms = SIM_START_MS + o.hours * 3600 * 1000
    end = iso(end_ms)
    inputs = sim_input(o, SIM_START, end, "60s", "max")
    # Small batches and a short window, as the crash test: many commits to interrupt.
    run = Run(h, inputs, send="  window: 2\n", batch="batch:\n  max_samples: 1024\n")
    sent = run.expected(o.sites, "60s", SIM_START, end)
    run.start_collector()
    t_start = time.monotonic()
    run.start_agent()
    faults = 0
    span = end_ms - SIM_START_MS
    for i in range(o.kills):
        goal = SIM_START_MS + span * (i + 1) // (o.kills + 1)
        wait_for(lambda: run.agent_done() or run.position() >= goal, 300, f"sim past {iso(goal)}", interval=0.02)
        if run.agent_done():
            break
        run.kill(order[i % len(order)])
        faults += 1
    t_end = time.monotonic()
    rc = h.wait_exit("a1", 600)
    drain = time.monotonic() - t_end
    result = {"faults": faults, "wanted": o.kills, "agent_exit": rc, "recovery": max(run.recoveries, default=0),
              "recovery_median": statistics.median(run.recoveries) if run.recoveries else 0, "drain": drain,
              "run": time.monotonic() - t_start}
    t = time.monotonic()
    result.update(count(sent, run.export(SIM_START, end)))
    result["count_s"] = time.monotonic() - t
    return result


def down_case(h, o, drop=False):
    """A realtime sim (one step a second) from a minute ago; the collector is killed once the
    agent streams, kept down o.down seconds, restarted; the sim ends a few seconds later.
    drop: 150 sites from now and a 1 MiB spool, so the live input must drop what does not
    fit, and the gap events the agent sends afterwards must account for exactly what was
    dropped (never silently)."""
    lead, tail = 5, 10
    now = int(time.time())
    sites = 150 if drop else o.sites
    start_ms = now * 1000 if drop else (now - 60) * 1000
    end_ms = (now + lead + int(o.down) + tail + 5) * 1000
    start, end = iso(start_ms), iso(end_ms)
    inputs = sim_input(argparse.Namespace(**{**vars(o), "sites": sites}), start, end, "1s")
    run = (Run(h, inputs, spool="  max_bytes: 1MiB\n", batch="batch:\n  max_age: 1s\n") if drop
           else Run(h, inputs))
    sent = run.expected(sites, "1s", start, end)
    run.start_collector()
    run.start_agent()
    # Streaming in step with the clock (the minute of backlog delivered), then the fault.
    wait_for(lambda: time.time() >= now + lead and run.position() > now * 1000 and (drop or len(run.held()) <= 1),
             60, "agent streaming live")
    h.kill("c")
    time.sleep(o.down)  # the fault itself
    spooled = len(run.held())
    t0 = time.monotonic()
    h.collector("c", run.ccfg)
    run.recover(t0, 0)
    rc = h.wait_exit("a1", (end_ms / 1000 - time.time()) + 120)
    result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": run.recoveries[0],
              "recovery_median": run.recoveries[0], "spooled_batches": spooled}
    result.update(count(sent, run.export(start, end)))
    if drop:
        result["gaps_expected"] = True
        result["gap_events_dropped"] = count_gap_events(run, start, end)
    return result


def spool_on_tmpfs(run):
    """Mount a new 1.5 MiB tmpfs (mode 0700) on run's spool directory (the disk-full cases;
    unmount it with umount -l).  Returns None, or the case's result when it cannot be
    mounted: skipped (needs root)."""
    os.makedirs(run.spool, exist_ok=True)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k,mode=0700", "tmpfs", run.spool],
                       capture_output=True, text=True)
    if m.returncode != 0:
        return {"skipped": f"cannot mount a tmpfs for the spool ({m.stderr.strip() or 'needs root'})"}
    return None


def spool_full_case(h, o, disk=False):
    """The spool limited to 1 MiB (about ten batches) and no collector running, the sim at
    speed: max with more than that to send: the sim must pause (nothing dropped, no gap
    event) until a collector acknowledges, then finish.  disk: no limit, the spool's own
    file system (a 1.5 MiB tmpfs) fills instead; skipped without root (mount)."""
    end_ms = SIM_START_MS + o.spool_hours * 3600 * 1000
    end = iso(end_ms)
    run = Run(h, sim_input(o, SIM_START, end, "60s", "max"), spool="" if disk else "  max_bytes: 1MiB\n")
    sent = run.expected(o.sites, "60s", SIM_START, end)
    if disk:
        skipped = spool_on_tmpfs(run)
        if skipped:
            return skipped
    try:
        return spool_full_run(h, run, sent, end_ms, end)
    finally:
        if disk:
            subprocess.run(["umount", "-l", run.spool], capture_output=True)


def spool_full_run(h, run, sent, end_ms, end):
    run.start_agent()
    # The sim stops advancing (paused), or reaches its end (it did not pause).
    seen = {"pos": -1, "since": time.monotonic()}

    def stalled():
        pos = run.position()
        if pos != seen["pos"]:
            seen["pos"], seen["since"] = pos, time.monotonic()
        return pos >= end_ms or (pos > 0 and time.monotonic() - seen["since"] >= 2)
    wait_for(stalled, 120, "the sim paused or at its end", interval=0.05)
    spooled = len(run.held())
    t0 = time.monotonic()
    run.start_collector()
    run.recover(t0, 0)
    rc = h.wait_exit("a1", 600)
    result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": run.recoveries[0],
              "recovery_median": run.recoveries[0], "spooled_batches": spooled,
              "paused_at": iso(seen["pos"]) if seen["pos"] < end_ms else "end (not paused)"}
    result.update(count(sent, run.export(SIM_START, end)))
    return result


PM_ROP = 900000


def pmdir_full_case(h, o, disk=False):
    """A backlog of o.pm_files PM files (100 cells x 60 counters each, random values that
    compress badly, so the spool fills in a few batches) read by a pmdir input with `once`
    and a done_dir, no collector running, the spool limited to 1 MiB (disk: its 1.5 MiB
    tmpfs full instead): pmdir must pause (no batch refused for want of room, so no gap
    event), then, a collector started, drain: every file moved to done_dir once, every
    counter stored once (the ground truth: `vigil decode` of each file)."""
    pm_dir, done_dir = os.path.join(h.dir, "pm"), os.path.join(h.dir, "pm-done")
    os.makedirs(pm_dir)
    os.makedirs(done_dir)
    base = (int(time.time() * 1000) - 3 * 86400000) // PM_ROP * PM_ROP
    types = [f"C.{k}" for k in range(60)]
    names, elements, rnd = [], 4, random.Random(11)
    for i in range(o.pm_files):
        t = base + (i // elements) * PM_ROP
        g = i % elements
        rows = {f"NRCellCU={c}": [f"{rnd.uniform(0, 1e6):.3f}" for _ in range(60)] for c in range(100)}
        name = f"A{time.strftime('%Y%m%d.%H%M', time.gmtime(t / 1000))}_gnb{g}.xml"
        with open(os.path.join(pm_dir, name), "w") as f:
            f.write(pm_file(t, PM_ROP, f"gnb-{g}", "kpi", types, rows))
        old = time.time() - 60
        os.utime(os.path.join(pm_dir, name), (old, old))
        names.append(name)
    sent = os.path.join(h.dir, "sent.ndjson")
    with open(sent, "w") as f:
        for name in names:
            subprocess.run([os.path.join(h.bin, "vigil"), "decode", "--format", "3gpp-xml", os.path.join(pm_dir, name)],
                           stdout=f, stderr=subprocess.DEVNULL, check=True, timeout=60)
    inputs = f"  - {{type: pmdir, dir: '{pm_dir}', done_dir: '{done_dir}', interval: 1s, once: true}}\n"
    run = Run(h, inputs, spool="" if disk else "  max_bytes: 1MiB\n")
    if disk:
        skipped = spool_on_tmpfs(run)
        if skipped:
            return skipped
    try:
        run.start_agent()
        # pmdir pauses: files stop being finished (moved) before all of them are.
        seen = {"n": -1, "since": time.monotonic()}

        def stalled():
            n = len(os.listdir(done_dir))
            if n != seen["n"]:
                seen["n"], seen["since"] = n, time.monotonic()
            return n >= len(names) or (n > 0 and time.monotonic() - seen["since"] >= 2)
        wait_for(stalled, 120, "pmdir paused or done", interval=0.05)
        spooled, paused_files = len(run.held()), seen["n"]
        t0 = time.monotonic()
        run.start_collector()
        rc = h.wait_exit("a1", 600)
        run.recoveries.append(time.monotonic() - t0)
        stop = h.log("a1")
        files = [int(x.split("=")[1]) for x in stop.split() if x.startswith("files=")]
        full = [int(x.split("=")[1]) for x in stop.split() if x.startswith("spool_full=")]
        result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": run.recoveries[0],
                  "recovery_median": run.recoveries[0], "spooled_batches": spooled,
                  "paused_at_files": paused_files, "files": len(names), "done_files": len(os.listdir(done_dir)),
                  "left_files": len(os.listdir(pm_dir)), "files_read": files[-1] if files else -1,
                  "spool_full": full[-1] if full else -1}
        start, end = iso(base - PM_ROP), iso(base + (len(names) // elements + 2) * PM_ROP)
        result.update(count(sent, run.export(start, end)))
        return result
    finally:
        if disk:
            subprocess.run(["umount", "-l", run.spool], capture_output=True)


def net_cut_case(h, o):
    """A realtime sim (1 s steps, from a minute ago) in an agent that runs in a network
    namespace of its own, linked to the host's collector by a veth pair; once it streams live
    the host end of the link is set down for o.cut seconds (the TCP connection is not told:
    packets just vanish), then up again.  The agent spools meanwhile and must drain every
    batch once.  Skipped without root (ip netns)."""
    tag = f"{os.getpid() % 10000}"
    ns, host_if, ns_if = f"vgcut{tag}", f"vgc{tag}a", f"vgc{tag}b"
    net = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}"
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if r.returncode != 0:
        return {"skipped": f"cannot make a network namespace ({r.stderr.strip() or 'needs root'})"}
    try:
        for cmd in (["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
                    ["ip", "link", "set", ns_if, "netns", ns],
                    ["ip", "addr", "add", f"{net}.1/30", "dev", host_if], ["ip", "link", "set", host_if, "up"],
                    ["ip", "-n", ns, "addr", "add", f"{net}.2/30", "dev", ns_if],
                    ["ip", "-n", ns, "link", "set", ns_if, "up"], ["ip", "-n", ns, "link", "set", "lo", "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        return net_cut_run(h, o, ns, host_if, net)
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def net_cut_run(h, o, ns, host_if, net):
    lead, tail = 5, 10
    now = int(time.time())
    start_ms, end_ms = (now - 60) * 1000, (now + lead + int(o.cut) + tail + 5) * 1000
    start, end = iso(start_ms), iso(end_ms)
    run = Run(h, sim_input(o, start, end, "1s"))
    # The collector listens on the host end of the link, the agent sends there.
    for path in (run.ccfg, run.acfg):
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(f"tcp://127.0.0.1:{run.port}", f"tcp://{net}.1:{run.port}"))
    sent = run.expected(o.sites, "1s", start, end)
    run.start_collector()
    h.start("a1", ["ip", "netns", "exec", ns, os.path.join(h.bin, "vigil-agent"), "-c", run.acfg, "--exit-when-done"])
    acked = lambda: h.metrics(run.mport).get('vigil_batches_total{result="accepted"}', 0)
    wait_for(lambda: time.time() >= now + lead and run.position() > now * 1000 and len(run.held()) <= 1 and acked() > 0,
             60, "agent streaming live over the veth link")
    subprocess.run(["ip", "link", "set", host_if, "down"], check=True)
    try:
        time.sleep(o.cut)  # the fault itself
    finally:
        subprocess.run(["ip", "link", "set", host_if, "up"], check=True)
    spooled = len(run.held())
    t0 = time.monotonic()
    run.recover(t0, 0)
    rc = h.wait_exit("a1", (end_ms / 1000 - time.time()) + 120)
    result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": run.recoveries[0],
              "recovery_median": run.recoveries[0], "spooled_batches": spooled}
    result.update(count(sent, run.export(start, end)))
    return result


def failover_case(h, o):
    """A realtime sim (1 s steps, from a minute ago) into collector c (primary) and c2; once
    it streams, c is SIGKILLed and kept down o.cut seconds, then started again.  Recovery:
    from the kill until c2 has acknowledged a batch and every batch the spool held at the
    kill is acknowledged (the fault does not end while the primary is down); fail-back:
    from c's restart until it acknowledges a batch again.  Every sample must be in exactly
    one of the two stores."""
    lead, tail = 5, 15
    now = int(time.time())
    start_ms, end_ms = (now - 60) * 1000, (now + lead + int(o.cut) + tail + 10) * 1000
    start, end = iso(start_ms), iso(end_ms)
    run = Run(h, sim_input(o, start, end, "1s"))
    c2cfg, c2port, c2mport = h.collector_config(name="c2", agents=("a1",))
    with open(run.acfg) as f:
        text = f.read()
    with open(run.acfg, "w") as f:
        f.write(text.replace(f"[tcp://127.0.0.1:{run.port}]", f"[tcp://127.0.0.1:{run.port}, tcp://127.0.0.1:{c2port}]"))
    sent = run.expected(o.sites, "1s", start, end)
    accepted = lambda m: (h.metrics(m) or {}).get('vigil_batches_total{result="accepted"}', 0)
    run.start_collector()
    h.collector("c2", c2cfg)
    wait_for(lambda: h.metrics(c2mport), 60, "the second collector's metrics endpoint")
    run.start_agent()
    wait_for(lambda: time.time() >= now + lead and run.position() > now * 1000 and len(run.held()) <= 1
             and accepted(run.mport) > 0, 60, "agent streaming live to the primary")
    held = run.held()
    h.kill("c")
    t0 = time.monotonic()
    # Moved: the second collector acknowledges, and what the spool held at the kill is gone.
    wait_for(lambda: accepted(c2mport) > 0 and not (held & run.held()), 120, "the agent storing on the second",
             interval=0.02)
    moved = time.monotonic() - t0
    time.sleep(max(0.0, o.cut - (time.monotonic() - t0)))  # the primary stays down o.cut s in all
    spooled = len(run.held())
    run.start_collector()
    t1 = time.monotonic()
    wait_for(lambda: accepted(run.mport) > 0, 120, "the agent back on the primary", interval=0.05)
    back = time.monotonic() - t1
    rc = h.wait_exit("a1", (end_ms / 1000 - time.time()) + 120)
    result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": moved, "recovery_median": moved,
              "failback": back, "spooled_batches": spooled, "second_batches": accepted(c2mport)}
    stored = []
    for path in run.export(start, end):  # the primary's, kept apart from the second's
        stored.append(path.replace("stored-", "stored-c-"))
        os.rename(path, stored[-1])
    stored += Run.export(argparse.Namespace(h=h, store=f"{h.dir}/c2-store"), start, end)
    result.update(count(sent, stored))
    if not result["second_batches"]:
        result["why"] = "the second collector acknowledged nothing (no failover)"
    return result


def store_full_case(h, o):
    """The store on a 24 MiB tmpfs, the sim (4 sites, 2 days at 60 s, speed: max) filling it;
    once a commit fails the test takes the last free bytes, holds the disk full o.cut seconds,
    then frees them and grows the tmpfs to 512 MiB (RocksDB resumes once the free space
    exceeds a memtable, 64 MiB).  Recovery: from the growth until the store is writable and
    the batches the spool held are acknowledged, by the same collector process."""
    fs = os.path.join(h.dir, "storefs")
    os.makedirs(fs)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", fs], capture_output=True, text=True)
    if m.returncode != 0:
        return {"skipped": f"cannot mount a tmpfs for the store ({m.stderr.strip() or 'needs root'})"}
    try:
        return store_full_run(h, o, fs)
    finally:
        h.stop_all()
        subprocess.run(["umount", "-l", fs], capture_output=True)


def store_full_run(h, o, fs):
    end_ms = SIM_START_MS + 48 * 3600 * 1000
    end = iso(end_ms)
    sites = argparse.Namespace(**{**vars(o), "sites": 4})
    run = Run(h, sim_input(sites, SIM_START, end, "60s", "max"), batch="batch:\n  max_samples: 1024\n")
    run.store = os.path.join(fs, "store")
    with open(run.ccfg) as f:
        text = f.read()
    with open(run.ccfg, "w") as f:
        f.write(text.replace(f"path: {h.dir}/c-store", f"path: {run.store}"))
    sent = run.expected(4, "60s", SIM_START, end)
    run.start_collector()
    run.start_agent()
    metric = lambda k: (h.metrics(run.mport) or {}).get(k, 0)
    wait_for(lambda: run.agent_done() or metric('vigil_commits_total{result="error"}') > 0, 300,
             "a failed commit (store full)")
    if run.agent_done():
        return {"faults": 0, "wanted": 1, "agent_exit": h.wait_exit("a1", 10), "recovery": 0, "recovery_median": 0,
                **count(sent, run.export(SIM_START, end))}
    filler = os.path.join(fs, "filler")
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    time.sleep(o.cut)  # the fault itself
    accepted = metric('vigil_batches_total{result="accepted"}')
    time.sleep(2)
    acked_while_full = metric('vigil_batches_total{result="accepted"}') - accepted
    spooled = len(run.held())
    os.unlink(filler)
    subprocess.run(["mount", "-o", "remount,size=512m", fs], check=True, capture_output=True)
    t0 = time.monotonic()
    wait_for(lambda: metric("vigil_store_writable") == 1, 120, "the store writable again")
    run.recover(t0, 0)
    rc = h.wait_exit("a1", 600)
    result = {"faults": 1, "wanted": 1, "agent_exit": rc, "recovery": run.recoveries[0],
              "recovery_median": run.recoveries[0], "spooled_batches": spooled,
              "collector_alive": h.procs["c"].poll() is None}
    if acked_while_full:
        result["why"] = f"{acked_while_full:.0f} batches acknowledged while the store was full"
    if not result["collector_alive"]:
        result["why"] = "the collector exited"
    h.stop_all()  # close the store before reading it
    result.update(count(sent, run.export(SIM_START, end)))
    return result


WIRE_CAPTURES = (("mdt.pcap", 57500, "mdt-tcp"), ("jti.pcap", 50000, "jti"), ("udpnotif.pcap", 10003, "udp-notif"))


def pcap_kill_case(h, o):
    """The simulated fleet as vendor captures (o.hours of o.sites), one pcap input per
    capture, paced (see factor), in one agent (small batches, window 2: many puts to interrupt); the
    agent is SIGKILLed each time the collector has stored another 1/(kills+2) of the captures'
    samples, and started again at once.  A restarted pcap input must resume after what its
    spool holds (its progress record), not send the capture again."""
    vigil = os.path.join(h.bin, "vigil")
    # Twice the sim cases' span (a replay is faster than the sim: 0.69 M samples in 24 hours of
    # 2 sites), and a window of 1: every kill has puts before and after it.
    end_ms = SIM_START_MS + 2 * o.hours * 3600 * 1000
    wire = os.path.join(h.dir, "wire")
    subprocess.run([vigil, "sim", "--seed", "7", "--sites", str(o.sites), "--interval", "60s", "--start", SIM_START,
                    "--end", iso(end_ms), "--wire-out", wire], stdout=subprocess.DEVNULL, check=True, timeout=600)
    sent = os.path.join(h.dir, "sent.ndjson")
    with open(sent, "w") as f:
        for name, port, fmt in WIRE_CAPTURES:
            subprocess.run([vigil, "decode", "--format", "pcap", "--port-map", f"{port}={fmt}",
                            os.path.join(wire, name)], stdout=f, stderr=subprocess.DEVNULL, check=True, timeout=300)
    with open(sent) as f:
        total = sum(1 for line in f if line.strip())
    # Paced, not `speed: max`: at max a quiet machine replays the captures in about 1.5 s, and
    # the run ended after the first kill.  The capture's pace times a factor that makes the
    # run last about 4 s per kill, whatever the machine's speed.
    factor = max(1, int(2 * o.hours * 3600 / (4 * (o.kills + 2))))
    inputs = "".join(f"  - {{type: pcap, file: '{wire}/{name}', speed: recorded, speed_factor: {factor}, "
                     f"ports: [{{port: {port}, format: {fmt}}}]}}\n" for name, port, fmt in WIRE_CAPTURES)
    run = Run(h, inputs, send="  window: 1\n", batch="batch:\n  max_samples: 1024\n")

    def stored():
        return (run.h.metrics(run.mport) or {}).get('vigil_samples_total{result="stored"}', 0)
    run.start_collector()
    t_start = time.monotonic()
    run.start_agent()
    faults = 0
    for i in range(o.kills):
        # The last kill at three quarters: a restart re-reads the capture quickly and the
        # replay runs at the collector's pace, so a kill nearer the end could come too late.
        goal = total * (i + 1) // (o.kills + 2)
        wait_for(lambda: run.agent_done() or stored() >= goal, 300, f"{goal} samples stored", interval=0.02)
        if run.agent_done():
            break
        before = stored()
        h.kill("a1")
        t0 = time.monotonic()
        run.start_agent()
        held = run.held()
        wait_for(lambda: run.agent_done() or (not (held & run.held()) and stored() > before), 300,
                 "recovery after the agent restart", interval=0.02)
        run.recoveries.append(time.monotonic() - t0)
        faults += 1
    t_end = time.monotonic()
    rc = h.wait_exit("a1", 600)
    result = {"faults": faults, "wanted": o.kills, "agent_exit": rc, "recovery": max(run.recoveries, default=0),
              "recovery_median": statistics.median(run.recoveries) if run.recoveries else 0,
              "drain": time.monotonic() - t_end, "run": time.monotonic() - t_start}
    result.update(count(sent, run.export(SIM_START, iso(end_ms + 3600 * 1000))))
    return result


def count_gap_events(run, start, end):
    """Events the gap records say were dropped."""
    r = run.h.vigil("query", "--store", run.store, "--events", "--format", "json", "--from", start, "--to", end)
    n = 0
    for line in r.stdout.splitlines():
        if line.strip():
            o = json.loads(line)
            if "gap" in o:
                n += o["gap"]["events"]
    return n


CASES = {
    "collector_kill": ("collector SIGKILL", lambda h, o: kill_case(h, o, ["c"])),
    "agent_kill": ("agent SIGKILL", lambda h, o: kill_case(h, o, ["a1"])),
    "alternate": ("agent and collector SIGKILL alternately", lambda h, o: kill_case(h, o, ["a1", "c"])),
    "collector_down": ("collector down, then drain", down_case),
    "spool_full": ("spool limit full (1 MiB), sim at speed: max", spool_full_case),
    "spool_disk_full": ("spool disk full (1.5 MiB tmpfs), sim at speed: max",
                        lambda h, o: spool_full_case(h, o, disk=True)),
    "live_drop": ("live input, spool limit full (1 MiB), collector down", lambda h, o: down_case(h, o, drop=True)),
    "pmdir_full": ("pmdir backlog, spool limit full (1 MiB)", pmdir_full_case),
    "pmdir_disk_full": ("pmdir backlog, spool disk full (1.5 MiB tmpfs)", lambda h, o: pmdir_full_case(h, o, disk=True)),
    "net_cut": ("network cut (veth link down)", net_cut_case),
    "failover": ("two collectors, the primary SIGKILLed", failover_case),
    "pcap_kill": ("agent SIGKILL, three paced pcap inputs", pcap_kill_case),
    "ves": ("VES posts, agent and collector SIGKILLed alternately", lambda h, o: ves_case(h, o, Run)),
    "kafka": ("Kafka: broker down, collector SIGKILL with a full outbox", kafka_case),
    "store_full": ("store disk full (24 MiB tmpfs), then grown", store_full_case),
}
FULL_ONLY = {"store_full"}  # a minute or more each: not in the quick variant (CI)


def describe(name, o, r):
    title = CASES[name][0]
    if name == "collector_down":
        return f"{title} ({o.down:g} s, {r['spooled_batches']} batches spooled)"
    if name == "failover":
        return (f"{title} and down {o.cut:g} s: moved in {r['recovery']:.2f} s, back {r['failback']:.2f} s after "
                f"its restart, {r['second_batches']:.0f} batches on the second")
    if name == "store_full":
        return f"{title}: full {o.cut:g} s, {r['spooled_batches']} batches spooled, same collector process"
    if name == "ves":
        return (f"{title} ×{r['faults']} ({r['resent_unanswered']} posts unanswered at a kill and sent again, "
                f"{r['dup_resent_unanswered']} of them stored twice: not counted as duplicates, see the text)")
    if name == "kafka":
        return (f"Kafka broker down {o.kafka_down:g} s while alerting, collector SIGKILL with {200} alerts in the "
                f"outbox, {o.kafka_kills} SIGKILLs while alerts flow ({r['already_delivered']:.0f} delivered outbox "
                f"records found on the topic at restarts, not sent again); counted per alert uid on the topic")
    if name == "net_cut":
        return f"{title} {o.cut:g} s, {r['spooled_batches']} batches spooled"
    if name == "live_drop":
        return f"{title} {o.down:g} s (dropped, told by gaps: the last column)"
    if name in ("spool_full", "spool_disk_full"):
        return f"{title}, {r['spooled_batches']} batches spooled"
    if name in ("pmdir_full", "pmdir_disk_full"):
        return (f"{title}: {r['files']} files, paused at {r['paused_at_files']} with {r['spooled_batches']} "
                f"batches spooled")
    return f"{title} ×{r['faults']}"


def table(rows, markdown):
    head = ["case", "sent", "stored", "lost", "duplicated", "recovery (max / median)", "gap events"]
    lines = []
    for name, o, r in rows:
        def pair(k):
            if r.get("unit"):  # a case that counts one kind (kafka: alerts)
                return f"{r[k + '_events']:,} {r['unit']}"
            return f"{r[k + '_samples']:,} + {r[k + '_events']:,} ev"
        lines.append([describe(name, o, r), pair("sent"), pair("stored"), pair("lost"), pair("dup"),
                      f"{r['recovery']:.2f} s / {r['recovery_median']:.2f} s",
                      f"{r['gaps']} ({r['gap_samples']} samples)"])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(l) + " |" for l in lines]
    else:
        widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
        out = ["  ".join(c.ljust(w) for c, w in zip(x, widths)) for x in [head] + lines]
    return "\n".join(out)


def failures(name, r):
    why = []
    if r["faults"] < r["wanted"]:
        why.append(f"only {r['faults']} of {r['wanted']} faults injected (the run ended first)")
    if r["agent_exit"] != 0:
        why.append(f"agent exited {r['agent_exit']}")
    for k in ("lost", "dup", "other"):
        for kind in ("samples", "events"):
            if r[f"{k}_{kind}"]:
                why.append(f"{r[f'{k}_{kind}']} {kind} {k}")
    if r.get("gaps_expected"):
        # A live input drops what does not fit: every loss told by a gap event, exactly.
        if not r["lost_samples"]:
            why.append("nothing was dropped (the case did not fill the spool)")
        if r["gap_samples"] != r["lost_samples"]:
            why.append(f"gap events account for {r['gap_samples']} samples, {r['lost_samples']} were lost")
        if r["gap_events_dropped"] != r["lost_events"]:
            why.append(f"gap events account for {r['gap_events_dropped']} events, {r['lost_events']} were lost")
        return [w for w in why if not w.endswith(("samples lost", "events lost"))]
    if r["gaps"]:
        why.append(f"{r['gaps']} gap events")
    if r.get("why"):
        why.append(r["why"])
    if "files" in r:
        # pmdir: paused (not done before a collector came), nothing refused, every file once.
        if r["paused_at_files"] >= r["files"]:
            why.append("pmdir did not pause (every file finished with no collector: the spool did not fill)")
        if r["spool_full"] != 0:
            why.append(f"{r['spool_full']} batches refused by the full spool (pmdir should have paused)")
        if r["done_files"] != r["files"] or r["left_files"]:
            why.append(f"{r['done_files']} of {r['files']} files in done_dir, {r['left_files']} left")
        if r["files_read"] != r["files"]:
            why.append(f"the agent read {r['files_read']} files for {r['files']} (each exactly once)")
    return why


def main():
    o = options()
    # A runner's timeout (SIGTERM) unwinds through each case's finally: its processes are
    # stopped and a tmpfs it mounted is unmounted.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    rows, bad = [], []
    for name in o.cases.split(","):
        if name not in CASES:
            sys.exit(f"unknown case {name}; cases: {', '.join(CASES)}")
        h = Harness(f"faults-{name}")
        t = time.monotonic()
        ok = False
        try:
            r = CASES[name][1](h, o)
            if "skipped" in r:
                print(f"{name}: SKIPPED: {r['skipped']}", flush=True)
                ok = True
                continue
            why = failures(name, r)
            leftover = h.stop_all()
            if leftover:
                why.append(f"processes did not shut down cleanly on SIGTERM: {leftover}")
            rows.append((name, o, r))
            print(f"{name}: {time.monotonic() - t:.0f} s; {json.dumps({k: v for k, v in r.items() if k != 'examples'})}",
                  flush=True)
            for e in r["examples"]:
                print(f"  differs: {e}")
            if why:
                bad.append(f"{name}: " + "; ".join(why))
            ok = not why
        except Exception as e:  # noqa: BLE001 - report any failure, go on with the next case
            import traceback
            traceback.print_exc()
            bad.append(f"{name}: {e}")
        finally:
            h.close(ok and not os.environ.get("VG_KEEP"))
    print()
    print(table(rows, o.markdown))
    for b in bad:
        print(f"FAIL {b}", file=sys.stderr)
    print(f"{len(rows) - len(bad) if len(bad) <= len(rows) else 0} passed, {len(bad)} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
