"""Live network inputs: real bytes from ../shared/samples over real sockets into one agent.

The agent runs five inputs, each with its own `site:` prefix: UDP/JTI (the JTI pcap payloads
and the raw datagram file), UDP/UDP-notif (the Huawei capture's 544 datagrams, segmented
messages included), TCP/MDT (a client streams the Cisco capture's reassembled TCP payload
in odd-sized writes), a watched 3GPP PM directory (the XML files dropped in, then moved to
done_dir) and the VES listener with basic auth (the VES samples POSTed; wrong path, method,
credentials, bad JSON and an oversized body get 404/405/401/400/413).  What `vigil decode`
prints for the same bytes is the expected result: `vigil query` must return exactly those
samples (device ids carry the site prefix) and the VES faults as events."""
import base64
import collections
import json
import os
import random
import shutil
import socket
import struct
import time
import urllib.error
import urllib.request
from vgtest import first_per_series_ts, free_port, run, wait_for

USER, PASSWORD = "ves-user", "s3cret"


# ---- a small pcap reader (classic pcap, Ethernet / Linux SLL, IPv4 / IPv6) ----

def pcap_packets(path):
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", d[20:24])[0]
    off = 24
    while off + 16 <= len(d):
        _, _, caplen, _ = struct.unpack(end + "IIII", d[off:off + 16])
        off += 16
        yield linktype, d[off:off + caplen]
        off += caplen


def transport(linktype, p):
    """(proto, dport, seq, flags, payload) or None."""
    if linktype == 1:
        et, o = struct.unpack(">H", p[12:14])[0], 14
        while et == 0x8100:
            et, o = struct.unpack(">H", p[o + 2:o + 4])[0], o + 4
    elif linktype == 113:
        et, o = struct.unpack(">H", p[14:16])[0], 16
    else:
        raise AssertionError(f"link type {linktype} not handled by the test")
    if et == 0x0800:
        ihl = (p[o] & 15) * 4
        total = struct.unpack(">H", p[o + 2:o + 4])[0]
        proto, l4, end = p[o + 9], o + ihl, o + total
    elif et == 0x86DD:
        proto, l4 = p[o + 6], o + 40
        end = l4 + struct.unpack(">H", p[o + 4:o + 6])[0]
    else:
        return None
    if proto == 17:
        dport = struct.unpack(">H", p[l4 + 2:l4 + 4])[0]
        return 17, dport, 0, 0, p[l4 + 8:end]
    if proto == 6:
        dport, seq = struct.unpack(">HI", p[l4 + 2:l4 + 8])
        doff, flags = (p[l4 + 12] >> 4) * 4, p[l4 + 13]
        return 6, dport, seq, flags, p[l4 + doff:end]
    return None


def udp_payloads(path, port):
    out = []
    for lt, p in pcap_packets(path):
        t = transport(lt, p)
        if t and t[0] == 17 and t[1] == port:
            out.append(t[4])
    return out


def tcp_stream(path, port):
    """The client->server bytes of the one TCP stream to `port`, in order, once."""
    isn, segs = None, []
    for lt, p in pcap_packets(path):
        t = transport(lt, p)
        if not t or t[0] != 6 or t[1] != port:
            continue
        if t[3] & 0x02:  # SYN
            isn = (t[2] + 1) & 0xFFFFFFFF
        elif t[4]:
            segs.append((t[2], t[4]))
    assert segs, "no TCP payload in the capture"
    if isn is None:
        isn = min(s for s, _ in segs)
    rel = sorted(((s - isn) & 0xFFFFFFFF, d) for s, d in segs)
    out, nxt = bytearray(), 0
    for s, d in rel:
        if s + len(d) <= nxt:
            continue  # retransmission
        assert s <= nxt, f"hole in the TCP stream at {nxt}"
        out += d[nxt - s:]
        nxt = len(out)
    return bytes(out)


# ---- expectations from `vigil decode` ----

def key(r):
    return (r["device"], r["path"], tuple(sorted(r.get("labels", {}).items())), r["ts_ms"])


def decoded(h, site, argv, device=None):
    """Samples and events `vigil decode argv` prints, with device ids as the agent sends them."""
    out = h.vigil("decode", *argv)
    samples, events = collections.Counter(), []
    for line in out.stdout.splitlines():
        r = json.loads(line)
        dev = device or r["device"]
        r["device"] = dev if "/" in dev else f"{site}/{dev}"
        if "type" in r:
            events.append(r)
        else:
            samples[(key(r), r.get("state", r.get("value")))] += 1
    return samples, events


def time_ranges(stamps, gap=3600000):
    """[from, to) ranges covering the timestamps; the query visits every time bucket of its
    range for every series, so years between two samples are skipped rather than walked."""
    ranges = []
    for t in sorted(set(stamps)):
        if ranges and t - ranges[-1][1] < gap:
            ranges[-1][1] = t + 1
        else:
            ranges.append([t, t + 1])
    return ranges


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body, auth=(USER, PASSWORD), method="POST"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def body(h):
    samples = h.a.samples or os.path.join(h.a.source, "..", "shared", "samples")
    sdir = lambda *p: os.path.join(samples, *p)  # noqa: E731
    # The samples span 1970 (a perf3gpp test file) to 2024.  Ask for a 100-year ingest window;
    # a collector that caps ingest.max_past lower gets its cap, and samples older than the
    # window must then be rejected (counted), not stored.
    cfg, cport, mport = h.collector_config(agents=("live",))
    text = open(cfg).read()
    for days in (36500, 3650):
        open(cfg, "w").write(text.replace("max_past: 400d", f"max_past: {days}d"))
        c = h.collector("collector", cfg)
        wait_for(lambda: h.metrics(mport) or c.poll() is not None, 30, "collector metrics endpoint")
        if c.poll() is None:
            break
    assert c.poll() is None, f"collector refused its configuration:\n{h.log('collector')[-1000:]}"
    oldest_ok = int(time.time() * 1000) - days * 86400000 + 86400000  # a day of margin
    print(f"collector ingest.max_past: {days}d")

    jti_port, notif_port = free_udp_port(), free_udp_port()
    mdt_port, ves_port = free_port(), free_port()
    pm_dir, pm_done = os.path.join(h.dir, "pm-in"), os.path.join(h.dir, "pm-done")
    os.makedirs(pm_dir)
    os.makedirs(pm_done)
    inputs = (f"  - {{type: udp, listen: '127.0.0.1:{jti_port}', format: jti, site: jti}}\n"
              f"  - {{type: udp, listen: '127.0.0.1:{notif_port}', format: udp-notif, site: hw}}\n"
              f"  - {{type: tcp, listen: '127.0.0.1:{mdt_port}', site: cisco, max_connections: 4}}\n"
              f"  - {{type: pmdir, dir: '{pm_dir}', done_dir: '{pm_done}', interval: 1s, site: pm}}\n"
              f"  - {{type: ves, listen: '127.0.0.1:{ves_port}', username: {USER}, password: {PASSWORD},\n"
              f"      max_body: 64KiB, site: ves}}\n")
    a = h.agent_config("live", [cport], inputs, extra="batch:\n  max_samples: 4096\n")
    agent = h.agent("live", a)

    def listening():
        assert agent.poll() is None, f"agent exited:\n{h.log('live')[-2000:]}"
        try:
            socket.create_connection(("127.0.0.1", ves_port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(listening, 30, "agent listeners")

    expected, events = collections.Counter(), []

    # UDP / JTI: the four capture payloads and the raw datagram file.
    jti_files = [f for f in sorted(os.listdir(sdir("juniper"))) if f.endswith(".pcap")]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for f in jti_files:
        for p in udp_payloads(sdir("juniper", f), 40000):
            tx.sendto(p, ("127.0.0.1", jti_port))
        s, _ = decoded(h, "jti", ["--format", "pcap", "--port-map", "40000=jti", sdir("juniper", f)])
        expected += s
    raw = sdir("juniper", "jnpr-fluent-jti_ifd_01.raw")
    with open(raw, "rb") as f:
        tx.sendto(f.read(), ("127.0.0.1", jti_port))
    s, _ = decoded(h, "jti", ["--format", "jti", raw])
    expected += s

    # UDP / UDP-notif: 544 datagrams, paced so a loaded machine does not drop any.
    hw = sdir("huawei", "pmacct-800-huawei-udp-notif-yangpush-json.pcap")
    notif = udp_payloads(hw, 10003)
    assert len(notif) == 544
    tx2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, p in enumerate(notif):
        tx2.sendto(p, ("127.0.0.1", notif_port))
        if i % 16 == 15:
            time.sleep(0.005)
    s, _ = decoded(h, "hw", ["--format", "pcap", "--port-map", "10003=udp-notif", hw], device="127.0.0.1")
    expected += s

    # TCP / MDT: the reassembled dial-out stream in odd-sized writes.
    stream = tcp_stream(sdir("cisco", "pmacct-801-cisco-xr-tcp-dialout-json.pcap"), 10005)
    stream_file = os.path.join(h.dir, "mdt.stream")
    with open(stream_file, "wb") as f:
        f.write(stream)
    rnd = random.Random(5)
    with socket.create_connection(("127.0.0.1", mdt_port), timeout=20) as t:
        off = 0
        while off < len(stream):
            n = rnd.randint(1, 9000)
            t.sendall(stream[off:off + n])
            off += n
    s, _ = decoded(h, "cisco", ["--format", "mdt-tcp", stream_file])
    expected += s

    # 3GPP PM files: written under a dot name, then renamed in (as a file mover does).
    pm_files = sorted(os.listdir(sdir("3gpp")))
    for f in pm_files:
        tmp = os.path.join(pm_dir, "." + f)
        shutil.copyfile(sdir("3gpp", f), tmp)
        os.rename(tmp, os.path.join(pm_dir, f))
        s, _ = decoded(h, "pm", ["--format", "3gpp-xml", sdir("3gpp", f)])
        expected += s

    # VES: the samples, plus every kind of refusal.
    for f in sorted(os.listdir(sdir("ves"))):
        with open(sdir("ves", f), "rb") as fh:
            data = fh.read()
        path = "/eventListener/v7/eventBatch" if b'"eventList"' in data else "/eventListener/v7"
        st = post(ves_port, path, data)
        assert st == 202, f"POST {f}: HTTP {st}"
        s, ev = decoded(h, "ves", ["--format", "ves", sdir("ves", f)])
        expected += s
        events += ev
    one = open(sdir("ves", "onap-ves_measurement7x.json"), "rb").read()
    assert post(ves_port, "/eventListener/v5", one) == 404
    assert post(ves_port, "/eventListener/v7", None, method="GET") == 405
    assert post(ves_port, "/eventListener/v7", one, auth=None) == 401
    assert post(ves_port, "/eventListener/v7", one, auth=(USER, "wrong")) == 401
    assert post(ves_port, "/eventListener/v7", b'{"event": {"commonEventHeader": ') == 400
    assert post(ves_port, "/eventListener/v7", b"[" + b" " * 70000 + b"]") == 413

    old = collections.Counter({k: n for k, n in expected.items() if k[0][3] < oldest_ok})
    expected -= old
    events_in = [e for e in events if e["ts_ms"] >= oldest_ok]
    total = sum(expected.values())
    print(f"{total} samples expected in the window, {sum(old.values())} older (to be rejected)")
    stored = lambda: (h.metrics(mport) or {}).get('vigil_samples_total{result="stored"}', 0)  # noqa: E731
    wait_for(lambda: stored() >= total, 90, f"{total} samples stored", interval=0.5)
    time.sleep(1.5)  # anything beyond the expected count would show up now
    m = h.metrics(mport)
    assert m['vigil_samples_total{result="stored"}'] == total, m
    assert m['vigil_samples_total{result="rejected"}'] >= sum(old.values()), m

    store = f"{h.dir}/collector-store"
    for site in ("jti", "hw", "cisco", "pm", "ves"):
        exp = collections.Counter({k: n for k, n in expected.items() if k[0][0].startswith(site + "/")})
        if not exp:
            print(f"site {site}: all its samples are older than the window")
            continue
        got = collections.Counter()
        for t0, t1 in time_ranges(k[0][3] for k in exp):
            for r in h.query_json(store, "--device", f"{site}/*", "--from", str(t0), "--to", str(t1)):
                got[(key(r), r["value"])] += 1
        # The store keeps one sample per (series, timestamp): the Cisco capture repeats some
        # (list entries whose keys are not labels: LPTS police entries), so do the PM files.
        exp, repeats = first_per_series_ts(exp)
        if repeats:
            print(f"site {site}: {repeats} samples repeat a (series, timestamp)")
        missing, extra = list((exp - got).items()), list((got - exp).items())
        assert not missing, f"site {site}: {len(missing)} samples missing or different, e.g. {missing[:3]}"
        assert not extra, f"site {site}: {len(extra)} unexpected samples, e.g. {extra[:3]}"
        print(f"site {site}: {sum(got.values())} samples match")

    ev = h.vigil("query", "--store", store, "--events", "--format", "json", "--device", "ves/*")
    got_ev = [json.loads(l) for l in ev.stdout.splitlines() if l]
    assert len(events) == 2, events
    assert len(got_ev) == len(events_in), f"events: stored {len(got_ev)}, expected {len(events_in)}"
    assert all(e["type"] == "fault" for e in got_ev), got_ev

    assert sorted(os.listdir(pm_done)) == pm_files, "processed PM files are moved to done_dir"
    assert not [f for f in os.listdir(pm_dir) if not f.startswith(".")], "pm dir should be empty"

    # Clean stop: per-input counters are logged, with no decode error anywhere.
    assert h.kill("live", 15) == 0
    log = h.log("live")
    for kind in ("udp", "tcp", "pmdir", "ves"):
        assert f"({kind} " in log, f"no counters for the {kind} input:\n{log[-3000:]}"
    bad = [l for l in log.splitlines() if "input " in l and "errors=" in l and "errors=0" not in l]
    # The VES input saw the one bad body on purpose; nothing else may have failed.
    assert len(bad) == 1 and "(ves " in bad[0] and "errors=1 " in bad[0], bad
    assert "connections=0 accepted=1 refused=0" in log, log[-3000:]
    assert m['vigil_batches_total{result="rejected"}'] == 0, m


run("inputs_live", body)
