"""The agent's /metrics and /healthz (agent.metrics_listen): per-input, decoder, spool and
sender numbers move while a collector acknowledges; with the collector killed the spool
grows and /healthz stays 200 saying it is spooling; a restarted collector drains it."""
import re
import socket
import urllib.error
import urllib.request
from vgtest import run, wait_for, free_port

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(rf"^({_NAME})(\{{{_LABEL}(?:,{_LABEL})*\}})? (-?[0-9.e+]+|NaN|[+-]Inf)$")


def parse(text):
    """Prometheus text format 0.0.4, strictly: every sample belongs to the family of the last
    TYPE line (a summary's _sum/_count too), no family is announced twice, every line parses.
    Returns {name{labels}: value}."""
    out, types, family = {}, set(), None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in types, f"family {name} announced twice"
            assert kind in ("counter", "gauge", "summary", "histogram", "untyped"), line
            types.add(name)
            family = name
            continue
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"malformed sample line {line!r}"
        base = re.sub(r"_(sum|count|bucket)$", "", m.group(1))
        assert family in (m.group(1), base), f"{line!r} outside its family (last TYPE {family})"
        key = m.group(1) + (m.group(2) or "")
        assert key not in out, f"sample {key} twice"
        out[key] = float(m.group(3))
    return out


def parse_reference(text, samples):
    """The same text through prometheus_client's parser when it is installed (the tests stay
    stdlib-only; this is an extra check where the real parser is at hand): it must read as
    many samples as parse() did."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return
    n = sum(len(f.samples) for f in text_string_to_metric_families(text))
    assert n == len(samples), f"prometheus_client read {n} samples, parse() {len(samples)}"


def get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None


def scrape(port):
    r = get(port, "/metrics")
    if not r or r[0] != 200:
        return None
    m = parse(r[1])
    parse_reference(r[1], m)
    return m


def when(port, cond):
    """Wait helper: the scrape when cond(scrape) holds, else None."""
    m = scrape(port)
    return m if m and cond(m) else None


def body(h):
    port, mport, udp1, udp2 = free_port(), free_port(), free_port(), free_port()
    cfg, _, cmport = h.collector_config(name="c", port=port, agents=("a1",))
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(cmport), 30, "collector up")
    # A step every second in real time (not "max": that pauses while the spool holds a few
    # windows, and the spool is to grow while the collector is away).
    inputs = ("  - type: sim\n    seed: 5\n    sites: 1\n    start: -20s\n    interval: 1s\n    speed: realtime\n"
              f"  - type: udp\n    listen: 127.0.0.1:{udp1}\n    format: jti\n"
              f"  - type: udp\n    listen: 127.0.0.1:{udp2}\n    format: jti\n")
    a = h.agent_config("a1", [port], inputs, extra="batch:\n  max_samples: 1024\n  max_age: 200ms\n",
                       metrics_port=mport)
    h.agent("a1", a)

    m = wait_for(lambda: when(mport, lambda m: m.get('vigil_agent_input_samples_total{input="sim"}', 0) > 0
                              and m.get("vigil_agent_batches_acked_total", 0) > 0), 60,
                 "samples from the sim input and acknowledged batches in the agent's /metrics")
    # Inputs are labelled by type, numbered from the second of a type, and described by info.
    for want in ('vigil_agent_input_info{input="sim",index="0",type="sim"}',
                 'vigil_agent_input_info{input="udp",index="1",type="udp"}',
                 'vigil_agent_input_info{input="udp#2",index="2",type="udp"}',
                 'vigil_agent_decoder_messages_total{input="udp#2"}',
                 'vigil_agent_input_kind_total{input="udp",counter="datagrams"}',
                 "vigil_agent_spool_batches", "vigil_agent_spool_bytes", "vigil_agent_spool_oldest_age_seconds",
                 "vigil_agent_batches_sent_total", "vigil_agent_batches_resent_total", "vigil_agent_failovers_total",
                 'vigil_agent_samples_total{result="accepted"}'):
        assert want in m, f"{want} missing from the agent's /metrics"
    assert 'vigil_agent_decoder_messages_total{input="sim"}' not in m, "the sim input has no decoder"
    assert m["vigil_agent_collector_connected"] == 1 and m["vigil_agent_healthy"] == 1, m
    # A datagram that is not JTI: udp#2's decoder counts an error, udp's does not move.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"\xff" * 40, ("127.0.0.1", udp2))
    m = wait_for(lambda: when(mport, lambda m: m['vigil_agent_decoder_errors_total{input="udp#2"}'] >= 1), 10,
                 "udp#2's decode error in /metrics")
    assert m['vigil_agent_decoder_errors_total{input="udp"}'] == 0, m
    assert m['vigil_agent_input_kind_total{input="udp#2",counter="datagrams"}'] == 1, m
    assert get(mport, "/healthz") == (200, "ok\n"), get(mport, "/healthz")
    # The collector's exposition comes from the same renderer: it parses as strictly.
    assert scrape(cmport)['vigil_batches_total{result="accepted"}'] > 0
    # The numbers move between scrapes.
    acked, samples = m["vigil_agent_batches_acked_total"], m['vigil_agent_input_samples_total{input="sim"}']
    wait_for(lambda: when(mport, lambda m: m["vigil_agent_batches_acked_total"] > acked
                          and m['vigil_agent_input_samples_total{input="sim"}'] > samples), 30,
             "more samples and acknowledged batches")

    # Collector gone: the agent spools, says so, and stays healthy while the spool has room.
    h.kill("c")
    m = wait_for(lambda: when(mport, lambda m: m["vigil_agent_collector_connected"] == 0), 30,
                 "the agent noticing the collector is gone")
    held = m["vigil_agent_spool_batches"]
    m = wait_for(lambda: when(mport, lambda m: m["vigil_agent_spool_batches"] >= held + 3
                              and m["vigil_agent_spool_oldest_age_seconds"] > 0), 60, "spool growing")
    assert m["vigil_agent_spool_bytes"] > 0 and m["vigil_agent_healthy"] == 1, m
    status, text = get(mport, "/healthz")
    assert status == 200 and text.startswith("ok: spooling, no collector connected"), (status, text)

    # Back again: the spool drains, /healthz says ok.
    h.collector("c", cfg)
    wait_for(lambda: when(mport, lambda m: m["vigil_agent_collector_connected"] == 1
                          and m["vigil_agent_spool_batches"] <= 2), 120, "spool drained into the restarted collector")
    wait_for(lambda: get(mport, "/healthz") == (200, "ok\n"), 30, "/healthz ok again")
    assert get(mport, "/nope")[0] == 404
    print(f"agent metrics: {len(m)} samples scraped; spool held {held:.0f} -> {m['vigil_agent_spool_batches']:.0f}")


run("agent_metrics", body)
