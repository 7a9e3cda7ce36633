"""CURVE authentication end to end: keys from `vigil keygen`, a collector that lists three
agents' public keys, and real agents.

- CURVE is the default: a collector or an agent with neither keys nor `curve.insecure: true`
  refuses to start (exit 2) and says how to fix it; `curve.insecure: true` runs plain TCP
  with a warning at every start.
- a1 (its own key pair) sends simulated data: stored.  a2 (its own key, its public key not
  written in its configuration but derived from the secret) reports its host: stored.
- a3 (listed, allowed only `lab3/*`) reports another device: every batch rejected and
  counted, nothing stored.
- a4 (listed, allowed only `lab4/*`) sends a bounded sim with --exit-when-done: every batch
  rejected, and the agent exits 1 saying so (not 0, as if it had all been stored).
- an agent with an unlisted key is not admitted: nothing stored, a denial in /metrics.
- an agent with a2's (listed) key that says it is a1 is refused: nothing stored, counted.
- a plain-TCP agent (curve.insecure) gets nothing from the CURVE collector: nothing stored.
- key rotation (docs/SECURITY.md): the agent id listed twice (old and new key), the agent
  switched to the new key, the old entry removed and the collector restarted: the new key
  delivers throughout, the old one is refused; one id listed twice with different devices
  is refused at start."""
import os
import stat
import subprocess
from vgtest import free_port, run, wait_for

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


def agent_yaml(h, name, agent_id, port, inputs, keys=None, server_pub=None, derive=False):
    """An agent's configuration: CURVE with keys (public, secret) and the collector's key, the
    public key left out when derive; plain TCP (curve.insecure) without keys."""
    curve = "curve:\n  insecure: true\n"
    if keys:
        pub = "" if derive else f"  public_key: '{keys[0]}'\n"
        curve = f"curve:\n  server_key: '{server_pub}'\n{pub}  secret_key: '{keys[1]}'\n"
    return h.write(f"{name}.yaml",
                   f"agent:\n  id: {agent_id}\ncollectors: [tcp://127.0.0.1:{port}]\n"
                   f"spool:\n  dir: {h.dir}/{name}-spool\n  fsync: false\n"
                   f"send:\n  timeout: 2s\n  heartbeat: 500ms\n"
                   f"inputs:\n{inputs}{curve}")


def linux(dev):
    return f"  - type: linux\n    interval: 1s\n    device_id: {dev}\n"


def refused_without_keys(h):
    """Neither keys nor curve.insecure: both daemons exit 2 naming the fix; insecure alone
    starts with a warning (checked on the plain-TCP collector below)."""
    ccfg, _, _ = h.collector_config(name="nokeys", agents=("a1",), curve=None)
    acfg = h.agent_config("nokeys-agent", [free_port()], linux("x/linux"), curve=None)
    for prog, cfg, want in (("vigil-collector", ccfg, ("curve.secret_key_file", "vigil keygen --out")),
                            ("vigil-agent", acfg, ("curve.server_key", "curve.secret_key_file", "vigil keygen --out"))):
        r = subprocess.run([os.path.join(h.bin, prog), "-c", cfg], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, f"{prog} without keys: exit {r.returncode}, {r.stderr}"
        for w in want + ("no CURVE keys", "curve.insecure: true"):
            assert w in r.stderr, f"{prog}: '{w}' missing from: {r.stderr}"
    # Keys and insecure together are contradictory: refused too.
    both = h.write("both.yaml", open(acfg).read() + "curve:\n  insecure: true\n  server_key: 'x'\n")
    r = subprocess.run([os.path.join(h.bin, "vigil-agent"), "-c", both], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "curve.insecure is true but curve.server_key is set" in r.stderr, r.stderr


def insecure_runs_plain_with_a_warning(h):
    """curve.insecure: true on both sides: plain TCP works, and each start logs the warning."""
    cfg, port, mport = h.collector_config(name="plain", agents=("p1",), curve=False)
    h.collector("plain", cfg)
    wait_for(lambda: h.metrics(mport), 30, "plain collector up")
    h.agent("p1", h.agent_config("p1", [port], linux("plainlab/linux"), curve=False))
    wait_for(lambda: h.query_json(f"{h.dir}/plain-store", "--device", "plainlab/linux"), 30,
             "samples over plain TCP with curve.insecure")
    for key in ("plain", "p1"):
        assert "CURVE is off (curve.insecure: true)" in h.log(key), f"{key}: no insecure warning:\n{h.log(key)}"
    h.kill("p1", 15)
    h.kill("plain", 15)


def rotation(h):
    """Rotate agent r1's key as docs/SECURITY.md says, with no sample lost on the way."""
    (old_pub, old_key), (new_pub, new_key) = h.keys("r1-old"), h.keys("r1-new")
    srv_pub = h.keys("collector")[0]
    entries = lambda pubs, devs="['rot/*']": "".join(f"  - id: r1\n    devices: {devs}\n    public_key: '{p}'\n"
                                                     for p in pubs)
    bad, _, _ = h.collector_config(name="rotbad", agents=(), extra=entries([old_pub]) + entries([new_pub], "['x/*']"))
    r = subprocess.run([os.path.join(h.bin, "vigil-collector"), "-c", bad], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "'r1' is listed twice with different devices" in r.stderr, r.stderr
    # 1. the new key next to the old one; the agent still on the old key.
    cfg, port, mport = h.collector_config(name="rot", agents=(), extra=entries([old_pub, new_pub]))
    h.collector("rot", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector with both keys up")
    store = f"{h.dir}/rot-store"
    curve = lambda key: f"curve:\n  server_key: '{srv_pub}'\n  secret_key_file: {key}\n"
    stored = lambda: len(h.query_json(store, "--device", "rot/linux"))
    h.agent("r1", h.agent_config("r1", [port], linux("rot/linux"), extra=curve(old_key), curve=None))
    wait_for(stored, 30, "r1's samples with the old key")
    # 2. the agent switched to the new key (restarted: its spool keeps what was not acknowledged).
    assert h.kill("r1", 15) == 0
    n = stored()
    h.agent("r1b", h.agent_config("r1", [port], linux("rot/linux"), extra=curve(new_key), curve=None))
    wait_for(lambda: stored() > n, 30, "r1's samples with the new key")
    # 3. the old entry removed, the collector restarted: the new key still delivers, the old is refused.
    assert h.kill("rot", 15) == 0
    h.write("rot.yaml", open(cfg).read().replace(entries([old_pub, new_pub]), entries([new_pub])))
    h.collector("rot2", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector restarted without the old key")
    n = stored()
    wait_for(lambda: stored() > n, 30, "r1's samples with the new key after the old one was removed")
    old_sec = open(old_key).read().strip()
    h.agent("stale", agent_yaml(h, "stale", "r1", port, linux("rot/stale"), (old_pub, old_sec), srv_pub))
    wait_for(lambda: h.metrics(mport)["vigil_zap_denied_total"] >= 1, 30, "the old key refused")
    assert not h.query_json(store, "--device", "rot/stale"), "the removed key still delivered"
    for key in ("r1b", "rot2", "stale"):
        h.kill(key, 15)


def body(h):
    refused_without_keys(h)
    insecure_runs_plain_with_a_warning(h)
    rotation(h)
    srv = keygen(h, os.path.join(h.dir, "collector"))
    a1, a2, a3, rogue = keygen(h), keygen(h), keygen(h), keygen(h)
    a4 = keygen(h)
    assert len({srv[0], a1[0], a2[0], a3[0], rogue[0]}) == 5 and all(len(k) == 40 for k in srv + a1 + a2 + rogue)
    extra = (f"  - id: a1\n    public_key: '{a1[0]}'\n"
             f"  - id: a2\n    public_key: '{a2[0]}'\n"
             f"  - id: a3\n    public_key: '{a3[0]}'\n    devices: ['lab3/*']\n"
             f"  - id: a4\n    public_key: '{a4[0]}'\n    devices: ['lab4/*']\n"
             f"curve:\n  secret_key: '{srv[1]}'\n  public_key: '{srv[0]}'\n")
    cfg, port, mport = h.collector_config(agents=(), extra=extra, curve=None)
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    store = f"{h.dir}/collector-store"

    sim = (f"  - type: sim\n    seed: 3\n    sites: 1\n    start: {START}\n    end: {END}\n"
           f"    interval: 60s\n    speed: max\n")
    h.agent("a1", agent_yaml(h, "a1", "a1", port, sim, a1, srv[0]), "--exit-when-done")
    h.agent("a4", agent_yaml(h, "a4", "a4", port, sim, a4, srv[0]), "--exit-when-done")
    h.agent("a2", agent_yaml(h, "a2", "a2", port, linux("lab2/linux"), a2, srv[0], derive=True))
    h.agent("a3", agent_yaml(h, "a3", "a3", port, linux("core/pe9"), a3, srv[0]))
    h.agent("rogue", agent_yaml(h, "rogue", "a1", port, linux("rogue/linux"), rogue, srv[0]))
    h.agent("imposter", agent_yaml(h, "imposter", "a1", port, linux("evil/linux"), a2, srv[0]))
    h.agent("plain", agent_yaml(h, "plain", "a1", port, linux("plain/linux")))

    assert h.wait_exit("a1", 120) == 0, "agent a1 (sim) failed"
    # a4 may report only lab4/*: its bounded sim is all rejected, and --exit-when-done says so.
    assert h.wait_exit("a4", 120) == 1, "agent a4 exited 0 with every batch rejected"
    assert "rejected" in h.log("a4") and "for good" in h.log("a4"), h.log("a4")[-1500:]
    rows = h.query_json(store, "--device", "site*", "--from", START, "--to", END)
    assert len(rows) > 100, f"a1's simulated samples not stored: {len(rows)}"
    wait_for(lambda: h.query_json(store, "--device", "lab2/linux"), 30, "a2's samples")

    m = wait_for(lambda: (lambda m: m if m and m["vigil_zap_denied_total"] >= 1
                          and m["vigil_wrong_agent_total"] >= 1 else None)(h.metrics(mport)),
                 30, "denial and wrong-agent counters")
    assert m["vigil_zap_allowed_total"] >= 3, m["vigil_zap_allowed_total"]  # a1, a2, imposter (a2's key)
    # Let the refused agents retry for a while: they must still get nothing in.
    wait_for(lambda: h.metrics(mport)["vigil_wrong_agent_total"] >= 3, 30, "imposter retrying")
    # a3 is admitted (its key is listed) but may report only lab3/*: its batches about
    # core/pe9 are rejected and counted, with a log line naming the device.
    wait_for(lambda: h.metrics(mport)['vigil_batches_total{result="rejected"}'] >= 2, 30, "a3's batches rejected")
    assert "agent 'a3' may not report device 'core/pe9'" in h.log("c"), "no log line for a3's foreign device"
    for dev in ("rogue/linux", "evil/linux", "plain/linux", "core/pe9"):
        got = h.query_json(store, "--device", dev)
        assert not got, f"{dev}: {len(got)} samples stored from an agent that should be refused"
    for key in ("a3", "rogue", "imposter", "plain"):
        assert h.procs[key].poll() is None, f"{key} agent exited"
    log = h.log("c")
    assert "is not listed" in log, "no log line for the unlisted key"
    assert "from the CURVE key of agent 'a2'" in log, "no log line for the imposter"
    m = h.metrics(mport)
    rejected = m['vigil_batches_total{result="rejected"}']
    print(f"a1: {len(rows)} samples stored over CURVE; zap allowed={m['vigil_zap_allowed_total']:.0f} "
          f"denied={m['vigil_zap_denied_total']:.0f} wrong_agent={m['vigil_wrong_agent_total']:.0f} "
          f"rejected={rejected:.0f}; nothing stored from the foreign-device, "
          f"unlisted, impersonating and plain-TCP agents; no keys = refused at start, insecure = warned")


run("curve", body)
