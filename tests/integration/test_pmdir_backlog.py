"""A 3GPP PM backlog through the pmdir input: files written in reverse time order, one with
a name that carries no time (its begin time comes from the file header), read with
`once: true` by an agent run with --exit-when-done.  The agent must finish by itself, and
the collector's detect stage must see every sample and none of them late: the files are
read in data-time order, not in directory or write order."""
import os
import time
from vgtest import pm_file, run, wait_for

ROP = 900000


def name_time(ms):
    return time.strftime("%Y%m%d.%H%M+0000", time.gmtime(ms / 1000))


def body(h):
    rules = os.path.join(h.a.source, "detectors", "rules.yaml")
    detect = f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 10s\n  lateness: 30s\n"
    cfg, port, mport = h.collector_config(agents=("pm1",), extra=detect)
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")

    pm_dir = os.path.join(h.dir, "pm")
    os.makedirs(pm_dir)
    base = (int(time.time() * 1000) - 86400000) // ROP * ROP  # yesterday, on a ROP boundary
    nrops, gnbs = 12, 2
    files = []
    for k in range(nrops):
        t = base + k * ROP
        for g in range(gnbs):
            if k == 0 and g == 0:
                name = "gnb0-first-rop.xml"  # no time in the name: the header says it
            else:
                name = f"A{name_time(t)}-{name_time(t + ROP)[9:]}_gnb{g}.xml"
            rows = {f"NRCellCU={c}": [100 + k, 99 + k] for c in (1, 2)}
            types = ["RRC.ConnEstabAtt", "RRC.ConnEstabSucc"]
            files.append((t, name, pm_file(t, ROP, f"gnb-{g}", "rrc", types, rows)))
    # Written newest first, and old enough to be settled: write order is the worst order.
    for i, (t, name, text) in enumerate(sorted(files, key=lambda f: -f[0])):
        path = os.path.join(pm_dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.utime(path, (time.time() - 10 + i * 0.01, time.time() - 10 + i * 0.01))
    want = len(files) * 4  # two cells x two counters per file

    # Small batches (4 files each), so the order of the files is the order the collector sees.
    a = h.agent_config("pm1", [port], f"  - {{type: pmdir, dir: '{pm_dir}', interval: 1s, once: true}}\n",
                       extra="batch:\n  max_samples: 16\n")
    h.agent("pm1", a, "--exit-when-done")
    assert h.wait_exit("pm1", 60) == 0, f"agent with a once pmdir did not finish:\n{h.log('pm1')[-2000:]}"

    m = wait_for(lambda: (lambda m: m if m and m.get('vigil_detect_queue_batches', 1) == 0 and
                          m['vigil_detect_inputs_total{kind="sample"}'] >= want else None)(h.metrics(mport)),
                 60, "detect stage fed every PM sample")
    assert m['vigil_samples_total{result="stored"}'] == want, m
    late = m['vigil_detect_samples_total{result="late"}']
    assert late == 0, f"PM backlog reached detection out of order: {late} late samples"
    assert m['vigil_detect_sources'] == 1, m


run("pmdir_backlog", body)
