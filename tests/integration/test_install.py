"""Install and services: deploy/install.sh into a temporary root, then run both daemons the
way their systemd units do.
  * --prefix/--sysconfdir/--statedir/--unitdir put programs, share (rules, examples, units),
    configs (0640, dir 0750) and units where asked; the units' paths follow; CURVE key
    pairs for this host's collector and agent (secrets 0600), each config naming the
    other's public key;
  * a second run keeps an edited config (configs are the operator's) and replaces the rest;
  * DESTDIR puts every file under it while the paths inside stay the final ones, and no
    secret key;
  * `systemd-analyze verify` accepts both units (skipped, with a note, without it);
  * the collector and the agent started with the units' ExecStart command lines (only the
    ports edited in the installed configs, as an operator would) store the host's batches;
    SIGHUP reloads the collector's agents (a removed one logged, a configuration that does
    not load refused with the agents kept) and rules, and is harmless to the agent; SIGTERM
    drains: both exit 0, the collector with its stop line."""
import os
import shlex
import shutil
import signal
import stat
import subprocess
from vgtest import free_port, run, wait_for


def install(h, root, env=None, *extra):
    script = os.path.join(h.a.source, "deploy", "install.sh")
    build = os.path.dirname(os.path.abspath(h.bin))
    r = subprocess.run([script, "--build", build, *extra], capture_output=True, text=True, timeout=300,
                       env={**os.environ, **(env or {})})
    assert r.returncode == 0, f"install.sh failed ({r.returncode}): {r.stdout}\n{r.stderr}"
    return r.stdout


def unit_exec(path):
    """ExecStart of a unit file, as argv."""
    with open(path) as f:
        for line in f:
            if line.startswith("ExecStart="):
                return shlex.split(line[len("ExecStart="):])
    raise AssertionError(f"no ExecStart in {path}")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, f"'{old}' not in {path}"
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def body(h):
    root = os.path.join(h.dir, "root")
    prefix, etc, state, units = f"{root}/usr/local", f"{root}/etc", f"{root}/var/lib/vigil", f"{root}/etc/systemd/system"
    args = ("--prefix", prefix, "--sysconfdir", etc, "--statedir", state, "--unitdir", units, "--no-user", "--no-systemd")
    install(h, root, None, *args)
    for prog in ("vigil", "vigil-agent", "vigil-collector"):
        assert os.access(f"{prefix}/bin/{prog}", os.X_OK), prog
    for f in ("rules.yaml", "examples/collector.yaml", "systemd/vigil-collector.service", "systemd/vigil-agent.service"):
        assert os.path.isfile(f"{prefix}/share/vigil/{f}"), f
    assert os.path.isfile(f"{prefix}/share/doc/vigil/OPERATIONS.md")
    assert mode(f"{etc}/vigil") == 0o750
    for f in ("collector.yaml", "agent.yaml", "rules.yaml"):
        assert mode(f"{etc}/vigil/{f}") == 0o640, f
    with open(f"{etc}/vigil/collector.yaml") as f:
        ccfg = f.read()
    assert f"path: {state}/store" in ccfg and f"rules: {etc}/vigil/rules.yaml" in ccfg, ccfg
    # CURVE (the default): a key pair each for this host's collector and agent, secrets 0600,
    # each config naming the other's public key; placeholder agents commented out.
    for name in ("collector", "agent"):
        assert mode(f"{etc}/vigil/{name}.key") == 0o600, name
    with open(f"{etc}/vigil/agent.pub") as f, open(f"{etc}/vigil/collector.pub") as g:
        agent_pub, collector_pub = f.read().strip(), g.read().strip()
    assert f"public_key: '{agent_pub}'" in ccfg and f"secret_key_file: {etc}/vigil/collector.key" in ccfg, ccfg
    assert "\n  - id: site-agent-1" not in ccfg and "#  - id: site-agent-1" in ccfg, ccfg
    with open(f"{etc}/vigil/agent.yaml") as f:
        assert f"server_key: '{collector_pub}'" in f.read()

    # Units: the paths follow the options; the hardening is there.
    cunit, aunit = f"{units}/vigil-collector.service", f"{units}/vigil-agent.service"
    cargv, aargv = unit_exec(cunit), unit_exec(aunit)
    assert cargv == [f"{prefix}/bin/vigil-collector", "-c", f"{etc}/vigil/collector.yaml"], cargv
    assert aargv == [f"{prefix}/bin/vigil-agent", "-c", f"{etc}/vigil/agent.yaml"], aargv
    with open(cunit) as f:
        text = f.read()
    for key in ("User=vigil", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                "StateDirectory=vigil", "Restart=on-failure", "RestartSec=", "CapabilityBoundingSet=\n",
                "ExecReload=/bin/kill -HUP $MAINPID", f"ReadWritePaths={state}"):
        assert key in text, key
    if shutil.which("systemd-analyze"):
        r = subprocess.run(["systemd-analyze", "verify", cunit, aunit], capture_output=True, text=True, timeout=120,
                           cwd=h.dir)
        assert r.returncode == 0 and "vigil" not in r.stderr, f"systemd-analyze verify: {r.stdout}{r.stderr}"
    else:
        print("NOTE: systemd-analyze not installed: unit verification skipped")

    # Upgrade: an edited config is kept, the rest replaced.
    edit(f"{etc}/vigil/agent.yaml", "interval: 10s", "interval: 1s   # edited")
    os.remove(f"{prefix}/bin/vigil")
    out = install(h, root, None, *args)
    assert "kept" in out and os.path.exists(f"{prefix}/bin/vigil")
    with open(f"{etc}/vigil/agent.yaml") as f:
        assert "# edited" in f.read()

    # DESTDIR: files under it, paths inside final.
    dest = os.path.join(h.dir, "dest")
    install(h, dest, {"DESTDIR": dest})
    assert os.access(f"{dest}/usr/local/bin/vigil-collector", os.X_OK)
    assert unit_exec(f"{dest}/etc/systemd/system/vigil-collector.service") == [
        "/usr/local/bin/vigil-collector", "-c", "/etc/vigil/collector.yaml"]
    with open(f"{dest}/etc/vigil/collector.yaml") as f:
        assert "path: /var/lib/vigil/store" in f.read()
    assert not os.path.exists(f"{dest}/etc/vigil/collector.key"), "a package must not carry secret keys"

    # Run both daemons as the units do (free ports edited into the installed configs).
    port, mport = free_port(), free_port()
    for cfg in (f"{etc}/vigil/collector.yaml", f"{etc}/vigil/agent.yaml"):
        edit(cfg, "tcp://127.0.0.1:5555", f"tcp://127.0.0.1:{port}")
    edit(f"{etc}/vigil/collector.yaml", "127.0.0.1:9464", f"127.0.0.1:{mport}")
    h.start("collector", cargv)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")
    h.start("agent", aargv)
    wait_for(lambda: (h.metrics(mport) or {}).get('vigil_batches_total{result="accepted"}', 0) >= 1, 120,
             "a batch from the host agent stored")
    rows = h.query_json(f"{state}/store", "--device", "*", "--from", "-1h")
    assert rows, "vigil query finds nothing in the installed store"

    # SIGHUP: the collector reloads its agents, limits and rules; the agent its send.* options.
    h.procs["collector"].send_signal(signal.SIGHUP)
    h.procs["agent"].send_signal(signal.SIGHUP)
    wait_for(lambda: "rules reloaded" in h.log("collector") and "agents reloaded: 1 listed" in h.log("collector"),
             30, "the collector's reload lines")
    wait_for(lambda: "agent: reloaded: log_level" in h.log("agent"), 30, "the agent's reload line")
    assert h.procs["collector"].poll() is None and h.procs["agent"].poll() is None
    # An agent added to the list, then a configuration that does not load: refused, kept.
    ccfg_path = f"{etc}/vigil/collector.yaml"
    site_pub = h.keys("site-agent-2")[0]
    edit(ccfg_path, "agents:\n", f"agents:\n  - id: site-agent-2\n    public_key: '{site_pub}'\n")
    h.procs["collector"].send_signal(signal.SIGHUP)
    wait_for(lambda: "agents reloaded: 2 listed; added [site-agent-2], removed [], changed []" in h.log("collector"),
             30, "the agents diff")
    edit(ccfg_path, "agents:\n", "agents: [\n")
    h.procs["collector"].send_signal(signal.SIGHUP)
    wait_for(lambda: "configuration reload refused, agents and limits unchanged: " in h.log("collector"), 30,
             "the refusal")
    accepted = h.metrics(mport)['vigil_batches_total{result="accepted"}']
    wait_for(lambda: h.metrics(mport)['vigil_batches_total{result="accepted"}'] > accepted, 60,
             "the host agent still admitted")

    # SIGTERM drains.
    assert h.kill("agent", signal.SIGTERM) == 0, h.log("agent")[-2000:]
    assert h.kill("collector", signal.SIGTERM) == 0, h.log("collector")[-2000:]
    log = h.log("collector")
    assert "collector: stopping: batches=" in log and "detect: stopped:" in log, log[-2000:]


run("install", body)
