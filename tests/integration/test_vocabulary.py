"""One vocabulary from decoder to rule: which decoders and which simulated vendors produce
every path or event a rule of detectors/rules.yaml selects.

Inputs:
  * every real capture in ../shared/samples, decoded with `vigil decode` exactly as the
    agent's inputs decode it (a sample file that is neither decoded nor listed in
    NOT_CAPTURES fails the test, so a new capture is never silently ignored);
  * the simulator: `vigil sim --scenario catalog` over three days of a two-site fleet
    (every incident type once, so the event-only inputs appear too).

Fails when
  * a rule's input is produced by no decoder and no simulated vendor, unless the rule is in
    the commented ALLOWED_GAPS list (a new gap fails);
  * two vendors' equivalent leaves are stored under different names (EQUIVALENT: the
    canonical name and the vendor spellings that must land on it);
  * the "Vocabulary" section of docs/VENDORS.md is not the table this run prints
    (regenerate: python3 tests/integration/test_vocabulary.py --bin build/bin --write-docs).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

from vgtest import run

# ---- what is decoded, and how (the same formats and port maps as the agent's inputs) ------

PORT_MAPS = {"huawei": "10003=udp-notif", "cisco": "10005=mdt-tcp", "juniper": "40000=jti"}

# Files in the samples tree that are not wire captures (expected outputs, notes), or wire
# formats no Vigil input accepts.  Anything else must decode.
NOT_CAPTURES = [
    r"\.md$", r"\.expected\.(out|json)$", r"-expected-output\.json$", r"-decoded-sample\.json$",
    r"\.testmeta$", r"\.responses\.json$",   # Telegraf's JSON dumps: the binary form is in derived-binary/
    # Juniper's legacy OpenConfigData gRPC (telemetry.proto): no Vigil input speaks it.
    r"juniper/jtimon-junos-openconfigdata-interfaces\.testbytes$",
]


def decode_args(rel, samples):
    """vigil decode arguments for one sample file, or None when it is not a capture."""
    if any(re.search(p, rel) for p in NOT_CAPTURES):
        return None
    d = rel.split("/")[0]
    path = os.path.join(samples, rel)
    if rel.endswith(".pcap"):
        return ["--format", "pcap", "--port-map", PORT_MAPS[d], path]
    if rel.endswith(".raw") and d == "juniper":
        return ["--format", "jti", path]
    if rel.endswith(".testbytes") and d == "cisco":
        return ["--format", "mdt-kvgpb", "--lengths", path[:-len(".testbytes")] + ".testmeta", path]
    if rel.endswith(".b64") and d == "huawei":
        return ["--format", "huawei-gpb", path]
    if rel.endswith(".pbdelim"):
        return ["--format", "gnmi", path]
    if rel.endswith(".xml") and d == "3gpp":
        return ["--format", "3gpp-xml", path]
    if rel.endswith(".json") and d == "ves":
        return ["--format", "ves", path]
    raise AssertionError(f"sample {rel}: no decoder for it and not listed in NOT_CAPTURES")


VENDOR_HINTS = ("nokia", "juniper", "cisco", "huawei", "ericsson", "arista")


def vendor_of(rec, rel):
    v = rec.get("vendor")
    if v:
        return v
    low = rel.lower()
    for h in VENDOR_HINTS:
        if h in low:
            return h.capitalize() + "?"   # named by the capture, not by the payload
    return "(no vendor)"


# ---- rules ---------------------------------------------------------------------------------

# Event-driven detector kinds: the event types they consume (the kinds' event masks in
# detectors/det_*.c).  A rule of such a kind is fed when its events are produced.
EVENT_INPUTS = {
    "callhome": ["flow_summary"], "exfil_volume": ["flow_summary"],
    "mirror": ["mirror_session", "config_change"], "login": ["login"],
    "crypto_off": ["crypto_state"], "config_change": ["config_change"],
    "image_change": ["image_change"], "reboot": ["reboot"], "ntp_change": ["ntp_change"],
}

# Kinds that need every one of their paths (a ratio of two counters); the others take any
# one of their paths or events (crypto_off: the SA count or crypto_state events).
ALL_SLOTS = {"ran_kpi"}

# Rules whose input legitimately comes from neither a decoder nor the simulator's samples,
# or known gaps owned elsewhere.  Each entry says why; a rule not listed here that has no
# producer fails the test.
ALLOWED_GAPS = {
    # Fleet rule: its input is other rules' findings (reboot, silence, ...), not telemetry.
    "x01-common-mode": "fed by findings of other rules",
    # GAP (reported, issue 9): kpi/* ratios are derived only inside `vigil eval`
    # (cli/cmd_eval.c); no decoder, simulator or collector stage stores them, so on the
    # real path this rule never sees data.  Fix: derive the ratios in the collector from
    # RRC.ConnEstab*/MM.HoExeInter*/RM.RegInit*/SM.PduSessionCreation*, or match those.
    "x02-vendor-divergence": "kpi/* derived only by vigil eval",
    # GAP (reported, issue 9): percentage memory leaves "*/memory/utilization*" exist in
    # no decoder output and not in the simulator (OpenConfig has bytes only:
    # /system/memory/state/{physical,used}); a05-memory-leak covers used bytes.
    "a05-memory-exhaustion": "no percentage memory leaf in any source",
}


def parse_rules(path):
    """[(id, detector, [path globs])] from rules.yaml (the subset of YAML it uses)."""
    rules, cur, in_rules = [], None, False
    for line in open(path):
        if line.startswith("rules:"):
            in_rules = True
            continue
        if not in_rules:
            continue
        m = re.match(r"^  - id:\s*(\S+)", line)
        if m:
            cur = {"id": m.group(1), "detector": "", "paths": []}
            rules.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^    detector:\s*(\S+)", line)
        if m:
            cur["detector"] = m.group(1)
        m = re.search(r"\bpath:\s*\[(.*)\]", line)
        if m:
            cur["paths"] = [p.strip().strip('"').strip("'") for p in m.group(1).split(",") if p.strip()]
    assert len(rules) >= 10, f"parsed only {len(rules)} rules from {path}"
    return rules


def glob_re(pat):
    """detectors' vg_glob: '*' any run (also '/'), '?' one character, nothing else special."""
    return re.compile("^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pat) + "$")


# ---- one name per concept ----------------------------------------------------------------------

# Canonical stored name -> vendor spellings (matched on origin_path) that must land there.
IF_PHYS = r"^(?!.*(subinterface|[Ll]ogical|ipv4|ipv6|queue|fc_stats|ethernet))"
EQUIVALENT = {
    "/system/state/up-time": [r"(^|[/:])(sys-)?up-?time$"],
    "/system/state/boot-time": [r"(^|[/:])boot-?time$"],
    "/interfaces/interface/state/oper-status": [IF_PHYS + r".*interface.*(oper-status|operational_status)$"],
    "/interfaces/interface/subinterfaces/subinterface/state/oper-status": [
        r"(subinterface|[Ll]ogical).*(oper-status|operational_status)$"],
    "/interfaces/interface/state/admin-status": [IF_PHYS + r".*interface.*(admin-status|administration_status)$"],
    "/interfaces/interface/state/counters/in-octets": [
        IF_PHYS + r".*interface.*(counters/in-octets|ingress_stats/if_octets|bytes-received|receive-byte)$"],
    "/interfaces/interface/state/counters/out-octets": [
        IF_PHYS + r".*interface.*(counters/out-octets|egress_stats/if_octets|bytes-sent|send-byte)$"],
    "/interfaces/interface/state/counters/in-errors": [
        IF_PHYS + r".*interface.*(counters/in-errors|ingress_errors/if_in_errors|input-errors|receive-error-packet)$"],
    "/interfaces/interface/state/counters/out-errors": [
        IF_PHYS + r".*interface.*(counters/out-errors|egress_errors/if_errors|output-errors|send-error-packet)$"],
    "/interfaces/interface/state/counters/in-discards": [
        IF_PHYS + r".*interface.*(counters/in-discards|ingress_errors/if_in_discards|input-drops|receive-drop-packet)$"],
    "/interfaces/interface/state/counters/out-discards": [
        IF_PHYS + r".*interface.*(counters/out-discards|egress_errors/if_discards|output-drops|send-drop-packet)$"],
    "/interfaces/interface/state/counters/in-fcs-errors": [
        IF_PHYS + r".*interface.*(counters/in-fcs-errors|if_in_frame_errors)$"],
    "/interfaces/interface/state/counters/carrier-transitions": [
        IF_PHYS + r".*interface.*(carrier-transitions|if_transitions)$"],
    "/components/component/cpu/utilization/state/avg": [r"total-cpu-one-minute$", r"cpu/utilization/state/avg$"],
    "/components/component/cpu/utilization/state/instant": [r"(^|/)system-cpu-usage$", r"cpu/utilization/state/instant$"],
    "RRC.ConnEstabAtt": [r"^(pmRrcConnEstabAtt|RRC\.ConnEstabAtt(\.[Ss][Uu][Mm])?)$"],
    "RRC.ConnEstabSucc": [r"^(pmRrcConnEstabSucc|RRC\.ConnEstabSucc(\.[Ss][Uu][Mm])?)$"],
    "MM.HoExeInterReq": [r"^(pmHoExeAttOutInterGnb|MM\.HoExeInterReq(\.[Ss][Uu][Mm])?)$"],
    "MM.HoExeInterSucc": [r"^(pmHoExeSuccOutInterGnb|MM\.HoExeInterSucc(\.[Ss][Uu][Mm])?)$"],
    # Ericsson's kbit volumes, converted to the standard's Mbit (A03's cell input).
    "DRB.PdcpSduVolumeDL": [r"^(pmPdcpVolDlDrb|DRB\.PdcpSduVolumeDL)$"],
    "DRB.PdcpSduVolumeUL": [r"^(pmPdcpVolUlDrb|DRB\.PdcpSduVolumeUL)$"],
}
# VES 7 measurement fields (NFs): NIC counters, the VM's CPU and memory.
for _d, _io in (("received", "in"), ("transmitted", "out")):
    for _v, _oc in (("Octets", "octets"), ("TotalPackets", "pkts"), ("ErrorPackets", "errors"),
                    ("DiscardedPackets", "discards")):
        EQUIVALENT.setdefault(f"/interfaces/interface/state/counters/{_io}-{_oc}", []).append(
            f"nicPerformanceArray/{_d}{_v}Accumulated$")
EQUIVALENT["/components/component/cpu/utilization/state/instant"].append(r"cpuUsageArray/percentUsage$")
EQUIVALENT["/system/memory/state/used"] = [r"memoryUsageArray/memoryUsed$", r"^/system/memory/state/used$"]
# Juniper JTI memory partitions: bytes in use is component memory utilised (the leak rule's
# input); stored under its vendor name it reached no rule.
EQUIVALENT["/components/component/state/memory/utilized"] = [r"cpu_memory_util_ext:/utilization/bytes_allocated$",
                                                             r"^/components/component/state/memory/utilized$"]
EQUIVALENT["/system/memory/state/physical"] = [r"memoryUsageArray/memoryConfigured$", r"^/system/memory/state/physical$"]
EQUIV_RE = [(canon, re.compile(p)) for canon, ps in EQUIVALENT.items() for p in ps]


# ---- collection --------------------------------------------------------------------------------

class Seen:
    def __init__(self):
        self.paths = collections.defaultdict(set)    # stored path -> {"Vendor input"}
        self.sim = collections.defaultdict(set)      # stored path -> {vendor}
        self.events = collections.defaultdict(set)   # event type -> {"Vendor input" | "sim Vendor"}
        self.units = collections.defaultdict(set)    # stored path -> {unit}
        self.bad = {}                                # equivalence violation -> first capture

    def check_equiv(self, rec, who):
        origin = rec.get("origin_path") or rec["path"]
        for canon, rx in EQUIV_RE:
            if rx.search(origin) and rec["path"] != canon:
                self.bad.setdefault(f"{origin} stored as {rec['path']}, not {canon}", who)
                return


def collect_samples(h, samples, seen):
    files = []
    for root, _, names in os.walk(samples):
        for n in names:
            files.append(os.path.relpath(os.path.join(root, n), samples))
    decoded = 0
    for rel in sorted(files):
        argv = decode_args(rel, samples)
        if argv is None:
            continue
        out = h.vigil("decode", *argv)
        n = 0
        for line in out.stdout.splitlines():
            r = json.loads(line)
            who = f"{vendor_of(r, rel)} {r.get('input', '?')}"
            if "type" in r:
                seen.events[r["type"]].add(who)
                continue
            seen.paths[r["path"]].add(who)
            if r.get("unit"):
                seen.units[r["path"]].add(r["unit"])
            seen.check_equiv(r, f"{rel} ({who})")
            n += 1
        assert n > 0 or "ves" in rel, f"{rel}: vigil decode produced no sample"
        decoded += 1
    assert decoded >= 15, f"only {decoded} captures decoded: is --samples right?"
    return decoded


def collect_sim(h, seen):
    argv = [os.path.join(h.bin, "vigil"), "sim", "--sites", "2", "--scenario", "catalog", "--incidents", "1",
            "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-04T00:00:00Z"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    n = 0
    key = '"path":"'
    for line in p.stdout:
        n += 1
        if '"type":"' in line:
            r = json.loads(line)
            seen.events[r["type"]].add(f"sim {r.get('vendor') or '?'}")
            continue
        # Samples are millions of lines: read path and vendor without a full JSON parse.
        i = line.index(key) + len(key)
        path = line[i:line.index('"', i)]
        j = line.find('"vendor":"')
        vendor = line[j + 10:line.index('"', j + 10)] if j >= 0 else "?"
        seen.sim[path].add(vendor)
        j = line.find('"unit":"')
        if j >= 0:
            seen.units[path].add(line[j + 8:line.index('"', j + 8)])
    assert p.wait(timeout=600) == 0, "vigil sim failed"
    assert n > 100000, f"vigil sim printed only {n} lines"
    return n


# ---- the table --------------------------------------------------------------------------------

def fmt_set(s):
    return ", ".join(sorted(s)) if s else "-"


def build_table(rules, seen):
    """(markdown lines, failures)."""
    lines = ["| rule | detector | selects | stored path | real captures (vendor decoder) | simulator (vendors) |",
             "|---|---|---|---|---|---|"]
    failures = []
    all_paths = set(seen.paths) | set(seen.sim)
    for r in rules:
        rid, det = r["id"], r["detector"]
        fed_slots = []
        for pat in r["paths"]:
            if pat == "*":
                lines.append(f"| {rid} | {det} | `*` | every series | all | all |")
                fed_slots.append(True)
                continue
            rx = glob_re(pat)
            hits = sorted(p for p in all_paths if rx.match(p))
            if not hits:
                lines.append(f"| {rid} | {det} | `{pat}` | **none** | - | - |")
            for p in hits:
                lines.append(f"| {rid} | {det} | `{pat}` | `{p}` | {fmt_set(seen.paths.get(p))} | "
                             f"{fmt_set(seen.sim.get(p))} |")
            fed_slots.append(bool(hits))
        for ev in EVENT_INPUTS.get(det, []):
            prod = seen.events.get(ev, set())
            lines.append(f"| {rid} | {det} | event `{ev}` | - | "
                         f"{fmt_set({w for w in prod if not w.startswith('sim ')})} | "
                         f"{fmt_set({w[4:] for w in prod if w.startswith('sim ')})} |")
            fed_slots.append(bool(prod))
        if not r["paths"] and det not in EVENT_INPUTS:
            lines.append(f"| {rid} | {det} | (findings of other rules) | - | - | - |")
        if det in ALL_SLOTS and r["paths"]:
            fed = all(fed_slots[:len(r["paths"])])
        else:
            fed = any(fed_slots)
        if not fed and rid not in ALLOWED_GAPS:
            failures.append(f"rule {rid} ({det}): no decoder and no simulated vendor produces its input "
                            f"{r['paths'] or EVENT_INPUTS.get(det)}")
        if fed and rid in ALLOWED_GAPS and r["paths"]:
            failures.append(f"rule {rid} is fed now: remove it from ALLOWED_GAPS")
    return lines, failures


BEGIN, END = "<!-- vocabulary:begin (generated by tests/integration/test_vocabulary.py) -->", "<!-- vocabulary:end -->"


def docs_section(table, ncaps, nsim):
    gaps = "\n".join(f"* `{k}`: {v}" for k, v in sorted(ALLOWED_GAPS.items()))
    return (f"{BEGIN}\n"
            "For every rule of `detectors/rules.yaml`: each path glob (or event type) it selects, the\n"
            "stored paths that match it, which vendor + decoder produces each from the real captures in\n"
            f"`../shared/samples` ({ncaps} captures through `vigil decode`), and which simulated vendors\n"
            "produce it (`vigil sim --scenario catalog`, two sites, three days).  A vendor with `?` was\n"
            "named by the capture file, not by the payload; \"(no vendor)\": the payload names none.\n"
            "Rules allowed to have no producer:\n\n"
            f"{gaps}\n\n" + "\n".join(table) + f"\n{END}")


def body(h):
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-docs", action="store_true")
    a, _ = ap.parse_known_args()
    source = h.a.source or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    samples = h.a.samples or os.path.join(source, "..", "shared", "samples")
    rules = parse_rules(os.path.join(source, "detectors", "rules.yaml"))
    seen = Seen()
    ncaps = collect_samples(h, samples, seen)
    nsim = collect_sim(h, seen)
    table, failures = build_table(rules, seen)
    print("\n".join(table))
    print(f"\n{len(rules)} rules, {ncaps} captures, {len(seen.paths)} decoded paths, "
          f"{nsim} simulator lines, {len(seen.sim)} simulated paths")
    # One unit per stored name, whichever vendor and decoder wrote it.
    for p, us in sorted(seen.units.items()):
        if len(us) > 1:
            failures.append(f"{p} stored with several units: {sorted(us)}")
    failures += [f"{k} ({w})" for k, w in sorted(seen.bad.items())]

    docs = os.path.join(source, "docs", "VENDORS.md")
    text = open(docs).read()
    section = docs_section(table, ncaps, nsim)
    if BEGIN in text and END in text:
        cur = text[text.index(BEGIN):text.index(END) + len(END)]
    else:
        cur = None
    if a.write_docs:
        if cur is None:
            text = text.rstrip("\n") + "\n\n## Vocabulary: rule -> path -> producers\n\n" + section + "\n"
        else:
            text = text.replace(cur, section)
        open(docs, "w").write(text)
        print(f"wrote the Vocabulary section of {docs}")
    elif cur != section:
        failures.append("docs/VENDORS.md's Vocabulary section is stale: run "
                        "python3 tests/integration/test_vocabulary.py --bin build/bin --write-docs")
    assert not failures, "\n  " + "\n  ".join(failures)


if __name__ == "__main__":
    run("vocabulary", body)
