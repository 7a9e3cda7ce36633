#!/usr/bin/env python3
"""indie_fleet - an independent multi-vendor fleet in vendor wire formats, with labels.

Written from the vendors' formats (../shared/samples and ../shared/reference/VENDOR_FORMATS.md),
not from Vigil's simulator: IOS XR MDT TCP dial-out JSON (12-byte header; native paths
infra-statistics generic-counters, pfi-im-cmd interface-xr, wdsysmon cpu-utilization,
nto-misc memory-summary, shellutil system-time uptime), Junos JTI native UDP
(TelemetryStream, jnpr_interface_ext with InterfaceInfos incl. status fields 10-16 and
init_time, cpu_memory_util_ext), and 3GPP TS 32.435 PM XML per 15-min ROP from Ericsson
(pm* counters, measType/r form, UTC), Nokia (28.552 names with per-cause subcounters, local
time with a UTC offset) and Huawei (measTypes/measResults form), with delivery delays, a late
and a missing file.  Incidents of the catalogue kinds are injected and written as labels
(JSON lines with the fields `vigil eval --labels` writes, plus `side_effect` for alerts that
are expected consequences but not scored for recall).

usage: indie_fleet.py gen --out DIR [--seed N] [--days D] [--size normal|small]
       indie_fleet.py run --bin B [--seed N] [--days D] [--size S] [--max-age 50ms,5s] [--json F]
`run` generates, replays through one agent (two pcap inputs + pmdir) into a collector with the
default rules (tests/eval/eval_wire.py's Replay), and scores the alerts per class.
This file: the fleet, its incidents and labels, and the command line; the wire formats are
indie_wire.py, replay and scoring indie_score.py."""
import argparse
import heapq
import json
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from indie_score import render, replay, score  # noqa: E402
from indie_wire import (DAY, JTI_PORT, MDT_PORT, MIN, ROP, Pcap, cisco_stream, jti_stream,  # noqa: E402
                        write_pm)


def iso_ms(s):
    return int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone) * 1000


# ------------------------------------------------------------------ the fleet

class Fleet:
    """Devices, their cadences and incidents, seeded."""

    def __init__(self, seed, days, start_ms, size):
        self.rng = random.Random(seed)
        self.seed, self.days, self.start, self.end = seed, days, start_ms, start_ms + int(days * DAY)
        n_cisco, n_jnpr, n_gnb = (6, 6, 4) if size == "normal" else (2, 2, 4)
        r = self.rng
        cities = ["ams", "fra", "par", "lon", "mad", "vie", "waw", "prg", "osl", "hel", "dub", "lis"]
        r.shuffle(cities)
        self.devices = []
        for i in range(n_cisco):
            name = f"{cities[i % len(cities)]}{i + 1:02d}-pe-asr9k"
            ifs = [f"HundredGigE0/0/0/{k}" for k in range(2)] + [f"TenGigE0/0/1/{k}" for k in range(r.choice((2, 3)))]
            self.devices.append({"name": name, "vendor": "Cisco", "transport": "mdt", "aliases": [name],
                                 "cadence": r.choice((30000, 60000)), "ifs": ifs,
                                 "ip": [10, 10, 1, 10 + i], "boot": self.start - r.randint(20, 200) * DAY})
        for i in range(n_jnpr):
            host = f"{cities[(i + 5) % len(cities)]}{i + 1:02d}-p-mx960"
            ip = [10, 20, 0, 30 + i]
            ifs = [f"et-0/0/{k}" for k in range(2)] + [f"xe-1/1/{k}" for k in range(r.choice((2, 3)))]
            self.devices.append({"name": host, "vendor": "Juniper", "transport": "jti",
                                 "aliases": [host, f"{host}:{'.'.join(map(str, ip))}"],
                                 "system_id": f"{host}:{'.'.join(map(str, ip))}",
                                 "cadence": r.choice((30000, 60000)), "ifs": ifs, "ip": ip,
                                 "boot": self.start - r.randint(20, 200) * DAY})
        for vendor, code in (("Ericsson", "ER"), ("Nokia", "NK"), ("Huawei", "HW")):
            for i in range(n_gnb):
                name = {"Ericsson": f"G{r.randint(10000, 99999)}{code}", "Nokia": f"MRBTS-{r.randint(1000, 9999)}",
                        "Huawei": f"gNodeB_{cities[i]}_{r.randint(100, 999)}"}[vendor]
                cells = r.choice((2, 3))
                self.devices.append({"name": name, "vendor": vendor, "transport": "pm", "aliases": [name],
                                     "cadence": ROP, "cells": cells,
                                     "cell_scale": [r.uniform(0.3, 1.6) for _ in range(cells)],
                                     "delay": {"Ericsson": (60, 180), "Nokia": (240, 480), "Huawei": (120, 300)}[vendor]})
        for d in self.devices:
            if d["transport"] != "pm":
                d["if_scale"] = {f: r.uniform(0.05, 1.0) * (4 if f.startswith(("Hundred", "et-")) else 1) for f in d["ifs"]}
                d["idle"] = d["ifs"][-1] if r.random() < 0.5 else None        # up, no traffic
                d["busy"] = d["ifs"][0]                                          # background errors
        self.incidents = []
        self.labels = []
        self._place()

    def by(self, transport=None, vendor=None):
        return [d for d in self.devices if (transport is None or d["transport"] == transport)
                and (vendor is None or d["vendor"] == vendor)]

    def _slot(self, dev, dur, busy, after=0.15 * DAY):
        """A start time for an incident of length dur on dev, not overlapping its others,
        at least `after` ms into the data."""
        r = self.rng
        gap = 3600000
        for _ in range(200):
            s = self.start + int(r.uniform(after, self.end - self.start - dur - gap))
            s -= s % 1000
            if all(s > e + gap or s + dur + gap < b for b, e in busy.get(dev["name"], [])):
                busy.setdefault(dev["name"], []).append((s, s + dur))
                return s
        return None

    def _place(self):
        r = self.rng
        busy = {}
        routers = self.by("mdt") + self.by("jti")
        gnbs = self.by("pm")
        small = len(routers) < 8
        long_enough = self.days >= 1.5   # room for a collapse after the first day
        plan = [("link-down", 4 if not small else 2), ("collapse", (3 if not small else 1) if long_enough else 0),
                ("error-burst", 4 if not small else 2), ("cpu", 2 if not small else 1),
                ("memory-leak", 2 if not small else 1), ("silence", 3 if not small else 2),
                ("reboot", 3 if not small else 2), ("cell-outage", 3 if not small else 1),
                ("kpi", 3 if not small else 1), ("gnb-silence", 2 if not small else 1),
                ("cell-collapse", 1 if long_enough else 0), ("common-mode", 1)]
        for kind, n in plan:
            for i in range(n):
                if kind in ("cpu",):
                    pool = self.by("mdt")
                elif kind == "memory-leak":
                    pool = self.by("mdt") if i % 2 == 0 else self.by("jti")
                elif kind in ("link-down", "collapse", "error-burst", "silence", "reboot"):
                    pool = self.by("mdt") if i % 2 == 0 else self.by("jti")
                elif kind == "common-mode":
                    pool = None
                else:
                    pool = [g for g in gnbs if g["vendor"] == ("Ericsson", "Nokia", "Huawei")[i % 3]]
                if kind == "common-mode":
                    vendor = r.choice(("Ericsson", "Nokia", "Huawei"))
                    devs = self.by("pm", vendor)
                    dur = r.choice((60, 75, 90)) * MIN
                    s = None
                    for _ in range(200):
                        s = self.start + int(r.uniform(0.3 * DAY, self.end - self.start - dur - 3 * 3600000))
                        s -= s % ROP
                        if all(all(s > e + 2 * 3600000 or s + dur + 2 * 3600000 < b for b, e in busy.get(d["name"], []))
                               for d in devs):
                            break
                    for d in devs:
                        busy.setdefault(d["name"], []).append((s, s + dur))
                    inc = {"kind": kind, "vendor": vendor, "devices": [d["name"] for d in devs], "start": s,
                           "end": s + dur}
                    self.incidents.append(inc)
                    self._label(inc, "X01", vendor, [d["name"] for d in devs])
                    for d in devs:
                        self._label(inc, "A06", d["name"], [d["name"]], side=True)
                        self._label(inc, "A03", d["name"], [d["name"]], side=True)
                    continue
                pool = list(pool)
                r.shuffle(pool)
                dur = {"link-down": r.randint(20, 60) * MIN, "collapse": r.randint(90, 180) * MIN,
                       "error-burst": r.randint(15, 40) * MIN, "cpu": r.randint(30, 60) * MIN,
                       "memory-leak": r.randint(6, 10) * 3600000, "silence": r.randint(20, 50) * MIN,
                       "reboot": r.randint(2, 4) * MIN, "cell-outage": r.randint(4, 10) * ROP,
                       "kpi": r.randint(6, 10) * ROP, "gnb-silence": r.randint(4, 8) * ROP,
                       "cell-collapse": r.randint(8, 12) * ROP}[kind]
                # a collapse is judged against the series' own daily profile: it needs a
                # day of data first (issue 9: "usable after a day of data")
                after = DAY + 2 * 3600000 if kind in ("collapse", "cell-collapse") else 0.15 * DAY
                for dev in pool:
                    s = self._slot(dev, dur, busy, after)
                    if s is not None:
                        break
                else:
                    raise RuntimeError(f"no room for a {kind} incident")
                if dev["transport"] == "pm":
                    s -= s % ROP
                inc = {"kind": kind, "devices": [dev["name"]], "start": s, "end": s + dur}
                if kind in ("link-down", "collapse", "error-burst"):
                    cands = [f for f in dev["ifs"] if f != dev["idle"]]
                    inc["if"] = r.choice(cands)
                    if kind == "collapse":
                        inc["if"] = max(cands, key=lambda f: dev["if_scale"][f])
                if kind in ("cell-outage", "kpi", "cell-collapse"):
                    inc["cell"] = r.randrange(dev["cells"])
                    if kind == "cell-collapse":
                        inc["cell"] = max(range(dev["cells"]), key=lambda c: dev["cell_scale"][c])
                self.incidents.append(inc)
                det = {"link-down": "A02", "collapse": "A03", "error-burst": "A04", "cpu": "A05",
                       "memory-leak": "A05", "silence": "A01", "reboot": "I03", "cell-outage": "A06",
                       "kpi": "A06", "gnb-silence": "A01", "cell-collapse": "A03"}[kind]
                self._label(inc, det, dev["name"], [dev["name"]])
                if kind == "link-down":
                    self._label(inc, "A03", dev["name"], [dev["name"]], side=True)
                if kind == "reboot":   # the router is away while it boots; its counters restart
                    self._label(inc, "A01", dev["name"], [dev["name"]], side=True)
                    self._label(inc, "A02", dev["name"], [dev["name"]], side=True)
                if kind == "cell-outage":
                    self._label(inc, "A03", dev["name"], [dev["name"]], side=True)
        # nuisance the labels do not name: a missing PM file and a late one, a TCP session
        # that reconnects without a reboot
        self.missing = {(r.choice(gnbs)["name"], self.start + r.randrange(8, int(self.days * 96) - 8) * ROP)}
        self.late = {(r.choice(gnbs)["name"], self.start + r.randrange(8, int(self.days * 96) - 8) * ROP)}
        self.reconnect = (r.choice(self.by("mdt"))["name"], self.start + int(r.uniform(0.3, 0.9) * (self.end - self.start)))

    def _label(self, inc, det, entity, devs, side=False):
        typ = {"cpu": "cpu-runaway", "kpi": "rrc-drop", "gnb-silence": "silence", "cell-collapse": "collapse",
               "common-mode": "common-mode"}.get(inc["kind"], inc["kind"])
        self.labels.append({"scenario": "indie", "id": len(self.incidents), "type": typ, "detector": det,
                            "cia": "I" if det == "I03" else "A", "benign": False, "entity": entity, "devices": devs,
                            "start_ms": inc["start"], "end_ms": inc["end"], "magnitude": 1.0,
                            "note": inc.get("if", "") or (f"cell {inc['cell']}" if "cell" in inc else ""),
                            "side_effect": side})

    def active(self, dev, kind, t, **kw):
        for inc in self.incidents:
            if inc["kind"] == kind and dev["name"] in inc["devices"] and inc["start"] <= t < inc["end"]:
                if all(inc.get(k) == v for k, v in kw.items()):
                    return inc
        return None


def generate(out, seed, days, start, size):
    """Write DIR/mdt.pcap, DIR/jti.pcap, DIR/pm/, DIR/labels.jsonl, DIR/fleet.json."""
    os.makedirs(out, exist_ok=True)
    fl = Fleet(seed, days, iso_ms(start), size)
    random.seed(seed)
    counts = {}
    for name, fn, transport in (("mdt.pcap", cisco_stream, "mdt"), ("jti.pcap", jti_stream, "jti")):
        pc = Pcap(os.path.join(out, name))
        n = 0
        for ts, kind, args in heapq.merge(*[fn(fl, d) for d in fl.by(transport)], key=lambda e: e[0]):
            if kind == "tcp":
                pc.tcp(ts, *args)
            else:
                pc.udp(ts, *args)
            n += 1
        pc.close()
        counts[name] = n
    # pcap_replay's input wants every capture the eval harness names: an empty UDP-notif one
    Pcap(os.path.join(out, "udpnotif.pcap")).close()
    counts["pm"] = write_pm(fl, os.path.join(out, "pm"))
    with open(os.path.join(out, "labels.jsonl"), "w") as f:
        for l in fl.labels:
            f.write(json.dumps(l) + "\n")
    with open(os.path.join(out, "fleet.json"), "w") as f:
        json.dump({"seed": seed, "days": days, "start_ms": fl.start, "end_ms": fl.end, "counts": counts,
                   "devices": [{k: d[k] for k in ("name", "vendor", "transport", "aliases", "cadence")}
                               for d in fl.devices],
                   "jti_port": JTI_PORT, "mdt_port": MDT_PORT}, f, indent=1)
    return fl, counts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=("gen", "run"))
    p.add_argument("--out", default="")
    p.add_argument("--bin", default="")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=float, default=3.0)
    p.add_argument("--start", default="2026-11-09T00:00:00Z")
    p.add_argument("--size", default="normal", choices=("normal", "small"))
    p.add_argument("--max-age", default="50ms,5s")
    p.add_argument("--json", default="")
    p.add_argument("--keep", default="")
    p.add_argument("--source", default="", help="checkout whose detectors/rules.yaml the collector uses "
                   "(older binaries need their own rules); default: this one")
    a = p.parse_args(argv)
    if a.cmd == "gen":
        fl, counts = generate(a.out, a.seed, a.days, a.start, a.size)
        print(json.dumps(counts), f"{len(fl.devices)} devices, {sum(1 for l in fl.labels if not l['side_effect'])} "
                                  f"incidents", file=sys.stderr)
        return 0
    base = a.keep or tempfile.mkdtemp(prefix="vigil-indie-")
    wire = os.path.join(base, "wire")
    t0 = time.monotonic()
    fl, counts = generate(wire, a.seed, a.days, a.start, a.size)
    print(f"generated in {time.monotonic() - t0:.0f} s: {counts}", file=sys.stderr)
    with open(os.path.join(wire, "fleet.json")) as f:
        fleet = json.load(f)
    results, raw = {}, {}
    for age in [x.strip() for x in a.max_age.split(",") if x.strip()]:
        alerts, m, rp = replay(a.bin, wire, os.path.join(base, f"run-{age}"), age, source=a.source)
        s = score(fleet, fl.labels, alerts)
        results[f"pcap {age}"] = s
        raw[age] = {"alerts": alerts, "metrics": {k: v for k, v in m.items() if "samples" in k or "dropped" in k
                                                   or k == "wall_s"}}
        print(f"{age}: {len(alerts)} alerts, replay {m.get('wall_s')} s", file=sys.stderr)
    print(render(results))
    for k, s in results.items():
        print(f"- {k}: false by rule {s['total']['false_by_rule']}; missed: "
              + "; ".join(m for r in s["rows"] for m in r["missed"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "raw": raw, "labels": fl.labels, "fleet": fleet}, f, indent=1, default=str)
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
