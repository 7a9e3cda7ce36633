"""Libraries an agent loads follow its configuration (issue 13, agent memory): with a sim
input and no listener, neither libmicrohttpd (nor GnuTLS through it), libpcap nor libxml2 is
mapped; with agent.metrics_listen, libmicrohttpd is opened and /healthz answers; a VES input
opens it too."""
import urllib.request
from vgtest import run, wait_for, free_port

HTTP_LIBS = ("libmicrohttpd", "libgnutls")
UNUSED = HTTP_LIBS + ("libpcap", "libxml2", "libicuuc")


def mapped(p):
    """Base names of the shared objects mapped into live process p."""
    with open(f"/proc/{p.pid}/maps") as f:
        return {line.split()[-1].rsplit("/", 1)[-1] for line in f if ".so" in line}


def has(libs, prefix):
    return any(name.startswith(prefix) for name in libs)


def healthz(port):
    """The status of GET /healthz, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status
    except OSError:
        return None


def stored(h, mport, least):
    m = h.metrics(mport)
    return m if m and m.get('vigil_samples_total{result="stored"}', 0) >= least else None


def body(h):
    cfg, port, cmport = h.collector_config(agents=("a1", "a2", "a3"))
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(cmport), 30, "collector up")
    sim = "  - type: sim\n    sites: 1\n    start: -10m\n    interval: 10s\n    speed: realtime\n"

    # Sim only, no listener: the HTTP and capture libraries stay out of the process.
    a1 = h.agent("a1", h.agent_config("a1", [port], sim))
    wait_for(lambda: stored(h, cmport, 1), 60, "samples from a1 stored")
    libs = mapped(a1)
    assert has(libs, "libzmq") and has(libs, "libc.so"), sorted(libs)  # the check reads real maps
    for lib in UNUSED:
        assert not has(libs, lib), f"{lib} mapped into an agent without a listener or capture: {sorted(libs)}"

    # The metrics listener: libmicrohttpd (and GnuTLS) are opened, and serve.
    mport = free_port()
    a2 = h.agent("a2", h.agent_config("a2", [port], sim, metrics_port=mport))
    wait_for(lambda: healthz(mport) == 200, 30, "a2 /healthz")
    libs = mapped(a2)
    for lib in HTTP_LIBS:
        assert has(libs, lib), f"{lib} not mapped into an agent with agent.metrics_listen: {sorted(libs)}"
    assert not has(libs, "libpcap"), sorted(libs)

    # A VES input (no metrics listener) opens libmicrohttpd for itself.
    ves = f"  - type: ves\n    listen: 127.0.0.1:{free_port()}\n"
    a3 = h.agent("a3", h.agent_config("a3", [port], sim + ves))
    wait_for(lambda: "started" in h.log("a3"), 30, "a3 started")
    wait_for(lambda: has(mapped(a3), "libmicrohttpd"), 10, "libmicrohttpd in the VES agent")
    print("agent libraries: sim-only agent maps", len(mapped(a1)), "shared objects, none of",
          ", ".join(UNUSED))


run("agent_libs", body)
