"""Live vs replay: an agent streams three simulated days of the `catalog` scenario (incidents
of every type) at full speed into a collector running the default rules; its alerts (`vigil
alerts`) are A.  While the collector keeps running, `vigil replay` of the same range with the
collector's config (same rules, tick and lateness) must give exactly A:
  * the same records (uid, activity, time), each with every field of the stored record equal
    (windows, values, evidence; silence too); the agent sends small batches (1024 samples, a few minutes of
    data time each): live, events reach the detectors on arrival while samples wait in the
    reorder window, so with batches spanning hours the rules fed by both events and samples
    (c05 crypto_off, c02 exfil_volume) see another interleaving live than in data-time order
    (docs/REPLAY.md, "Live and replay");
  * every line is OCSF marked as replayed, with a replay pointer; a second replay is
    byte-identical (deterministic), also while another agent writes later days into the store,
    and when --max-held makes it read each day bucket in stretches of data time;
  * --device / --site / --vendor select devices; --warmup withholds earlier alerts and leaves
    the range's alerts as a full replay has them;
  * an alert's pointer (unmapped.nte.replay.pointer) fed as is to `vigil replay --pointer`
    (with a warm-up) gives that alert again, and `vigil export` / `vigil timeline` take it too;
  * usage errors exit 2.
Prints the replay speed (samples/s)."""
import json
import os
import re
import shutil
import signal
import subprocess
from vgtest import run, wait_for

START, MID, END = "2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z"
MID_MS, END_MS = 1793664000000, 1793750400000


def lines(text):
    return [json.loads(l) for l in text.splitlines() if l]


def key(a):
    return (a["finding_info"]["uid"], a["activity_id"], a["time"])


def rule(a):
    return a["finding_info"]["analytic"]["name"]


def same(stored, ocsf):
    """Every field of a stored record (vg_alert_to_json) is in the OCSF rendering with the same
    value; lists of objects (attacks, anomaly analyses) are richer in OCSF: compared by their
    stored fields."""
    if isinstance(stored, dict):
        return isinstance(ocsf, dict) and all(k in ocsf and same(v, ocsf[k]) for k, v in stored.items())
    if isinstance(stored, list):
        return isinstance(ocsf, list) and len(stored) == len(ocsf) and all(map(same, stored, ocsf))
    return stored == ocsf


def body(h):
    cfg, port, mport, store = h.detect_collector(agents=("sim1", "sim2"))
    sim = ("  - type: sim\n    seed: 3\n    sites: 2\n    scenario: catalog\n"
           f"    start: {START}\n    end: {END}\n    interval: 300s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 1024\n"), "--exit-when-done")
    assert h.wait_exit("sim1", 600) == 0, "sim agent failed"
    h.wait_detected(mport, agents=("sim1",))
    # The replay reads the device inventory (roles, sites) from the saved detector state: stop
    # the collector (it saves at stop) and start it again, so that the replay below also reads
    # beside a running collector.
    assert h.kill("collector", signal.SIGTERM) == 0, "collector did not stop cleanly"
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector restarted")

    live = lines(h.vigil("alerts", "--store", store, "--format", "json").stdout)
    assert len({a["finding_info"]["uid"] for a in live}) > 20, f"too few live episodes: {len(live)} records"

    # ---- the same range replayed, beside the running collector ----
    r = h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END)
    rep = lines(r.stdout)
    speed = re.search(r"(\d+) samples and .* ([0-9.]+) s \((\d+) samples/s\)", r.stderr)
    assert speed and int(speed.group(1)) > 300000, r.stderr
    for a in rep:
        nte = a["unmapped"]["nte"]
        assert nte["replay"]["replayed"] is True, nte["replay"]
        assert nte["replay"]["pointer"].startswith("vigil://" + a["device"]["uid"] + "?store="), nte["replay"]
    assert {a["finding_info"]["uid"] for a in rep} == {a["finding_info"]["uid"] for a in live}, (
        "replay found other episodes:\nlive only " +
        str(sorted({a["finding_info"]["uid"] for a in live} - {a["finding_info"]["uid"] for a in rep})) +
        "\nreplay only " +
        str(sorted({a["finding_info"]["uid"] for a in rep} - {a["finding_info"]["uid"] for a in live})))
    lk = {key(a): a for a in live}
    rk = {key(a): a for a in rep}
    assert len(lk) == len(live) and len(rk) == len(rep), "a record twice"
    assert lk.keys() == rk.keys(), (f"records differ:\nlive only {sorted(lk.keys() - rk.keys())[:10]}\n"
                                    f"replay only {sorted(rk.keys() - lk.keys())[:10]}")
    # Every rule field by field, silence too: a whole-source outage's Updates run on its
    # source's clock, as its verdicts do (check_engine_outage).
    bad = [k for k in lk if not same(lk[k], rk[k])]
    assert not bad, [(k, lk[k], rk[k]) for k in bad[:2]]
    creates = sum(1 for k in lk if k[1] == 1)
    print(f"live {len(live)} records of {creates} episodes = replay, field by field; replay {speed.group(1)} samples "
          f"in {speed.group(2)} s ({speed.group(3)} samples/s)", flush=True)

    # Deterministic: the same replay again, to a file, is byte-identical.
    out = os.path.join(h.dir, "again.ndjson")
    h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END, "--out", out)
    assert open(out).read() == r.stdout, "a second replay differs"
    # Memory bounded: buckets read in stretches of data time give the same bytes.
    small = h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END, "--max-held", "20000")
    stretches = int(re.search(r"up to (\d+) stretches each, (\d+) samples held", small.stderr).group(1))
    held = int(re.search(r"up to (\d+) stretches each, (\d+) samples held", small.stderr).group(2))
    full = int(re.search(r"up to \d+ stretches each, (\d+) samples held", r.stderr).group(1))
    assert stretches > 1 and held < full, (small.stderr, r.stderr)
    assert small.stdout == r.stdout, "a replay in stretches differs"
    print(f"replay in up to {stretches} stretches per bucket: identical, {held} samples held at most "
          f"(whole buckets: {full})", flush=True)

    # While another agent writes later days into the store, a replay of the range reads one
    # consistent view and prints the same bytes.
    later = ("  - type: sim\n    seed: 4\n    sites: 2\n    scenario: catalog\n"
             "    start: 2026-11-05T00:00:00Z\n    end: 2026-11-06T00:00:00Z\n    interval: 10s\n    speed: max\n")
    h.agent("sim2", h.agent_config("sim2", [port], later), "--exit-when-done")
    during = h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END)
    writing = h.procs["sim2"].poll() is None
    assert during.stdout == r.stdout, "a replay beside a writing collector differs"
    assert h.wait_exit("sim2", 600) == 0, "second sim agent failed"
    h.wait_detected(mport, 600)  # so that the collector stops promptly at the end
    print(f"replay while another agent was {'still' if writing else 'no longer'} writing: identical", flush=True)

    # ---- selections and warm-up ----
    dev = "site001/gnb1"
    one = lines(h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END,
                        "--device", dev).stdout)
    assert one and all(a["device"]["uid"] == dev for a in one), {a["device"]["uid"] for a in one}
    core = lines(h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END,
                         "--site", "core").stdout)
    # Fleet findings (scope keys such as "collector" or a vendor) are about the selected devices.
    assert core and all(a["device"]["uid"].startswith("core/") for a in core if "/" in a["device"]["uid"]), \
        {a["device"]["uid"] for a in core}
    vendors = {a["device"].get("vendor_name") for a in rep if a["device"].get("vendor_name")}
    v = sorted(vendors)[0]
    vs = lines(h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END,
                       "--vendor", v).stdout)
    assert vs and all(a["device"].get("vendor_name") in (v, None, "") for a in vs), v  # "": source-wide findings
    # The last day, with the two before as warm-up: the full replay's records of that day.
    last = h.vigil("replay", "--store", store, "--config", cfg, "--from", MID, "--to", END, "--warmup", "2d")
    d3 = lines(last.stdout)
    assert d3 and all(a["time"] >= MID_MS for a in d3), "an alert before --from was emitted"
    assert any(a["time"] < MID_MS for a in rep), "no alert before the last day: the warm-up check proves nothing"
    assert re.search(r"\((\d+) withheld in warm-up\)", last.stderr).group(1) != "0", last.stderr
    assert [key(a) for a in d3] == [key(a) for a in rep if a["time"] >= MID_MS], "the warm-up changed the last day"
    # A range from within a bucket (the warm-up starts at 12:00 of the first day), in stretches.
    part = h.vigil("replay", "--store", store, "--config", cfg, "--from", MID, "--to", END, "--warmup", "36h",
                   "--max-held", "20000")
    whole = h.vigil("replay", "--store", store, "--config", cfg, "--from", MID, "--to", END, "--warmup", "36h")
    assert "up to 1 stretches" not in part.stderr and part.stdout == whole.stdout, (part.stderr, whole.stderr)

    # ---- an alert's replay pointer, as is ----
    pick = [a for a in rep if a["activity_id"] == 1 and a["unmapped"]["nte"]["series_id"] != "0" * 16
            and rule(a) != "a01-silence"]
    assert pick, "no series alert to point at"
    a = pick[0]
    ptr = a["unmapped"]["nte"]["replay"]["pointer"]
    again = lines(h.vigil("replay", "--pointer", ptr, "--config", cfg, "--warmup", "1d").stdout)
    assert a["finding_info"]["uid"] in {x["finding_info"]["uid"] for x in again if x["activity_id"] == 1}, (ptr, again)
    assert all(x["device"]["uid"] == a["device"]["uid"] for x in again), ptr
    rows = lines(h.vigil("export", "--pointer", ptr, "--format", "ndjson").stdout)
    p = a["unmapped"]["nte"]["replay"]
    assert rows and all(x["device"] == a["device"]["uid"] and x["path"] == p["path"] and
                        p["from_ms"] <= x["ts_ms"] <= p["to_ms"] for x in rows), (ptr, rows[:3])
    tl = h.vigil("timeline", "--pointer", ptr)
    assert a["device"]["uid"] in tl.stdout, tl.stdout[:500]
    print(f"pointer {ptr}: replay, export ({len(rows)} rows) and timeline accept it", flush=True)

    # ---- usage ----
    for argv in (["--from", START], ["--store", store, "--kafka-topic", "t"], ["--pointer", "http://x"],
                 ["--store", store, "--warmup", "soon"]):
        r = h.vigil("replay", *argv, check=False)
        assert r.returncode == 2, (argv, r.returncode, r.stderr)

    # ---- the default rules outside a checkout ----
    # Without --rules or --config, from a directory with no detectors/rules.yaml: the rules
    # installed beside the program (PREFIX/share/vigil/rules.yaml, laid out here as
    # `cmake --install --prefix` does), the same output as naming them; with none anywhere, exit
    # 2 naming every path tried.
    rng = ["--store", store, "--from", MID, "--to", END]
    vigil = os.path.join(h.bin, "vigil")
    bare = subprocess.run([vigil, "replay", *rng], cwd=h.dir, capture_output=True, text=True, timeout=300)
    if bare.returncode == 0:
        print("rules installed on this machine: the no-rules error is not checked", flush=True)
    else:
        assert bare.returncode == 2 and "tried detectors/rules.yaml, /etc/vigil/rules.yaml, " in bare.stderr and \
            os.path.dirname(h.bin) + "/share/vigil/rules.yaml" in bare.stderr, (bare.returncode, bare.stderr)
    pfx = os.path.join(h.dir, "pfx")
    os.makedirs(os.path.join(pfx, "bin"))
    os.makedirs(os.path.join(pfx, "share", "vigil"))
    shutil.copy2(vigil, os.path.join(pfx, "bin", "vigil"))
    rules = os.path.join(h.a.source, "detectors", "rules.yaml")
    shutil.copy2(rules, os.path.join(pfx, "share", "vigil", "rules.yaml"))
    etc = "/etc/vigil/rules.yaml"  # an installed host's own rules come first
    used = etc if os.access(etc, os.R_OK) and os.path.isfile(etc) else os.path.join(pfx, "share", "vigil", "rules.yaml")
    named = h.vigil("replay", *rng, "--rules", used).stdout
    inst = subprocess.run([os.path.join(pfx, "bin", "vigil"), "replay", *rng], cwd=h.dir, capture_output=True,
                          text=True, timeout=300)
    assert inst.returncode == 0 and inst.stdout == named, (inst.returncode, inst.stderr[-2000:])
    assert f"rules from {used} (no --rules given)" in inst.stderr, inst.stderr[-2000:]
    print(f"outside a checkout: the installed rules ({len(lines(named))} records, as with --rules)", flush=True)


run("replay", body)
