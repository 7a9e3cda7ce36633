"""One agent floods the collector; another keeps sending, unharmed (docs/SECURITY.md, "Limits").

A hostile agent (tests/tools/vgsend flood: it ignores RETRY and resends at once, many series,
new ones in every batch) floods for FLOOD_S seconds while a normal agent sends a simulated
fleet (catch-up at full speed, then realtime).  The collector runs with per-agent limits
(limits.*).  Asserted:
  * the flooding agent is throttled (vigil_agent_batches_total{agent="flood",result="throttled"}
    moves) and held to its rate; the normal agent never is;
  * the normal agent's data all arrives, once, and its oldest unacknowledged batch is never
    older than LATENCY_S during the flood (bounded latency);
  * the flooder's series stop at limits.agent_series (the rest refused and counted);
  * nothing acknowledged is lost: the store holds exactly the simulator's samples plus the
    flooder's acknowledged samples minus those refused for the series ceiling;
  * the collector's peak RSS (VmHWM) stays under RSS_CEILING_MIB.
VG_FLOOD_NO_LIMITS=1 runs the same flood with every limit off and only prints the figures
(the "without limits" rows of docs/RELIABILITY.md); VG_FLOOD_SECONDS sets its length and
VG_FLOOD_DETECT=1 runs the detectors (detectors/rules.yaml) too; VG_FLOOD_RSS=MIB adds
limits.max_rss_bytes (with VG_FLOOD_NO_LIMITS=1: the RSS ceiling alone against the flood); VG_FLOOD_AGENT=1 floods with a
real vigil-agent instead (sim, 100 sites at speed: max: it honours RETRY and retry_after_ms)
and prints what it got through."""
import json
import os
import re
import signal
import subprocess
import time

from vgtest import cpu_seconds, free_port, iso, proc_status, run, wait_for

FLOOD_S = int(os.environ.get("VG_FLOOD_SECONDS", "20"))
LATENCY_S = 5.0
BATCHES_PER_S = 20
SAMPLES_PER_S = 40000
SERIES_CEILING = 5000
RSS_CEILING_MIB = 320
NO_LIMITS = os.environ.get("VG_FLOOD_NO_LIMITS") == "1"
DETECT = os.environ.get("VG_FLOOD_DETECT") == "1"
AGENT = os.environ.get("VG_FLOOD_AGENT") == "1"
RSS_LIMIT_MIB = int(os.environ.get("VG_FLOOD_RSS", "0"))


def report_ceiling_alone(h, mport, coll, cm):
    """VG_FLOOD_RSS with VG_FLOOD_NO_LIMITS, the ceiling alone: a measurement.  What the flood
    made the collector keep (its series table) stays, so it may stay over the ceiling,
    refusing every agent: print where it is once the normal agent is done or still refused."""
    d0 = cm["vigil_memory_ceiling_deferred_total"]
    m2 = wait_for(lambda: (lambda x: x if h.procs["sim1"].poll() is not None or
                           (x and x["vigil_memory_ceiling_deferred_total"] > d0 + 5) else None)(h.metrics(mport)),
                  60, "the normal agent done, or still refused after the flood")
    print(f"after the flood: collector VmRSS {proc_status(coll.pid, 'VmRSS') / 1024:.0f} MiB, "
          f"{m2['vigil_memory_ceiling_deferred_total']:.0f} batches deferred in all, normal agent "
          f"{'done' if h.procs['sim1'].poll() is not None else 'still sending'}")


def report_agent_flood(h, mport, coll, rss_max, cpu, age_max):
    """VG_FLOOD_AGENT: print what a real agent flooding got through (a measurement)."""
    acked = h.acked_batches("flood")
    cm = h.metrics(mport)
    samples = cm.get('vigil_agent_samples_total{agent="flood"}', 0)
    throttled = cm.get('vigil_agent_batches_total{agent="flood",result="throttled"}', 0)
    built = re.findall(r" batches=(\d+)", h.log("flood"))
    dropped = re.findall(r" dropped=(\d+)", h.log("flood"))
    print(f"agent flood: {FLOOD_S} s, acked {acked} batches ({acked / FLOOD_S:.1f}/s), {samples / FLOOD_S:.0f} "
          f"samples/s, throttled {throttled:.0f}, built {built[-1] if built else '?'} batches (the rest waits in its "
          f"spool), dropped {dropped[-1] if dropped else '?'}; collector VmHWM "
          f"{proc_status(coll.pid, 'VmHWM') / 1024:.0f} MiB, VmRSS max {rss_max / 1024:.0f} MiB, CPU {cpu:.1f} s; "
          f"normal agent oldest unacked batch max {age_max:.2f} s")
    if RSS_LIMIT_MIB and NO_LIMITS:
        report_ceiling_alone(h, mport, coll, cm)
        return
    assert h.wait_exit("sim1", 120) == 0, "the normal agent failed"


def body(h):
    if NO_LIMITS:
        limits = ("limits:\n  agent_batches_per_s: 0\n  agent_samples_per_s: 0\n  agent_series: 0\n"
                  "  receive_queue: 1000\n")
    else:
        limits = (f"limits:\n  agent_batches_per_s: {BATCHES_PER_S}\n  agent_samples_per_s: {SAMPLES_PER_S}\n"
                  f"  agent_burst: 1s\n  agent_series: {SERIES_CEILING}\n  receive_queue: 16\n")
    detect = (f"detect:\n  enabled: true\n  rules: {os.path.join(h.a.source, 'detectors', 'rules.yaml')}\n"
              if DETECT else "")
    if RSS_LIMIT_MIB:
        limits += f"  max_rss_bytes: {RSS_LIMIT_MIB}MiB\n"
    cfg, port, mport = h.collector_config(agents=("sim1", "flood"), ingest="  max_batch_bytes: 4MiB\n",
                                          extra=f"\n{limits}{detect}")
    coll = h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")

    # The normal agent: two sites, 1 s interval; two minutes of catch-up, then realtime.
    now_ms = int(time.time() * 1000)
    start_ms = (now_ms // 1000 - 120) * 1000
    end_ms = (now_ms // 1000 + FLOOD_S + 10) * 1000
    start, end = iso(start_ms), iso(end_ms)
    sim = f"  - type: sim\n    seed: 11\n    sites: 2\n    start: {start}\n    end: {end}\n    interval: 1s\n    speed: max\n"
    amport = free_port()
    a1 = h.agent_config("sim1", [port], sim, metrics_port=amport)

    if AGENT:
        fsim = (f"  - type: sim\n    seed: 5\n    sites: 100\n    start: {iso(start_ms - 3600000)}\n"
                f"    interval: 1s\n    speed: max\n")
        flood = h.agent("flood", h.agent_config("flood", [port], fsim, extra="batch:\n  max_samples: 20000\n"))
        end_at = time.monotonic() + FLOOD_S
    else:
        flood = subprocess.Popen([os.path.join(h.bin, "vgsend"), f"tcp://127.0.0.1:{port}", "flood", "flood", "77",
                                  str(FLOOD_S), "2000", "500", "2", "32"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env=h.curve_env("flood"))
    h.agent("sim1", a1, "--exit-when-done")
    rss_max, age_max, t0, cpu0 = 0, 0.0, time.monotonic(), cpu_seconds(coll.pid)
    try:
        while flood.poll() is None:
            rss_max = max(rss_max, proc_status(coll.pid, "VmRSS"))
            am = h.metrics(amport)
            if am and "vigil_agent_spool_oldest_age_seconds" in am:
                age_max = max(age_max, am["vigil_agent_spool_oldest_age_seconds"])
            assert time.monotonic() - t0 < FLOOD_S + 60, "flooder did not stop"
            if AGENT and time.monotonic() >= end_at:
                h.kill("flood", signal.SIGTERM)
            time.sleep(0.25)
        if AGENT:
            return report_agent_flood(h, mport, coll, rss_max, cpu_seconds(coll.pid) - cpu0, age_max)
        out = flood.communicate(timeout=30)[0]
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait(10)
    m = re.search(r"flood sent=(\d+) acked=(\d+) acked_samples=(\d+) retries=(\d+) rejected=(\d+) inflight=(\d+)", out)
    assert m, f"no summary from vgsend flood: {out[-2000:]}"
    sent, acked, acked_samples, retries, rejected, inflight = map(int, m.groups())
    assert rejected == 0, out[-2000:]
    hwm, cpu = proc_status(coll.pid, "VmHWM"), cpu_seconds(coll.pid) - cpu0
    # /metrics is published once a second: wait until it counts every acknowledged batch.
    cm = wait_for(lambda: (lambda x: x if x and x.get('vigil_agent_samples_total{agent="flood"}', 0) >= acked_samples
                           else None)(h.metrics(mport)), 30, "the flooder's acknowledged samples in /metrics")
    throttled = cm.get('vigil_agent_batches_total{agent="flood",result="throttled"}', 0)
    refused = cm.get('vigil_agent_series_refused_samples_total{agent="flood"}', 0)
    sim_throttled = cm.get('vigil_agent_batches_total{agent="sim1",result="throttled"}', 0)
    if RSS_LIMIT_MIB:
        print(f"RSS ceiling {RSS_LIMIT_MIB} MiB: {cm.get('vigil_memory_ceiling_deferred_total', 0):.0f} batches "
              f"deferred over it")
    print(f"flood: {FLOOD_S} s, sent {sent} batches, acked {acked} ({acked / FLOOD_S:.1f}/s, "
          f"{acked_samples / FLOOD_S:.0f} samples/s), retries {retries}, throttled {throttled:.0f}, "
          f"series-refused samples {refused:.0f}; collector VmHWM {hwm / 1024:.0f} MiB, "
          f"VmRSS max {rss_max / 1024:.0f} MiB, CPU {cpu:.1f} s; normal agent oldest unacked batch max {age_max:.2f} s")

    if RSS_LIMIT_MIB and NO_LIMITS:
        report_ceiling_alone(h, mport, coll, cm)
        return
    assert h.wait_exit("sim1", 120) == 0, "the normal agent failed"
    if not NO_LIMITS:
        assert throttled > 0, "the flooding agent was never throttled"
        # Held to its rate (the burst of 1 s, the sustained rate, one batch of debt), and not
        # starved below it either (a loose floor: the flooder builds its batches on a busy machine).
        per_batch = acked_samples // max(acked, 1)
        assert acked <= BATCHES_PER_S * (FLOOD_S + 2), f"flood acked {acked} batches in {FLOOD_S} s"
        assert acked_samples <= SAMPLES_PER_S * (FLOOD_S + 2) + per_batch, \
            f"flood acked {acked_samples} samples in {FLOOD_S} s, over {SAMPLES_PER_S}/s"
        assert acked_samples >= SAMPLES_PER_S * FLOOD_S / 4, f"flood starved: {acked_samples} samples acked"
        assert sim_throttled == 0, f"the normal agent was throttled {sim_throttled} times"
        assert refused > 0, "the flooder's new series were never refused at limits.agent_series"
        assert age_max <= LATENCY_S, f"the normal agent's oldest unacked batch reached {age_max:.2f} s"
        assert hwm < RSS_CEILING_MIB * 1024, f"collector VmHWM {hwm / 1024:.0f} MiB over {RSS_CEILING_MIB} MiB"

    # Every sample of the normal agent, once.
    store = f"{h.dir}/collector-store"
    sim_samples, _ = h.assert_sim_stored_once(store, ("--seed", "11", "--sites", "2", "--interval", "1s",
                                                      "--start", start, "--end", end), start, end)
    # Nothing the flooder had acknowledged is lost (and nothing is stored twice).
    assert h.kill("collector", signal.SIGTERM) == 0
    info = json.loads(h.vigil("inspect", "--store", store, "--format", "json").stdout)
    flood_stored = info["samples"] - sim_samples
    print(f"store: {info['samples']} samples ({sim_samples} from the normal agent, {flood_stored} from the flooder), "
          f"{info['series']} series")
    # (When the flooder stopped listening before the collector fell silent, more may be stored.)
    ok = flood_stored == acked_samples - refused if inflight == 0 else flood_stored >= acked_samples - refused
    assert ok, (f"flooder: stored {flood_stored}, acknowledged {acked_samples} - refused {refused:.0f}, "
                f"drain incomplete: {inflight}")


run("flood", body)
