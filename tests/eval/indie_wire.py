"""indie_wire - the vendors' wire formats of tests/eval/indie_fleet.py's fleet, written from the
vendors' documents and the real captures in ../shared/samples (not from Vigil's simulator):
protobuf and pcap writers, IOS XR MDT TCP dial-out JSON, Junos JTI native UDP, 3GPP TS 32.435
PM XML per ROP (Ericsson, Nokia, Huawei forms), and the routers' counters behind them."""
import json
import math
import os
import random
import struct
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


