"""Store disk full: the collector's store is on a small tmpfs that the simulated fleet fills.
The collector must stay up, stop acknowledging (the agent keeps its batches in its spool),
say so in its log and its metrics, and once the tmpfs is grown (no restart) store everything
the simulator produced exactly once.  Needs root (mount); skipped with a message otherwise."""
import glob
import os
import re
import subprocess
import sys
import time
from vgtest import free_port, run, wait_for

START, END = "2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z"
SIM = ["--seed", "7", "--sites", "4", "--interval", "60s", "--start", START, "--end", END, "--scenario", "catalog"]
HOLD_S = int(os.environ.get("VG_STORE_FULL_HOLD", "30"))  # s full; the abort came ~10-40 s in
SMALL, LARGE = "24m", "512m"  # RocksDB resumes once the free space exceeds a memtable (64 MiB)


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def fill(path):
    """Write zeros to path until the file system is full; return path."""
    block = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError:
            pass
    return path


def body(h):
    fs = os.path.join(h.dir, "storefs")
    ok, why = mount_tmpfs(fs, SMALL)
    if not ok:
        print(f"SKIP store_full: cannot mount a tmpfs ({why or 'mount failed'}); needs root")
        return
    try:
        check(h, fs)
    finally:
        h.stop_all()
        subprocess.run(["umount", "-l", fs], capture_output=True)


def check(h, fs):
    # With the detect stage on: it must not lose its place (or its alerts) either.
    rules = os.path.join(h.a.source, "detectors", "rules.yaml")
    cfg, port, mport = h.collector_config(name="c", agents=("a1",), extra=(
        f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 1s\n  save_every: 1s\n"))
    store = os.path.join(fs, "store")
    h.write("c.yaml", open(cfg).read().replace(f"path: {h.dir}/c-store", f"path: {store}"))
    coll = h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    amport = free_port()
    inputs = (f"  - type: sim\n    seed: 7\n    sites: 4\n    start: {START}\n    end: {END}\n    interval: 60s\n"
              "    speed: max\n    scenario: catalog\n")
    a = h.agent_config("a1", [port], inputs, extra="batch:\n  max_samples: 1024\n", metrics_port=amport)
    h.agent("a1", a, "--exit-when-done")

    # The store fills: commits fail, the collector says why, and stops acknowledging.
    m = wait_for(lambda: (lambda m: m and m['vigil_commits_total{result="error"}'] > 0 and m)(h.metrics(mport)),
                 180, "a failed commit (store full)")
    t_full = time.monotonic()
    assert "No space left on device" in h.log("c"), h.log("c")[-2000:]
    assert m["vigil_store_writable"] == 0, "the store is full but vigil_store_writable is not 0"
    # Take the last free bytes too (as another writer on the disk would), and stay full for
    # a while: RocksDB retries its recovery every 5 s and logs each time into its LOG file
    # in the store, which is what used to abort the process.
    filler = fill(os.path.join(fs, "filler"))
    spool = f"{h.dir}/a1-spool"
    time.sleep(HOLD_S)
    assert coll.poll() is None, f"collector exited ({coll.returncode}) with the store full:\n{h.log('c')[-3000:]}"
    m1 = h.metrics(mport)
    time.sleep(3)
    m2 = h.metrics(mport)
    assert m2['vigil_batches_total{result="accepted"}'] == m1['vigil_batches_total{result="accepted"}'], \
        "batches acknowledged while the store is full"
    am = h.metrics(amport)
    held = am["vigil_agent_spool_batches"]
    assert held > 0, f"the agent holds nothing in its spool while the store is full: {am}"
    assert am["vigil_agent_batches_retried_total"] > 0, am
    errors_logged = h.log("c").count("No space left on device")
    assert errors_logged < 40, f"{errors_logged} error lines in ~20 s: the log is not rate-limited"

    # Space returns: grow the tmpfs; the same collector process resumes.
    os.unlink(filler)
    r = subprocess.run(["mount", "-o", f"remount,size={LARGE}", fs], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    t_grow = time.monotonic()
    wait_for(lambda: (lambda m: m and m["vigil_store_writable"] == 1 and m)(h.metrics(mport)), 60,
             "the store writable again")
    t_ok = time.monotonic()
    assert h.wait_exit("a1", 300) == 0, "agent did not drain its spool"
    assert coll.poll() is None, "collector exited"
    assert not glob.glob(f"{spool}/*.vgb"), "batches left in the spool"
    assert "writable again" in h.log("c"), h.log("c")[-2000:]
    m = h.wait_detected(mport, agents=("a1",))  # every batch a1 had acknowledged, analysed
    assert m['vigil_detect_alerts_total{result="lost"}'] == 0, m
    assert m['vigil_batches_total{result="rejected"}'] == 0, m
    detect_errors = m['vigil_detect_commits_total{result="error"}']
    alerts = m['vigil_detect_alerts_total{result="stored"}']
    h.stop_all()  # close the store before reading it
    # The detect stage's own count at its stop (what it put into commits; the /metrics
    # snapshot above may precede the last records of the run).
    made = re.findall(r"detect: stopped: .* alerts=(\d+)", h.log("c"))
    assert made and int(made[-1]) >= alerts, (made, alerts)
    alerts = int(made[-1])

    n, nev = h.assert_sim_stored_once(store, SIM, START, END)
    listed = h.vigil("alerts", "--store", store, "--from", "0", "--to", "4102444800000", "--format", "json")
    nal = len([l for l in listed.stdout.splitlines() if l])
    assert nal == alerts, f"{alerts:.0f} alert records counted, {nal} in the store"
    print(f"detect: {alerts:.0f} alert records, {detect_errors:.0f} failed detect commits, none lost")
    print(f"store full for {t_grow - t_full:.1f} s ({held:.0f} batches spooled, {errors_logged} error lines), "
          f"writable {t_ok - t_grow:.1f} s after the tmpfs grew; {n} samples and {nev} events exactly once, "
          f"no restart")


run("store_full", body)
