"""indie_score - replay tests/eval/indie_fleet.py's wire data through one agent (two pcap
inputs + the pmdir backlog) into a collector with the default rules, and score the alerts
against its labels per class (recall, precision, median time to detect in reporting
intervals, false alerts per 100 device-days)."""
import argparse
import os
import statistics
import sys

ROP = 900000
DAY = 86400000
JTI_PORT = 32767


# ------------------------------------------------------------------ scoring

CLASSES = {"link-down": "link down", "collapse": "throughput collapse", "error-burst": "error burst",
           "cpu-runaway": "CPU exhaustion", "memory-leak": "memory leak", "silence": "silence",
           "reboot": "unexpected reboot", "cell-outage": "cell outage", "rrc-drop": "KPI degradation",
           "common-mode": "vendor common-mode"}


def score(fleet, labels, alerts, grace_ms=3600000):
    """Per class recall and precision; an alert matches a label of the same catalogue id whose
    device (any alias) or entity it names, in [start, end + grace].  Side-effect labels excuse
    alerts but are not counted for recall."""
    alias = {}
    for d in fleet["devices"]:
        for a in d["aliases"]:
            alias[a] = d["name"]
    vendors = {d["vendor"].lower() for d in fleet["devices"]}

    def dev_of(uid):
        if uid in alias:
            return alias[uid]
        low = uid.lower()
        for v in vendors:
            if v in low:
                return v
        return uid
    for al in alerts:
        al["dev"] = dev_of(al["device"])
        al["match"] = None
    rows = {}
    for l in labels:
        hits = [al for al in alerts if al["catalog"] == l["detector"] and l["start_ms"] <= al["time"] <= l["end_ms"] + grace_ms
                and (al["dev"] in l["devices"] or al["dev"] == l["entity"].lower() or al["dev"] == l["entity"])]
        for al in hits:
            if al["match"] is None or not l["side_effect"]:
                al["match"] = (l["id"], l["side_effect"])
        if l["side_effect"]:
            continue
        c = CLASSES[l["type"]]
        r = rows.setdefault(c, {"class": c, "detector": l["detector"], "labels": 0, "found": 0, "ttd": [], "missed": []})
        r["labels"] += 1
        if hits:
            r["found"] += 1
            step = ROP if any(d["transport"] == "pm" for d in fleet["devices"] if d["name"] in l["devices"]) else \
                max(d["cadence"] for d in fleet["devices"] if d["name"] in l["devices"] or d["vendor"] == l["entity"])
            r["ttd"].append((min(h["time"] for h in hits) - l["start_ms"]) / step)
        else:
            r["missed"].append(f"{l['id']} {l['type']} {l['entity']} {l['note']}")
    for r in rows.values():
        det = [al for al in alerts if al["catalog"] == r["detector"]]
        good = [al for al in det if al["match"]]
        r["alerts"] = len(det)
        r["precision"] = len(good) / len(det) if det else None
        r["recall"] = r["found"] / r["labels"]
        r["ttd_median"] = statistics.median(r["ttd"]) if r["ttd"] else None
    fp = [al for al in alerts if not al["match"]]
    days = (fleet["end_ms"] - fleet["start_ms"]) / DAY
    by_rule = {}
    for al in fp:
        by_rule[al["rule"]] = by_rule.get(al["rule"], 0) + 1
    tot_l = sum(r["labels"] for r in rows.values())
    tot_f = sum(r["found"] for r in rows.values())
    return {"rows": sorted(rows.values(), key=lambda r: r["class"]),
            "total": {"labels": tot_l, "found": tot_f, "recall": tot_f / tot_l if tot_l else None,
                      "alerts": len(alerts), "false": len(fp),
                      "precision": (len(alerts) - len(fp)) / len(alerts) if alerts else None,
                      "false_per_100_device_days": 100.0 * len(fp) / (len(fleet["devices"]) * days),
                      "false_by_rule": by_rule},
            "false_alerts": [{k: al[k] for k in ("rule", "device", "time", "title")} for al in fp][:60]}


def render(results):
    runs = list(results)
    lines = ["| class | detector | labels |" + "".join(f" {k} |" for k in runs), "|---|---|---:|" + "---|" * len(runs)]
    classes = []
    for k in runs:
        for r in results[k]["rows"]:
            if r["class"] not in [c[0] for c in classes]:
                classes.append((r["class"], r["detector"], r["labels"]))
    f = lambda v, p="{:.2f}": "-" if v is None else p.format(v)
    for c, det, n in classes:
        cells = ""
        for k in runs:
            r = next((x for x in results[k]["rows"] if x["class"] == c), None)
            cells += f" {r['found']}/{r['labels']}, P {f(r['precision'])}, TTD {f(r['ttd_median'], '{:.1f}')} |"
        lines.append(f"| {c} | {det} | {n} |{cells}")
    lines.append("| **all** | | |" + "".join(
        f" **{results[k]['total']['found']}/{results[k]['total']['labels']}, P {f(results[k]['total']['precision'])}, "
        f"{results[k]['total']['false']} false ({results[k]['total']['false_per_100_device_days']:.1f}/100 dev-days)** |"
        for k in runs))
    return "\n".join(lines)


# ------------------------------------------------------------------ replay

def replay(bindir, wire, work, max_age, timeout=1800, source=""):
    """One collector (default rules: source/detectors/rules.yaml, the checkout by default) +
    one agent with the two pcap inputs and the pmdir backlog: returns (alerts, metrics,
    the eval_wire.Replay)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import eval_wire
    a = argparse.Namespace(bin=os.path.abspath(bindir), source=os.path.abspath(source or os.path.join(here, "..", "..")),
                           timeout=timeout)
    rp = eval_wire.Replay(a, wire, work, max_age, "pcap")
    # the JTI capture is on the operator's port, not the simulator's
    with open(rp.acfg) as f:
        text = f.read()
    text = text.replace("{port: 50000, format: jti}", f"{{port: {JTI_PORT}, format: jti}}")
    with open(rp.acfg, "w") as f:
        f.write(text)
    try:
        m = rp.run(0)
    finally:
        rp.close()
    return eval_wire.read_alerts(a, rp.store), m, rp


