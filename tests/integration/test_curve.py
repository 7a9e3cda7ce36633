"""CURVE authentication end to end: keys from `vigil keygen`, a collector that lists two
agents' public keys, and real agents.

- a1 (its own key pair) sends simulated data: stored.  a2 (its own key) reports its host: stored.
- an agent with an unlisted key is not admitted: nothing stored, a denial in /metrics.
- an agent with a2's (listed) key that says it is a1 is refused: nothing stored, counted.
- a plain-TCP agent gets nothing from the CURVE collector: nothing stored."""
import os
import stat
from vgtest import run, wait_for

START, END = "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"


def keygen(h, prefix=None):
    """A key pair (public, secret) from `vigil keygen`, printed or written to PREFIX.{pub,key}."""
    if prefix is None:
        out = h.vigil("keygen").stdout
        kv = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
        return kv["public_key"].strip("'"), kv["secret_key"].strip("'")
    h.vigil("keygen", "--out", prefix)
    mode = stat.S_IMODE(os.stat(prefix + ".key").st_mode)
    assert mode == 0o600, f"secret key file mode {oct(mode)}"
    again = h.vigil("keygen", "--out", prefix, check=False)
    assert again.returncode != 0, "keygen overwrote an existing key"
    pub = open(prefix + ".pub").read().strip()
    sec = open(prefix + ".key").read().strip()
    return pub, sec


def agent_yaml(h, name, agent_id, port, inputs, keys=None, server_pub=None):
    curve = ""
    if keys:
        curve = (f"curve:\n  server_key: '{server_pub}'\n  public_key: '{keys[0]}'\n"
                 f"  secret_key: '{keys[1]}'\n")
    return h.write(f"{name}.yaml",
                   f"agent:\n  id: {agent_id}\ncollectors: [tcp://127.0.0.1:{port}]\n"
                   f"spool:\n  dir: {h.dir}/{name}-spool\n  fsync: false\n"
                   f"send:\n  timeout: 2s\n  heartbeat: 500ms\n"
                   f"inputs:\n{inputs}{curve}")


def linux(dev):
    return f"  - type: linux\n    interval: 1s\n    device_id: {dev}\n"


def body(h):
    srv = keygen(h, os.path.join(h.dir, "collector"))
    a1, a2, rogue = keygen(h), keygen(h), keygen(h)
    assert len({srv[0], a1[0], a2[0], rogue[0]}) == 4 and all(len(k) == 40 for k in srv + a1 + a2 + rogue)
    extra = (f"  - id: a1\n    public_key: '{a1[0]}'\n"
             f"  - id: a2\n    public_key: '{a2[0]}'\n"
             f"curve:\n  secret_key: '{srv[1]}'\n  public_key: '{srv[0]}'\n")
    cfg, port, mport = h.collector_config(agents=(), extra=extra)
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    store = f"{h.dir}/collector-store"

    sim = (f"  - type: sim\n    seed: 3\n    sites: 1\n    start: {START}\n    end: {END}\n"
           f"    interval: 60s\n    speed: max\n")
    h.agent("a1", agent_yaml(h, "a1", "a1", port, sim, a1, srv[0]), "--exit-when-done")
    h.agent("a2", agent_yaml(h, "a2", "a2", port, linux("lab2/linux"), a2, srv[0]))
    h.agent("rogue", agent_yaml(h, "rogue", "a1", port, linux("rogue/linux"), rogue, srv[0]))
    h.agent("imposter", agent_yaml(h, "imposter", "a1", port, linux("evil/linux"), a2, srv[0]))
    h.agent("plain", agent_yaml(h, "plain", "a1", port, linux("plain/linux")))

    assert h.wait_exit("a1", 120) == 0, "agent a1 (sim) failed"
    rows = h.query_json(store, "--device", "site*", "--from", START, "--to", END)
    assert len(rows) > 100, f"a1's simulated samples not stored: {len(rows)}"
    wait_for(lambda: h.query_json(store, "--device", "lab2/linux"), 30, "a2's samples")

    m = wait_for(lambda: (lambda m: m if m and m["vigil_zap_denied_total"] >= 1
                          and m["vigil_wrong_agent_total"] >= 1 else None)(h.metrics(mport)),
                 30, "denial and wrong-agent counters")
    assert m["vigil_zap_allowed_total"] >= 3, m["vigil_zap_allowed_total"]  # a1, a2, imposter (a2's key)
    # Let the refused agents retry for a while: they must still get nothing in.
    wait_for(lambda: h.metrics(mport)["vigil_wrong_agent_total"] >= 3, 30, "imposter retrying")
    for dev in ("rogue/linux", "evil/linux", "plain/linux"):
        got = h.query_json(store, "--device", dev)
        assert not got, f"{dev}: {len(got)} samples stored from an agent that should be refused"
    for key in ("rogue", "imposter", "plain"):
        assert h.procs[key].poll() is None, f"{key} agent exited"
    log = h.log("c")
    assert "is not listed" in log, "no log line for the unlisted key"
    assert "from the CURVE key of agent 'a2'" in log, "no log line for the imposter"
    m = h.metrics(mport)
    print(f"a1: {len(rows)} samples stored over CURVE; zap allowed={m['vigil_zap_allowed_total']:.0f} "
          f"denied={m['vigil_zap_denied_total']:.0f} wrong_agent={m['vigil_wrong_agent_total']:.0f}; "
          f"nothing stored from the unlisted, impersonating and plain-TCP agents")


run("curve", body)
