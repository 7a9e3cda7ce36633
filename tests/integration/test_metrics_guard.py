"""/metrics behind basic auth and TLS, with real daemons:

- the collector with collector.metrics_username / metrics_password_file and a self-signed
  certificate (metrics_tls_cert / metrics_tls_key): /metrics over HTTPS answers 401 with a
  basic-auth challenge without credentials or with a wrong password, 200 with the metrics
  text with them; /healthz stays open; plain HTTP gets no metrics;
- the agent with agent.metrics_username / metrics_password (no TLS): 401 without, 200 with;
- a metrics listener off loopback without auth is warned about at start;
- a certificate without its key is refused at start with the option names."""
import base64
import os
import ssl
import subprocess
import urllib.error
import urllib.request
from vgtest import free_port, run, wait_for


def fetch(url, user=None, password=None, ctx=None):
    """(status, body) of a GET."""
    req = urllib.request.Request(url)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def answers(url, want, ctx=None):
    """Does url answer with a status in want (False while nothing listens yet)?"""
    try:
        return fetch(url, ctx=ctx)[0] in want
    except (OSError, urllib.error.URLError):
        return False


def body(h):
    d = h.dir
    cert, key = f"{d}/metrics.crt", f"{d}/metrics.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    pwfile = f"{d}/metrics.pw"
    with open(pwfile, "w") as f:
        f.write("s3cret\n")
    os.chmod(pwfile, 0o600)
    ctx = ssl.create_default_context(cafile=cert)

    # The collector: HTTPS and basic auth.
    cfg, _, mport = h.collector_config(name="c")
    h.start("c", [os.path.join(h.bin, "vigil-collector"), "-c", cfg,
                  "--set", "collector.metrics_username=prom", "--set", f"collector.metrics_password_file={pwfile}",
                  "--set", f"collector.metrics_tls_cert={cert}", "--set", f"collector.metrics_tls_key={key}"])
    base = f"https://127.0.0.1:{mport}"
    wait_for(lambda: answers(f"{base}/healthz", (200,), ctx), 30, "collector /healthz over HTTPS")
    status, text = fetch(f"{base}/metrics", ctx=ctx)
    assert status == 401, f"/metrics without credentials: {status}"
    assert fetch(f"{base}/metrics", "prom", "wrong", ctx=ctx)[0] == 401, "a wrong password was accepted"
    status, text = fetch(f"{base}/metrics", "prom", "s3cret", ctx=ctx)
    assert status == 200 and "vigil_batches_total" in text, f"/metrics with credentials: {status} {text[:200]}"
    try:
        plain = fetch(f"http://127.0.0.1:{mport}/metrics", "prom", "s3cret")
    except Exception as e:  # noqa: BLE001 - any failure of plain HTTP on the TLS port is right
        plain = (0, str(e))
    assert plain[0] != 200, "metrics served over plain HTTP on the TLS listener"
    print(f"collector: HTTPS /metrics 401 without or with a wrong password, 200 with ({len(text)} bytes), "
          f"/healthz open, plain HTTP refused", flush=True)

    # The agent: basic auth without TLS.
    aport = free_port()
    acfg = h.agent_config("a1", [free_port()], "  - type: sim\n    sites: 1\n    speed: realtime\n",
                          metrics_port=aport)
    h.start("a1", [os.path.join(h.bin, "vigil-agent"), "-c", acfg, "--set", "agent.metrics_username=prom",
                   "--set", "agent.metrics_password=pw2"])
    abase = f"http://127.0.0.1:{aport}"
    wait_for(lambda: answers(f"{abase}/healthz", (200, 503)), 30, "agent /healthz")
    assert fetch(f"{abase}/metrics")[0] == 401, "agent /metrics without credentials"
    status, text = fetch(f"{abase}/metrics", "prom", "pw2")
    assert status == 200 and "vigil_agent_" in text, f"agent /metrics with credentials: {status}"
    print("agent: /metrics 401 without credentials, 200 with", flush=True)

    # Off loopback without auth: served, with a warning; a certificate without its key: refused.
    wport = free_port()
    wcfg, _, _ = h.collector_config(name="w", metrics_port=wport)
    h.start("w", [os.path.join(h.bin, "vigil-collector"), "-c", wcfg, "--set",
                  f"collector.metrics_listen=0.0.0.0:{wport}"])
    wait_for(lambda: "open to the network without authentication" in h.log("w"), 30,
             "the warning for /metrics off loopback without auth")
    bad, _, _ = h.collector_config(name="b")
    r = subprocess.run([os.path.join(h.bin, "vigil-collector"), "-c", bad, "--set",
                        f"collector.metrics_tls_cert={cert}"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "tls_cert and tls_key go together" in r.stderr, \
        f"cert without key: exit {r.returncode}: {r.stderr[-300:]}"
    print(f"off-loopback /metrics without auth warned; certificate without key refused (exit {r.returncode})",
          flush=True)


run("metrics_guard", body)
