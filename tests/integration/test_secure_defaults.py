"""Secure file and listener defaults, with real processes started under a permissive umask
(022):

- the collector creates its store directory 0700 and nothing in it is readable by group or
  others; an existing store opened to others is reported at start (path and fix), not changed;
- secrets from files: collector and agent CURVE secret keys given as curve.secret_key_file
  (`vigil keygen --out` files, trailing newline) work end to end; a secret file others can
  read is refused at start with the key and the fix; an inline secret in a 0644 config warns;
- listeners: a bare port (udp "P", tcp ":P", ves "P", collector metrics "P") is bound to
  127.0.0.1 only (checked in /proc/net), an explicit 0.0.0.0:P binds every address, and a
  VES listener without authentication off loopback is warned about."""
import os
import stat
from vgtest import free_port, run, wait_for

START, END = "2026-11-01T00:00:00Z", "2026-11-01T00:30:00Z"


def listening(proto, port):
    """Local addresses ("127.0.0.1", "0.0.0.0", "::", ...) with a socket bound to port, from
    /proc/net/{proto,proto6} (TCP: listening sockets only)."""
    found = set()
    for fam in ("", "6"):
        try:
            lines = open(f"/proc/net/{proto}{fam}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            addr, hexport = f[1].split(":")
            if int(hexport, 16) != port or (proto == "tcp" and f[3] != "0A"):
                continue
            raw = bytes.fromhex(addr)
            if fam == "":
                found.add(".".join(str(b) for b in reversed(raw)))
            else:
                words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                found.add(bytes(b"".join(words)).hex())
    return found


def loose_entries(root):
    """Paths under root (root included) that group or others may access."""
    bad = []
    for d, dirs, files in os.walk(root):
        for p in [d] + [os.path.join(d, n) for n in files]:
            mode = stat.S_IMODE(os.lstat(p).st_mode)
            if mode & 0o077:
                bad.append((p, oct(mode)))
    return bad


def keygen(h, name):
    prefix = os.path.join(h.dir, name)
    h.vigil("keygen", "--out", prefix)
    return prefix + ".key", open(prefix + ".pub").read().strip()


def body(h):
    os.umask(0o022)  # what a shell usually has: the daemons must not depend on it
    srv_key, srv_pub = keygen(h, "collector")
    a1_key, a1_pub = keygen(h, "a1")
    mport = free_port()
    extra = (f"  - id: a1\n    public_key: '{a1_pub}'\n"
             f"curve:\n  secret_key_file: {srv_key}\n  public_key: '{srv_pub}'\n")
    cfg, port, _ = h.collector_config(agents=(), extra=extra, metrics_port=mport, curve=None)
    with open(cfg) as f:
        text = f.read().replace(f"metrics_listen: 127.0.0.1:{mport}", f"metrics_listen: '{mport}'")
    cfg = h.write("collector.yaml", text)
    os.chmod(cfg, 0o644)
    store = f"{h.dir}/collector-store"
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics on the bare port")
    assert listening("tcp", mport) == {"127.0.0.1"}, f"metrics bound to {listening('tcp', mport)}"

    # Agent: CURVE secret inline in a 0644 config (warned), bare-port listeners, one explicit
    # 0.0.0.0 VES listener without authentication (warned).
    udp_p, tcp_p, ves_p, ves_all = free_port(), free_port(), free_port(), free_port()
    a1_secret = open(a1_key).read().strip()
    inputs = (f"  - {{type: sim, seed: 5, sites: 1, start: {START}, end: {END}, interval: 60s, speed: max}}\n"
              f"  - {{type: udp, listen: '{udp_p}', format: jti}}\n"
              f"  - {{type: tcp, listen: ':{tcp_p}'}}\n"
              f"  - {{type: ves, listen: '{ves_p}'}}\n"
              f"  - {{type: ves, listen: '0.0.0.0:{ves_all}'}}\n")
    curve = f"curve:\n  server_key: '{srv_pub}'\n  public_key: '{a1_pub}'\n  secret_key: '{a1_secret}'\n"
    acfg = h.agent_config("a1", [port], inputs, extra=curve, curve=None)
    os.chmod(acfg, 0o644)
    h.agent("a1", acfg)
    wait_for(lambda: listening("tcp", ves_all), 30, "agent listeners")
    assert listening("udp", udp_p) == {"127.0.0.1"}, f"udp bound to {listening('udp', udp_p)}"
    assert listening("tcp", tcp_p) == {"127.0.0.1"}, f"tcp bound to {listening('tcp', tcp_p)}"
    assert listening("tcp", ves_p) == {"127.0.0.1"}, f"ves bound to {listening('tcp', ves_p)}"
    assert listening("tcp", ves_all) == {"0.0.0.0"}, f"explicit 0.0.0.0 bound to {listening('tcp', ves_all)}"
    wait_for(lambda: len(h.query_json(store, "--device", "site*", "--from", START, "--to", END)) > 100, 60,
             "a1's samples over CURVE with the collector's key from a file")
    alog = h.log("a1")
    assert f"0.0.0.0:{ves_all} accepts events without authentication" in alog, alog[-2000:]
    assert f"{ves_p} accepts events without authentication" not in alog.replace(f"0.0.0.0:{ves_all}", ""), \
        "warned about the loopback VES listener"
    assert "holds the secret 'curve.secret_key' inline" in alog and acfg in alog and "chmod 600" in alog, alog[-2000:]
    clog = h.log("c")
    assert "inline" not in clog, "warned about a config whose secret is in a file"

    # Store directory and files: owner only.
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o700, oct(os.stat(store).st_mode)
    assert os.listdir(store), "empty store"
    bad = loose_entries(store)
    assert not bad, f"store entries open to group/others: {bad[:5]}"
    bad = loose_entries(f"{h.dir}/a1-spool")
    assert not bad, f"spool entries open to group/others: {bad[:5]}"

    # A loose existing store: warned at start, mode not forced.
    assert h.kill("c", 15) == 0
    os.chmod(store, 0o755)
    h.collector("c2", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector restarted")
    assert f"store {store} is accessible to group or others: chmod -R go-rwx {store}" in h.log("c2"), h.log("c2")
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o755, "the collector changed the store's mode"

    # A secret file others can read is refused at start, naming the key and the fix.
    os.chmod(a1_key, 0o644)
    bad_cfg = h.agent_config("a2", [port], "  - {type: linux, interval: 1s}\n",
                             extra=f"curve:\n  server_key: '{srv_pub}'\n  public_key: '{a1_pub}'\n"
                                   f"  secret_key_file: {a1_key}\n", curve=None)
    h.agent("a2", bad_cfg)
    assert h.wait_exit("a2", 30) == 2, "agent started with a world-readable secret file"
    a2log = h.log("a2")
    assert "curve.secret_key_file" in a2log and f"chmod 600 {a1_key}" in a2log, a2log
    assert a1_secret not in a2log, "the secret was printed"
    print(f"store {store} 0700, no loose entries; bare ports on 127.0.0.1 (udp {udp_p}, tcp {tcp_p}, ves {ves_p}, "
          f"metrics {mport}); 0.0.0.0:{ves_all} warned; secrets from files accepted, a 0644 one refused")


run("secure_defaults", body)
