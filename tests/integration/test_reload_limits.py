"""SIGHUP applies every limits.* option and the agents' keys without losing state, and names
what it cannot apply; the collector's RSS ceiling; the agent's reload and its backoff.

1. A collector started with limits.max_rss_bytes below its own RSS answers every batch
   RETRY (counted in vigil_memory_ceiling_deferred_total, logged with the reason); nothing
   is stored, the agent spools and backs off (vigil_agent_backoffs_total).
2. SIGHUP with the ceiling removed and limits.agent_batches_per_s lowered to 1: batches
   are stored, the agent is throttled (the reloaded rate applies at once); store.cache also
   changed in the file is named in a warning (a restart applies it).
3. SIGHUP with the rate raised: the agent drains; the store holds exactly the simulator's
   output (nothing lost or doubled across the reloads).
4. The agent reloads send.* (logged) and names spool.max_bytes (not reloadable).
5. ingest.* per-batch limits reload: agent k1 streams live data over CURVE; a reload sets
   ingest.max_series to 1, so its next batches (several series each) are rejected and
   nothing more is stored; a reload back to the default stores them again.
6. Revocation: a reload replaces k1's key.  The reload closes its open connection
   (vigil_revoked_key_connections_closed_total, a log line), its reconnects fail the
   handshake (vigil_zap_denied_total), and nothing more of it is stored."""
import re
import signal
import time
from vgtest import free_port, run, wait_for

START, END = "2026-09-01T00:00:00Z", "2026-09-01T03:00:00Z"
SIM = ["--seed", "5", "--sites", "2", "--interval", "60s", "--start", START, "--end", END]


def collector_yaml(h, port, mport, limits, extra_store="", k1_key=None, ingest=""):
    """The collector's configuration (rewritten in place for each reload)."""
    cfg, _, _ = h.collector_config(name="c", port=port, metrics_port=mport, agents=("s1", "k1"),
                                   extra=f"limits:\n{limits}", ingest=ingest)
    text = open(cfg).read()
    if extra_store:
        text = text.replace("store:\n", f"store:\n{extra_store}")
    if k1_key:
        text = text.replace(h.keys("agent-k1")[0], k1_key)
    return h.write("c.yaml", text)


def stored(h, store, device):
    return len(h.query_json(store, "--device", device))


def body(h):
    port, mport, amport = free_port(), free_port(), free_port()
    store = f"{h.dir}/c-store"
    cfg = collector_yaml(h, port, mport, "  max_rss_bytes: 1MiB\n")
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")

    # 1. Over the ceiling: RETRY for every batch, nothing stored, the agent backs off.
    sim = (f"  - type: sim\n    seed: 5\n    sites: 2\n    start: {START}\n    end: {END}\n"
           f"    interval: 60s\n    speed: max\n")
    acfg = h.agent_config("s1", [port], sim, metrics_port=amport, extra="batch:\n  max_samples: 1024\n",
                          send="  backoff_base: 50ms\n  backoff_max: 400ms\n")
    h.agent("s1", acfg, "--exit-when-done")
    m = wait_for(lambda: (lambda m: m if m and m["vigil_memory_ceiling_deferred_total"] >= 3 else None)(h.metrics(mport)),
                 60, "batches deferred over the RSS ceiling")
    assert m['vigil_batches_total{result="accepted"}'] == 0, m
    assert m['vigil_batches_total{result="backlog"}'] >= 3, m
    assert m["vigil_collector_rss_bytes"] > 1 << 20, m["vigil_collector_rss_bytes"]
    assert "over limits.max_rss_bytes 1 MiB" in h.log("c"), h.log("c")[-2000:]
    wait_for(lambda: (h.metrics(amport) or {}).get("vigil_agent_backoffs_total", 0) >= 3, 60, "the agent backing off")

    # 2. Ceiling removed, rate lowered to 1 batch/s, store.cache changed: applied / named.
    collector_yaml(h, port, mport, "  max_rss_bytes: 0\n  agent_batches_per_s: 1\n  agent_burst: 1s\n",
                   extra_store="  cache: 32MiB\n")
    h.procs["c"].send_signal(signal.SIGHUP)
    wait_for(lambda: "limits reloaded: agent_batches_per_s 1," in h.log("c"), 30, "the limits reload line")
    wait_for(lambda: "not applied by a reload, restart to apply them: store.cache" in h.log("c"), 30,
             "the warning naming store.cache")
    m = wait_for(lambda: (lambda m: m if m and m['vigil_batches_total{result="accepted"}'] >= 2
                          and m['vigil_batches_total{result="throttled"}'] >= 2 else None)(h.metrics(mport)),
                 60, "batches stored at the reloaded rate, the rest throttled")
    assert h.procs["s1"].poll() is None, "the agent finished at 1 batch/s: the sim is too small to see throttling"

    # 3. Rate raised: the agent drains; every sample stored exactly once.
    collector_yaml(h, port, mport, "  agent_batches_per_s: 1000\n", extra_store="  cache: 32MiB\n")
    h.procs["c"].send_signal(signal.SIGHUP)
    wait_for(lambda: "limits reloaded: agent_batches_per_s 1000," in h.log("c"), 30, "the second limits reload")

    # 4. The agent reloads send.* and names what it cannot (while it drains).
    h.write("s1.yaml", open(acfg).read().replace("backoff_max: 400ms", "backoff_max: 5s")
            .replace("spool:\n", "spool:\n  max_bytes: 64MiB\n"))
    h.procs["s1"].send_signal(signal.SIGHUP)
    assert h.wait_exit("s1", 300) == 0, "agent did not drain"
    alog = h.log("s1")
    assert "backoff_base 50 ms, backoff_max 5000 ms" in alog, alog[-2000:]
    assert "not applied by a reload, restart to apply them: spool.max_bytes" in alog, alog[-2000:]
    n, nev = h.assert_sim_stored_once(store, SIM, START, END)
    m = h.metrics(mport)
    throttled = m['vigil_batches_total{result="throttled"}']
    print(f"ceiling: {m['vigil_memory_ceiling_deferred_total']:.0f} batches deferred; "
          f"throttled after the reload: {throttled:.0f}; "
          f"{n} samples, {nev} events stored exactly once across 2 reloads")

    # 5. ingest.max_series lowered by a reload: k1's next batches are rejected, then stored again.
    live = "  - type: linux\n    interval: 1s\n    device_id: rev/linux\n"
    h.agent("k1", h.agent_config("k1", [port], live))
    wait_for(lambda: stored(h, store, "rev/linux") > 0, 60, "k1's samples")
    rejected = lambda: h.metrics(mport)['vigil_batches_total{result="rejected"}']
    r0 = rejected()
    collector_yaml(h, port, mport, "  agent_batches_per_s: 1000\n", extra_store="  cache: 32MiB\n",
                   ingest="  max_series: 1\n")
    h.procs["c"].send_signal(signal.SIGHUP)
    wait_for(lambda: re.search(r"ingest limits reloaded: .* max_series 1,", h.log("c")), 30, "the ingest reload line")
    wait_for(lambda: rejected() >= r0 + 2, 60, "k1's batches rejected at ingest.max_series 1")
    n0 = stored(h, store, "rev/linux")
    wait_for(lambda: rejected() >= r0 + 4, 60, "more of k1's batches rejected")
    assert stored(h, store, "rev/linux") == n0, "a batch over the reloaded ingest.max_series was stored"
    assert re.search(r"series exceed max_series 1\b", h.log("c")), h.log("c")[-2000:]
    assert "restart to apply them: ingest." not in h.log("c"), h.log("c")[-2000:]
    collector_yaml(h, port, mport, "  agent_batches_per_s: 1000\n", extra_store="  cache: 32MiB\n")
    h.procs["c"].send_signal(signal.SIGHUP)
    wait_for(lambda: stored(h, store, "rev/linux") > n0, 60, "k1's samples stored again at the default max_series")
    print(f"ingest.max_series 1 by a reload: {rejected() - r0:.0f} batches of k1 rejected, stored again after the "
          f"next reload")

    # 6. Revocation of k1's key by a reload: its open connection is closed at once.
    other = h.keys("agent-k1-new")[0]
    collector_yaml(h, port, mport, "  agent_batches_per_s: 1000\n", extra_store="  cache: 32MiB\n", k1_key=other)
    denied = h.metrics(mport)["vigil_zap_denied_total"]
    t0 = time.monotonic()
    h.procs["c"].send_signal(signal.SIGHUP)
    wait_for(lambda: "changed [k1]" in h.log("c"), 30, "the reload changing k1's key")
    wait_for(lambda: h.metrics(mport)["vigil_revoked_key_connections_closed_total"] >= 1, 30,
             "k1's open connection closed")
    assert "closed 1 connection(s) whose CURVE key the reload revoked" in h.log("c"), h.log("c")[-2000:]
    wait_for(lambda: h.metrics(mport)["vigil_zap_denied_total"] >= denied + 1, 60, "k1's reconnect refused")
    refused_after = time.monotonic() - t0
    n1 = stored(h, store, "rev/linux")
    wait_for(lambda: h.metrics(mport)["vigil_zap_denied_total"] >= denied + 3, 60, "k1 refused again")
    assert stored(h, store, "rev/linux") == n1, "samples stored from a revoked key"
    print(f"revoked: connection closed, first reconnect refused {refused_after:.2f} s after the SIGHUP; "
          f"{h.metrics(mport)['vigil_revoked_key_messages_total']:.0f} messages refused on the open "
          f"connection, {h.metrics(mport)['vigil_zap_denied_total'] - denied:.0f} handshakes refused, "
          f"{n1} samples of k1 (all before the reload)")


run("reload_limits", body)
