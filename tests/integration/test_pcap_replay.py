"""Capture replay: every vendor pcap in ../shared/samples through agent -> collector -> store.

For each capture an agent runs a pcap input at speed max (--exit-when-done) into one
collector whose ingest window reaches back to the captures' years (2016-2024).  The
expected samples are what `vigil decode --format pcap` prints for the same capture and port
map; `vigil query` must return exactly those samples (same count, device, path, labels,
original timestamp and value; a capture may repeat a sample and the store keeps both).
The collector runs the default rules (detectors/rules.yaml): these are real captures of
healthy devices, so once the detect stage has analysed every batch there must be no alert
(a benign real-data check of the rules, the decoders' units and the per-source clocks)."""
import collections
import json
import os
from vgtest import first_per_series_ts, run, wait_for

CAPTURES = [
    # (agent id, capture relative to samples, port map)
    ("hw", "huawei/pmacct-800-huawei-udp-notif-yangpush-json.pcap", {10003: "udp-notif"}),
    ("cisco", "cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap", {10005: "mdt-tcp"}),
    ("jti1", "juniper/jnpr-fluent-jti_15.1F4_ifd_ae_40000.pcap", {40000: "jti"}),
    ("jti2", "juniper/jnpr-fluent-jti_16.1_ifl_ae_40000.pcap", {40000: "jti"}),
    ("jti3", "juniper/jnpr-fluent-jti_ifd_msec_40000.pcap", {40000: "jti"}),
    ("jti4", "juniper/jnpr-fluent-test_jti_structured_ifd_01.pcap", {40000: "jti"}),
]


def key(r):
    return (r["device"], r["path"], tuple(sorted(r.get("labels", {}).items())), r["ts_ms"])


def value(r):
    return r.get("state", r.get("value"))


def body(h):
    samples = h.a.samples or os.path.join(h.a.source, "..", "shared", "samples")
    ids = [c[0] for c in CAPTURES]
    rules = os.path.join(h.a.source, "detectors", "rules.yaml")
    cfg, port, mport = h.collector_config(agents=ids, extra=f"detect:\n  enabled: true\n  rules: {rules}\n"
                                          "  lateness: 0s\n")  # captures of seconds: analyse every sample
    # The captures are years old: widen the ingest window (the helper writes max_past: 400d).
    text = open(cfg).read().replace("max_past: 400d", "max_past: 4000d")
    assert "max_past: 4000d" in text
    open(cfg, "w").write(text)
    c = h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport) or c.poll() is not None, 30, "collector metrics endpoint")
    assert c.poll() is None, ("collector refused the configuration (the 2016 JTI captures need "
                              f"ingest.max_past: 4000d):\n{h.log('collector')[-1000:]}")
    store = f"{h.dir}/collector-store"

    stored = 0
    for agent_id, rel, ports in CAPTURES:
        path = os.path.join(samples, rel)
        pmap = ",".join(f"{p}={f}" for p, f in ports.items())
        out = h.vigil("decode", "--format", "pcap", "--port-map", pmap, path)
        expected = collections.Counter()
        devices = set()
        for line in out.stdout.splitlines():
            r = json.loads(line)
            assert "type" not in r, f"{rel}: unexpected event {r}"
            expected[(key(r), value(r))] += 1
            devices.add(r["device"])
        assert len(expected) > 0, f"{rel}: decode printed nothing"
        # The store keeps one sample per (series, timestamp) (the Cisco capture repeats some:
        # list entries whose keys are not labels, e.g. LPTS police entries).
        expected, repeats = first_per_series_ts(expected)
        port_list = "".join(f"      - {{port: {p}, format: {f}}}\n" for p, f in ports.items())
        inputs = (f"  - type: pcap\n    file: {path}\n    speed: max\n    ports:\n{port_list}")
        a = h.agent_config(agent_id, [port], inputs, extra="batch:\n  max_samples: 4096\n")
        h.agent(agent_id, a, "--exit-when-done")
        assert h.wait_exit(agent_id, 120) == 0, f"{agent_id} failed:\n{h.log(agent_id)[-2000:]}"
        log = h.log(agent_id)
        assert "errors=0" in log, f"{agent_id}: decode errors during replay:\n{log[-2000:]}"

        # The query visits every time bucket of the range per series: bound it to the capture.
        t0 = min(k[0][3] for k in expected)
        t1 = max(k[0][3] for k in expected) + 1
        got = collections.Counter()
        for dev in sorted(devices):
            for r in h.query_json(store, "--device", dev, "--from", str(t0), "--to", str(t1)):
                got[(key(r), r["value"])] += 1
        n_exp, n_got = sum(expected.values()), sum(got.values())
        missing = list((expected - got).items())
        extra = list((got - expected).items())
        assert not missing, f"{rel}: {len(missing)} of {n_exp} samples missing or different, e.g. {missing[:3]}"
        assert not extra, f"{rel}: {len(extra)} unexpected samples, e.g. {extra[:3]}"
        assert n_got == n_exp
        stored += n_got + repeats  # what ingest accepted and fed to the detect stage
        print(f"{rel}: {n_got} samples stored exactly as decoded ({repeats} repeating a (series, timestamp) "
              f"kept once), original times {t0} .. {t1 - 1} ms")

    m = h.metrics(mport)
    assert m['vigil_batches_total{result="rejected"}'] == 0, m

    # Benign real data: no alert from the default rules once everything is analysed.
    m = h.wait_detected(mport, 120, agents=ids)
    alerts = [json.loads(l) for l in h.vigil("alerts", "--store", store, "--format", "json").stdout.splitlines() if l]
    bad = [(a["finding_info"]["title"], a["device"]["uid"]) for a in alerts
           if a.get("is_alert") and a.get("activity_id") == 1]
    assert not bad, f"default rules alert on healthy real captures: {bad[:10]}"
    processed = m.get('vigil_detect_samples_total{result="processed"}', 0)
    repeated = m.get('vigil_detect_engine_errors_total{kind="dropped_sample"}', 0)  # a series' time repeated
    assert processed + repeated == stored, f"{processed} samples analysed + {repeated} repeated of {stored} accepted"
    print(f"default rules: {len(alerts)} records, no alert on {len(CAPTURES)} real captures "
          f"({int(processed)} samples analysed, {int(repeated)} repeated times skipped)")


run("pcap_replay", body)
