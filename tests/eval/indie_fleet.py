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
default rules (tests/eval/eval_wire.py's Replay), and scores the alerts per class."""
import argparse
import heapq
import json
import math
import os
import random
import shutil
import statistics
import struct
import sys
import tempfile
import time
import zlib

MIN = 60000
ROP = 900000
DAY = 86400000
MDT_PORT = 57500
JTI_PORT = 32767   # a port the operator chose; it is in the agent's config, not in the data


def h(name):
    """A stable hash of a name (Python's own is salted per process)."""
    return zlib.crc32(name.encode())


def iso_ms(s):
    return int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone) * 1000


# ------------------------------------------------------------------ protobuf and pcap

def pb_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_u(field, v):
    return pb_varint(field << 3) + pb_varint(int(v))


def pb_b(field, data):
    if isinstance(data, str):
        data = data.encode()
    return pb_varint((field << 3) | 2) + pb_varint(len(data)) + data


class Pcap:
    """A classic little-endian microsecond Ethernet pcap."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

    @staticmethod
    def _csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack(f"!{len(b) // 2}H", b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff

    def packet(self, ts_ms, src, dst, proto, l4):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, bytes(src), bytes(dst))
        ip = ip[:10] + struct.pack("!H", self._csum(ip)) + ip[12:]
        frame = b"\x00\x1b\x21\x3a\x4c\x01" + b"\x00\x0c\x29\x11\x22\x33" + b"\x08\x00" + ip + l4
        sec, ms = divmod(int(ts_ms), 1000)
        self.f.write(struct.pack("<IIII", sec, ms * 1000 + random.randint(0, 999), len(frame), len(frame)) + frame)

    def udp(self, ts_ms, src, sport, dst, dport, payload):
        self.packet(ts_ms, src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)

    def tcp(self, ts_ms, src, sport, dst, dport, seq, ack, flags, payload=b""):
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 29200, 0, 0)
        self.packet(ts_ms, src, dst, 6, hdr + payload)

    def close(self):
        self.f.close()


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


def diurnal(t, tz_h=1):
    """Traffic shape 0.15..1.0: low at 04:00 local, peak in the evening; weekends lighter."""
    h = ((t / 3600000.0) + tz_h) % 24
    day = int((t / DAY + 3) % 7)  # 0 = Monday (1970-01-01 was a Thursday)
    v = 0.15 + 0.85 * (0.5 - 0.5 * math.cos((h - 4) / 24 * 2 * math.pi)) ** 1.6
    return v * (0.8 if day >= 5 else 1.0)


# ------------------------------------------------------------------ router state

class Router:
    """Counters and gauges of one router, advanced sample by sample."""

    def __init__(self, fl, dev):
        self.fl, self.d, self.rng = fl, dev, random.Random(fl.seed * 7919 + h(dev["name"]) % 100003)
        self.boot = dev["boot"]
        self.c = {}
        self.reset_counters(fl.start)
        self.mem_total = 32 * 2 ** 30 if dev["vendor"] == "Cisco" else 4 * 2 ** 30
        self.mem_used0 = self.mem_total * self.rng.uniform(0.25, 0.4)
        self.transitions = {f: self.rng.randint(1, 9) for f in dev["ifs"]}
        self.last_change = {f: self.boot // 1000 + 120 for f in dev["ifs"]}
        self.prev_state = {f: "UP" for f in dev["ifs"]}
        self.t = fl.start

    def reset_counters(self, t):
        for f in self.d["ifs"]:
            base = 0 if t > self.fl.start else self.rng.randint(10 ** 9, 10 ** 13)
            self.c[f] = {k: (base if k.endswith("octets") else base // 800 if "pkts" in k else base // 10 ** 8)
                         for k in ("in_octets", "out_octets", "in_pkts", "out_pkts", "in_errors", "in_crc",
                                   "in_discards", "out_discards", "out_errors", "in_mcast", "in_bcast")}

    def up(self, f, t):
        return not self.fl.active(self.d, "link-down", t, **{"if": f})

    def advance(self, t):
        """Advance counters to t; return the per-interface admin/oper state."""
        dt = (t - self.t) / 1000.0
        self.t = t
        r = self.rng
        for f in self.d["ifs"]:
            c = self.c[f]
            if f == self.d["idle"] or not self.up(f, t):
                continue
            scale = self.d["if_scale"][f]
            bps = scale * 40e9 * diurnal(t) * r.uniform(0.9, 1.1) if f.startswith(("Hundred", "et-")) \
                else scale * 4e9 * diurnal(t) * r.uniform(0.85, 1.15)
            if self.fl.active(self.d, "collapse", t, **{"if": f}):
                bps *= 0.15
            c["in_octets"] += int(bps / 8 * dt)
            c["out_octets"] += int(bps / 8 * dt * r.uniform(0.6, 0.9))
            c["in_pkts"] += int(bps / 8 * dt / 780)
            c["out_pkts"] += int(bps / 8 * dt / 820)
            c["in_mcast"] += int(dt * r.uniform(0, 3))
            c["in_bcast"] += int(dt * r.uniform(0, 1))
            # background: a busy link has a few input errors per minute and congestion
            # discards at the evening peak; any link an occasional stray error
            if f == self.d["busy"]:
                c["in_errors"] += self._poisson(dt / 60 * 2.0)
                c["in_crc"] += self._poisson(dt / 60 * 1.5)
                c["out_discards"] += self._poisson(dt * 3.0 * max(0.0, diurnal(t) - 0.8) * 10)
            else:
                c["in_errors"] += self._poisson(dt / 3600 * 0.5)
            if self.fl.active(self.d, "error-burst", t, **{"if": f}):
                n = self._poisson(dt * r.uniform(5, 40))
                c["in_errors"] += n
                c["in_crc"] += n
        out = {}
        for f in self.d["ifs"]:
            st = "UP" if self.up(f, t) else "DOWN"
            if st != self.prev_state[f]:
                self.transitions[f] += 1
                self.last_change[f] = t // 1000
                self.prev_state[f] = st
            out[f] = st
        return out

    def _poisson(self, lam):
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, int(self.rng.gauss(lam, math.sqrt(lam))))
        L, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= L:
                return k
            k += 1

    def cpu(self, t):
        v = 8 + 18 * diurnal(t) + self.rng.gauss(0, 3)
        if self.rng.random() < 0.004:
            v += self.rng.uniform(30, 55)   # a routing churn spike, one sample
        if self.fl.active(self.d, "cpu", t):
            v = self.rng.uniform(94, 100)
        return int(min(100, max(0, v)))

    def mem_used(self, t):
        v = self.mem_used0 * (1 + 0.02 * math.sin(t / 5400000.0)) + self.rng.gauss(0, self.mem_total * 0.002)
        inc = self.fl.active(self.d, "memory-leak", t)
        if inc:
            v += (t - inc["start"]) / (inc["end"] - inc["start"]) * self.mem_total * 0.35
        elif any(i["kind"] == "memory-leak" and self.d["name"] in i["devices"] and i["end"] <= t
                 and not self.fl.active(self.d, "reboot", t) for i in self.fl.incidents):
            pass
        return int(min(self.mem_total * 0.99, v))


# ------------------------------------------------------------------ Cisco IOS XR MDT TCP JSON

def mdt_frame(obj):
    body = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack("!HHHHI", 1, 2, 1, 0, len(body)) + body


def cisco_stream(fl, dev):
    """Yield (ts_ms, kind, args) pcap records of one IOS XR router's TCP dial-out sessions."""
    r = random.Random(fl.seed * 31 + h(dev["name"]) % 9973)
    rt = Router(fl, dev)
    cad = dev["cadence"]
    coll = [10, 0, 0, 1]
    t = fl.start + r.randint(0, cad - 1)
    sess = None
    seq = 0
    cid = r.randint(10 ** 5, 10 ** 6)
    sub = f"VIGIL-{r.choice(['CORE', 'PE', 'NOC'])}"
    slow_every = 300000 // cad
    step = 0
    reboot_done = set()
    while t < fl.end:
        reb = fl.active(dev, "reboot", t)
        sil = fl.active(dev, "silence", t)
        if reb:
            if id(reb) not in reboot_done:   # the router reloads: the session dies without FIN
                reboot_done.add(id(reb))
                rt.boot = reb["end"] - r.randint(20, 40) * 1000
                sess = None
            t += cad
            continue
        if rt.boot > t - 1000 and step:
            pass
        if rt.t < rt.boot <= t:   # came back: counters start from zero
            rt.reset_counters(t)
        if sil:
            sess_dead = sess
            t += cad
            if sess_dead is not None and sil["end"] <= t:
                pass
            continue
        if fl.reconnect[0] == dev["name"] and sess and fl.reconnect[1] <= t < fl.reconnect[1] + cad:
            yield (t - 5, "tcp", (dev["ip"], sess[0], coll, MDT_PORT, sess[1], 1, 0x11, b""))
            sess = None
        if sess is None:
            sport = r.randint(20000, 60000)
            isn = r.randint(0, 2 ** 31)
            yield (t - 3, "tcp", (dev["ip"], sport, coll, MDT_PORT, isn, 0, 0x02, b""))
            sess = [sport, isn + 1]
        states = rt.advance(t)
        msgs = []
        rows = []
        for f in dev["ifs"]:
            c = rt.c[f]
            rows.append({"timestamp": str(t + r.randint(1, 40)), "keys": [{"interface-name": f}], "content": {
                "packets-received": str(c["in_pkts"]), "bytes-received": str(c["in_octets"]),
                "packets-sent": str(c["out_pkts"]), "bytes-sent": str(c["out_octets"]),
                "multicast-packets-received": str(c["in_mcast"]), "broadcast-packets-received": str(c["in_bcast"]),
                "multicast-packets-sent": "0", "broadcast-packets-sent": "0",
                "output-drops": c["out_discards"], "output-queue-drops": 0, "input-drops": c["in_discards"],
                "input-queue-drops": 0, "runt-packets-received": 0, "giant-packets-received": 0,
                "throttled-packets-received": 0, "parity-packets-received": 0, "unknown-protocol-packets-received": 0,
                "input-errors": c["in_errors"], "crc-errors": c["in_crc"], "input-overruns": 0,
                "framing-errors-received": 0, "input-ignored-packets": 0, "input-aborts": 0,
                "output-errors": c["out_errors"], "output-underruns": 0, "output-buffer-failures": 0,
                "output-buffers-swapped-out": 0, "applique": 0, "resets": 0, "carrier-transitions": rt.transitions[f],
                "availability-flag": 0, "last-data-time": str(t // 1000),
                "seconds-since-last-clear-counters": 0, "last-discontinuity-time": int(rt.boot // 1000),
                "seconds-since-packet-received": 0, "seconds-since-packet-sent": 0}})
        msgs.append(("Cisco-IOS-XR-infra-statsd-oper:infra-statistics/interfaces/interface/latest/generic-counters",
                     rows))
        rows = []
        for f in dev["ifs"]:
            st = "im-state-up" if states[f] == "UP" else "im-state-down"
            speed = 100000000 if f.startswith("Hundred") else 10000000
            rows.append({"timestamp": str(t + r.randint(1, 40)), "keys": [{"interface-name": f}], "content": {
                "interface-handle": f, "interface-type": "IFT_HUNDREDGE" if speed > 10 ** 7 else "IFT_TENGETHERNET",
                "hardware-type-string": "HundredGigE" if speed > 10 ** 7 else "TenGigE", "state": st,
                "line-state": st, "encapsulation": "ether", "encapsulation-type-string": "ARPA", "mtu": 9216,
                "is-l2-transport-enabled": False, "state-transition-count": rt.transitions[f],
                "last-state-transition-time": max(0, t // 1000 - rt.last_change[f]), "is-dampening-enabled": False,
                "speed": speed, "duplexity": "im-attr-duplex-full", "media-type": "im-attr-media-other",
                "link-type": "im-attr-link-type-force", "in-flow-control": "im-attr-flow-control-off",
                "out-flow-control": "im-attr-flow-control-off", "bandwidth": speed, "max-bandwidth": speed,
                "is-l2-looped": False, "description": f"core link {f[-5:]}", "if-index": 0,
                "is-maintenance-enabled": False, "is-data-inverted": False, "transport-mode": "unknown"}})
        msgs.append(("Cisco-IOS-XR-pfi-im-cmd-oper:interfaces/interface-xr/interface", rows))
        cpu = rt.cpu(t)
        msgs.append(("Cisco-IOS-XR-wdsysmon-fd-oper:system-monitoring/cpu-utilization", [
            {"timestamp": str(t + r.randint(1, 40)), "keys": [{"node-name": "0/RP0/CPU0"}], "content": {
                "total-cpu-one-minute": cpu, "total-cpu-five-minute": max(0, cpu - r.randint(0, 3)),
                "total-cpu-fifteen-minute": max(0, cpu - r.randint(0, 5)),
                "process-cpu": [{"process-name": p, "process-id": pid, "process-cpu-one-minute": r.randint(0, 2),
                                 "process-cpu-five-minute": 0, "process-cpu-fifteen-minute": 0}
                                for p, pid in (("init", 1), ("bgp", 5120), ("ipv4_rib", 4211))]}}]))
        if step % slow_every == 0:
            used = rt.mem_used(t)
            free = rt.mem_total - used
            msgs.append(("Cisco-IOS-XR-nto-misc-oper:memory-summary/nodes/node/summary", [
                {"timestamp": str(t + r.randint(1, 40)), "keys": [{"node-name": "0/RP0/CPU0"}], "content": {
                    "page-size": 4096, "ram-memory": str(rt.mem_total), "free-physical-memory": str(free),
                    "system-ram-memory": str(rt.mem_total), "free-application-memory": str(free),
                    "image-memory": "4194304", "boot-ram-size": "0", "reserved-memory": "0", "io-memory": "0",
                    "flash-system": "0"}}]))
            msgs.append(("Cisco-IOS-XR-shellutil-oper:system-time/uptime", [
                {"timestamp": str(t + r.randint(1, 40)), "content": {"hostname": dev["name"],
                                                                       "uptime": int((t - rt.boot) // 1000)}}]))
        at = t
        for path, rows in msgs:
            cid += 1
            obj = {"node_id_str": dev["name"], "subscription_id_str": sub, "encoding_path": path,
                   "collection_id": str(cid), "collection_start_time": str(at), "msg_timestamp": str(at + 45),
                   "data_json": rows, "collection_end_time": str(at + 50)}
            frame = mdt_frame(obj)
            for o in range(0, len(frame), 1448):
                seg = frame[o:o + 1448]
                yield (at + 50, "tcp", (dev["ip"], sess[0], coll, MDT_PORT, sess[1], 1, 0x18, seg))
                sess[1] += len(seg)
            at += r.randint(2, 30)
        step += 1
        t += cad


# ------------------------------------------------------------------ Juniper JTI UDP

def jti_stream(fl, dev):
    r = random.Random(fl.seed * 37 + h(dev["name"]) % 9973)
    rt = Router(fl, dev)
    cad = dev["cadence"]
    coll = [10, 0, 0, 1]
    t = fl.start + r.randint(0, cad - 1)
    seqs = {}
    seen_reboot = set()
    step = 0
    ifsensor = "/junos/system/linecard/interface/:/junos/system/linecard/interface/:PFE"
    memsensor = "/junos/system/linecard/cpu/memory/:/junos/system/linecard/cpu/memory/:PFE"
    while t < fl.end:
        reb = fl.active(dev, "reboot", t)
        if reb:
            if id(reb) not in seen_reboot:
                seen_reboot.add(id(reb))
                rt.boot = reb["end"] - r.randint(20, 40) * 1000
                seqs = {}
            t += cad
            continue
        if rt.t < rt.boot <= t:
            rt.reset_counters(t)
        if fl.active(dev, "silence", t):
            t += cad
            continue
        states = rt.advance(t)
        infos = b""
        for k, f in enumerate(dev["ifs"]):
            c = rt.c[f]
            qs = b"".join(pb_b(5, pb_u(1, q) + pb_u(2, 0) + pb_u(3, 0) + pb_u(12, 32768)) for q in range(2))
            ing = (pb_u(1, c["in_pkts"]) + pb_u(2, c["in_octets"]) + pb_u(3, 0) + pb_u(4, 0) + pb_u(5, c["in_pkts"])
                   + pb_u(6, c["in_mcast"]) + pb_u(7, c["in_bcast"]))
            egr = (pb_u(1, c["out_pkts"]) + pb_u(2, c["out_octets"]) + pb_u(3, 0) + pb_u(4, 0) + pb_u(5, c["out_pkts"])
                   + pb_u(6, 0) + pb_u(7, 0))
            ierr = (pb_u(1, c["in_errors"]) + pb_u(2, 0) + pb_u(3, c["in_crc"]) + pb_u(4, c["in_discards"])
                    + pb_u(5, 0) + pb_u(6, 0) + pb_u(7, 0) + pb_u(8, 0) + pb_u(9, 0) + pb_u(10, 0))
            eerr = pb_u(1, c["out_errors"]) + pb_u(2, c["out_discards"])
            speed = 100000 if f.startswith("et-") else 10000
            info = (pb_b(1, f) + pb_u(2, int(rt.boot // 1000) + 95) + pb_u(3, 500 + k) + qs + pb_b(7, ing)
                    + pb_b(8, egr) + pb_b(9, ierr) + pb_b(10, "UP") + pb_b(11, states[f])
                    + pb_b(12, f"backbone {f}") + pb_u(13, rt.transitions[f]) + pb_u(14, rt.last_change[f])
                    + pb_u(15, speed) + pb_b(16, eerr))
            infos += pb_b(1, info)
        yield (t + r.randint(5, 200), "udp", (dev["ip"], 21111, coll, JTI_PORT,
                                              stream_msg(dev, ifsensor, 0, seqs, t, 3, infos)))
        if step % max(1, 300000 // cad) == 0:
            used = rt.mem_used(t)
            summ = (pb_b(1, "Kernel") + pb_u(2, rt.mem_total) + pb_u(3, used) + pb_u(4, int(100 * used / rt.mem_total)))
            summ2 = (pb_b(1, "DMA") + pb_u(2, 268435456) + pb_u(3, 120000000 + r.randint(0, 10 ** 6)) + pb_u(4, 45))
            yield (t + r.randint(5, 200), "udp", (dev["ip"], 21112, coll, JTI_PORT,
                                                  stream_msg(dev, memsensor, 0, seqs, t, 1,
                                                             pb_b(1, summ) + pb_b(1, summ2))))
        step += 1
        t += cad


def stream_msg(dev, sensor, comp, seqs, t, ext_no, body):
    """One TelemetryStream: the sensor's message is extension ext_no of JuniperNetworksSensors
    (enterprise 101 -> juniperNetworks 2636); sequence numbers count per sensor and component."""
    key = (sensor, comp)
    seq = seqs.get(key, 0)
    seqs[key] = seq + 1
    return (pb_b(1, dev["system_id"]) + pb_u(2, comp) + pb_u(3, 0) + pb_b(4, sensor) + pb_u(5, seq)
            + pb_u(6, t) + pb_u(7, 1) + pb_u(8, 1) + pb_b(101, pb_b(2636, pb_b(ext_no, body))))


# ------------------------------------------------------------------ 3GPP PM files

def gnb_counts(fl, dev, cell, t0):
    """(attempts, successes, dl_mbit, ul_mbit) of one cell in the ROP starting at t0."""
    r = random.Random((fl.seed * 1000003 + h(dev["name"]) % 99991) * 131 + cell * 7 + t0 // ROP)
    tz = 1
    load = diurnal(t0 + ROP // 2, tz) * dev["cell_scale"][cell]
    att = max(0, int(r.gauss(900 * load, 20 + 30 * load)))
    ratio = min(1.0, r.gauss(0.995, 0.002))
    dl = max(0.0, r.gauss(42000 * load, 1500))
    ul = max(0.0, r.gauss(6000 * load, 300))
    if fl.active(dev, "kpi", t0, cell=cell):
        ratio = r.uniform(0.80, 0.90)
    if fl.active(dev, "cell-collapse", t0, cell=cell):
        dl *= 0.2
        ul *= 0.2
    if fl.active(dev, "cell-outage", t0, cell=cell) or fl.active(dev, "common-mode", t0):
        att, dl, ul = 0, 0.0, 0.0
    succ = int(round(att * ratio))
    return att, succ, dl, ul


def fmt_time(ms, off_h):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000 + off_h * 3600)) + \
        (f"{'+' if off_h >= 0 else '-'}{abs(off_h):02d}:00")


def fname_time(ms, off_h, with_off):
    s = time.strftime("%Y%m%d.%H%M", time.gmtime(ms / 1000 + off_h * 3600))
    return s + (f"{'+' if off_h >= 0 else '-'}{abs(off_h):02d}00" if with_off else "")


def pm_file(fl, dev, t0):
    v = dev["vendor"]
    off = 1 if v == "Nokia" else 0
    t1 = t0 + ROP
    hm = lambda ms: time.strftime("%H%M", time.gmtime(ms / 1000 + off * 3600)) + \
        (f"+{off:02d}00" if v == "Nokia" else "")
    name = f"A{fname_time(t0, off, v == 'Nokia')}-{hm(t1)}_{dev['name']}.xml"
    vendor_name = {"Ericsson": "Ericsson AB", "Nokia": "Nokia", "Huawei": "Huawei Technologies Co., Ltd."}[v]
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    if v == "Ericsson":
        out.append('<?xml-stylesheet type="text/xsl" href="MeasDataCollection.xsl"?>')
    out.append('<measCollecFile xmlns="http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec">')
    out.append(f'  <fileHeader fileFormatVersion="32.435 V10.0" vendorName="{vendor_name}" dnPrefix="SubNetwork=RAN">')
    out.append(f'    <fileSender localDn="{dev["name"]}" elementType="gNodeB"/>')
    out.append(f'    <measCollec beginTime="{fmt_time(t0, off)}"/>')
    out.append('  </fileHeader>')
    out.append('  <measData>')
    out.append(f'    <managedElement localDn="{dev["name"]}" swVersion="{ {"Ericsson": "CXP2010174_1 R52A", "Nokia": "5G24R1", "Huawei": "V100R023C10"}[v] }"/>')
    cells = [gnb_counts(fl, dev, c, t0) for c in range(dev["cells"])]
    gp = f'      <granPeriod duration="PT900S" endTime="{fmt_time(t1, off)}"/>\n      <repPeriod duration="PT900S"/>'
    if v == "Ericsson":
        out.append('    <measInfo measInfoId="PM=1,PmGroup=NRCellCU_GNBCUCP">\n      <job jobId="nr_all"/>\n' + gp)
        types = ["pmRrcConnEstabAtt", "pmRrcConnEstabSucc", "pmRrcConnEstabAttReatt", "pmRrcConnLevelSumSa",
                 "pmRrcConnLevelSamp"]
        for i, ty in enumerate(types):
            out.append(f'      <measType p="{i + 1}">{ty}</measType>')
        for c, (att, succ, dl, ul) in enumerate(cells):
            out.append(f'      <measValue measObjLdn="ManagedElement={dev["name"]},GNBCUCPFunction=1,NRCellCU={c + 1}">')
            for i, val in enumerate((att, succ, att // 40, att * 3, 900)):
                out.append(f'        <r p="{i + 1}">{val}</r>')
            out.append('      </measValue>')
        out.append('    </measInfo>')
        out.append('    <measInfo measInfoId="PM=1,PmGroup=NRCellCU_GNBCUUP">\n      <job jobId="nr_all"/>\n' + gp)
        for i, ty in enumerate(["pmPdcpVolDlDrb", "pmPdcpVolUlDrb", "pmPdcpVolDlDrbLastTTI"]):
            out.append(f'      <measType p="{i + 1}">{ty}</measType>')
        for c, (att, succ, dl, ul) in enumerate(cells):
            out.append(f'      <measValue measObjLdn="ManagedElement={dev["name"]},GNBCUUPFunction=1,NRCellCU={c + 1}">')
            for i, val in enumerate((int(dl * 1000), int(ul * 1000), int(dl * 3))):
                out.append(f'        <r p="{i + 1}">{val}</r>')
            out.append('      </measValue>')
        out.append('    </measInfo>')
    elif v == "Nokia":
        causes = ("mo-Data", "mo-Signalling", "mt-Access", "mo-VoiceCall", "emergency")
        share = (0.62, 0.2, 0.12, 0.05, 0.01)
        types = [f"RRC.ConnEstabAtt.{c}" for c in causes] + [f"RRC.ConnEstabSucc.{c}" for c in causes] + \
            ["DRB.PdcpSduVolumeDL", "DRB.PdcpSduVolumeUL", "RRU.PrbUsedDl"]
        out.append('    <measInfo measInfoId="NRCELL_RRC">\n      <job jobId="1001"/>\n' + gp)
        for i, ty in enumerate(types):
            out.append(f'      <measType p="{i + 1}">{ty}</measType>')
        for c, (att, succ, dl, ul) in enumerate(cells):
            out.append(f'      <measValue measObjLdn="MRBTS-{dev["name"][6:]}/NRBTS-1/NRCELL-{c + 1}">')
            a_parts = [int(att * s) for s in share]
            a_parts[0] += att - sum(a_parts)
            s_parts = [min(a, int(round(a * (succ / att)))) if att else 0 for a in a_parts]
            vals = a_parts + s_parts + [round(dl, 3), round(ul, 3), int(40 * diurnal(t0))]
            for i, val in enumerate(vals):
                out.append(f'        <r p="{i + 1}">{val}</r>')
            out.append('      </measValue>')
        out.append('    </measInfo>')
    else:
        out.append('    <measInfo measInfoId="NRCellCU">\n      <job jobId="Huawei_gNB_1"/>\n' + gp)
        out.append('      <measTypes>RRC.ConnEstabAtt RRC.ConnEstabSucc DRB.PdcpSduVolumeDL DRB.PdcpSduVolumeUL '
                   'RRC.ConnMean RRC.ConnMax</measTypes>')
        for c, (att, succ, dl, ul) in enumerate(cells):
            out.append(f'      <measValue measObjLdn="{dev["name"]}/NRCellCU:Cell ID={c}">')
            out.append(f'        <measResults>{att} {succ} {dl:.2f} {ul:.2f} {att // 30} {att // 10}</measResults>')
            out.append('        <suspect>false</suspect>')
            out.append('      </measValue>')
        out.append('    </measInfo>')
    out.append('  </measData>')
    out.append(f'  <fileFooter>\n    <measCollec endTime="{fmt_time(t1, off)}"/>\n  </fileFooter>')
    out.append('</measCollecFile>')
    return name, "\n".join(out) + "\n"


def write_pm(fl, out):
    os.makedirs(out, exist_ok=True)
    n = {"files": 0, "missing": 0, "late": 0, "silent": 0}
    for dev in fl.by("pm"):
        r = random.Random(fl.seed * 41 + h(dev["name"]) % 9973)
        t0 = fl.start
        while t0 + ROP <= fl.end:
            if fl.active(dev, "gnb-silence", t0):
                n["silent"] += 1
            elif (dev["name"], t0) in fl.missing:
                n["missing"] += 1
            else:
                name, text = pm_file(fl, dev, t0)
                path = os.path.join(out, name)
                with open(path, "w") as f:
                    f.write(text)
                deliver = t0 + ROP + r.randint(*dev["delay"]) * 1000
                if (dev["name"], t0) in fl.late:
                    deliver += 40 * MIN
                    n["late"] += 1
                os.utime(path, (deliver / 1000, deliver / 1000))
                n["files"] += 1
            t0 += ROP
    return n


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
