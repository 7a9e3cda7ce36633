#!/usr/bin/env python3
"""Integration test for deploy/kafka/kafka.sh: a real single-node Kafka broker on loopback.

Starts a broker on free ports in a temp state dir, produces one keyed message with kcat,
consumes it back and compares, stops the broker and checks its process is gone. The broker
is always stopped and the temp dir removed, whatever fails. Python 3 stdlib only.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

START_TIMEOUT = 600   # first run resolves the jars with Maven; later runs take seconds
STEP_TIMEOUT = 90


def log(msg):
    print(f"[kafka-test] {msg}", flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def node_pids(state):
    """Pids from the state dir's pid files whose command line names that dir."""
    pids = []
    if not os.path.isdir(state):
        return pids
    for entry in sorted(os.listdir(state)):
        pidfile = os.path.join(state, entry, "kafka.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if state in cmd:
            pids.append(pid)
    return pids


def run(cmd, env, timeout, check=True):
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    dt = time.monotonic() - t0
    if check and p.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {p.returncode} after {dt:.1f} s\n"
            f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--source", default=os.path.abspath(os.path.join(here, "..", "..")))
    args, _unknown = ap.parse_known_args()

    script = os.path.join(args.source, "deploy", "kafka", "kafka.sh")
    if not os.path.isfile(script):
        log(f"FAIL: {script} not found")
        return 1
    kcat = shutil.which("kcat")
    if kcat is None:
        log("FAIL: kcat not found in PATH; install it (Debian: apt-get install kcat, "
            "or run deploy/deps.sh)")
        return 1

    # Let a SIGTERM (e.g. a test-runner timeout) unwind through the finally below.
    def on_term(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)

    tmp = tempfile.mkdtemp(prefix="vg-kafka-test-")
    state = os.path.join(tmp, "state")
    env = dict(os.environ)
    env.pop("VG_KAFKA_NODES", None)
    env["VG_KAFKA_STOP_TIMEOUT"] = "30"
    failed = True
    try:
        # Free ports can be taken between picking and binding: retry a few times on that.
        for attempt in range(3):
            env["VG_KAFKA_PORT"] = str(free_port())
            env["VG_KAFKA_CONTROLLER_PORT"] = str(free_port())
            if env["VG_KAFKA_PORT"] == env["VG_KAFKA_CONTROLLER_PORT"]:
                continue
            p, dt = run(["bash", script, "start", "--nodes", "1", "--dir", state], env,
                        START_TIMEOUT, check=False)
            if p.returncode == 0 or "already in use" not in p.stderr:
                break
            log(f"port race on attempt {attempt + 1}; retrying")
            run(["bash", script, "clean", "--dir", state], env, STEP_TIMEOUT, check=False)
        if p.returncode != 0:
            raise AssertionError(f"start exited {p.returncode}\nstderr:\n{p.stderr}")
        boot = p.stdout.strip().splitlines()[-1]
        want = f"127.0.0.1:{env['VG_KAFKA_PORT']}"
        assert boot == want, f"start printed bootstrap {boot!r}, want {want!r}"
        log(f"broker up at {boot} in {dt:.1f} s")

        p, _ = run(["bash", script, "status", "--dir", state], env, STEP_TIMEOUT, check=False)
        assert p.returncode == 0, f"status after start exited {p.returncode}: {p.stdout}"
        pids = node_pids(state)
        assert len(pids) == 1 and pid_alive(pids[0]), f"expected one live broker, got {pids}"

        # Starting again is a no-op success and prints the same bootstrap list.
        p, _ = run(["bash", script, "start", "--dir", state], env, STEP_TIMEOUT)
        assert p.stdout.strip().splitlines()[-1] == boot, "second start changed bootstrap"
        assert node_pids(state) == pids, "second start launched another broker"

        topic = f"vg-test-{uuid.uuid4().hex[:12]}"
        key = "agent-1"
        value = f"vigil kafka round trip {uuid.uuid4()}"
        t0 = time.monotonic()
        p = subprocess.run([kcat, "-b", boot, "-P", "-t", topic, "-K", "\t", "-X", "acks=all"],
                           input=f"{key}\t{value}\n", capture_output=True, text=True,
                           timeout=STEP_TIMEOUT)
        assert p.returncode == 0, f"kcat produce exited {p.returncode}: {p.stderr}"
        p, _ = run([kcat, "-b", boot, "-C", "-t", topic, "-o", "beginning", "-c", "1", "-e",
                    "-q", "-f", "%k\t%s\n"], env, STEP_TIMEOUT)
        got = p.stdout.rstrip("\n")
        assert got == f"{key}\t{value}", f"consumed {got!r}, produced {key!r} / {value!r}"
        log(f"produced and consumed one message on {topic} in {time.monotonic() - t0:.1f} s")

        p, dt = run(["bash", script, "stop", "--dir", state], env, STEP_TIMEOUT)
        log(f"stopped in {dt:.1f} s")
        deadline = time.monotonic() + 10
        while any(pid_alive(x) for x in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(pid_alive(x) for x in pids), f"broker pid(s) {pids} still alive after stop"
        p, _ = run(["bash", script, "status", "--dir", state], env, STEP_TIMEOUT, check=False)
        assert p.returncode == 3, f"status after stop exited {p.returncode}, want 3"
        failed = False
        log("PASS")
        return 0
    except (AssertionError, subprocess.TimeoutExpired) as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        try:
            subprocess.run(["bash", script, "stop", "--dir", state], env=env,
                           capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            pass
        for pid in node_pids(state):
            log(f"cleanup: SIGKILL leftover broker pid {pid}")
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if failed:
            for name in ("node-1/stdout.log", "node-1/server.log"):
                path = os.path.join(state, name)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        tail = f.readlines()[-20:]
                    log(f"last lines of {name}:\n" + "".join(tail))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
