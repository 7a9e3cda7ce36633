"""fault_count.py - counting for the fault-injection suite (faults.py): what was sent (the
simulator's or a decoder's NDJSON) against what the store holds (`vigil export`, `vigil query
--events`), as multisets of sample and event identities."""
import json
import os


def sample_key(o):
    """A sample's identity and value: a number, or a state series' text (`vigil sim` prints
    it as "state", `vigil export` as "value")."""
    v = o["value"] if "value" in o else o["state"]
    return (o["device"], o["path"], tuple(sorted(o["labels"].items())), o["ts_ms"], v if isinstance(v, str) else repr(v))


def event_key(o):
    """What identifies an event in `vigil sim` and `vigil query --events` output alike (the
    query prints fewer flow fields than the simulator)."""
    flow = o.get("flow")
    if flow:
        flow = tuple(flow.get(k) for k in ("src", "dst", "dst_port", "protocol", "bytes", "packets"))
    return (o["device"], o["type"], o["ts_ms"], json.dumps(o.get("attrs") or {}, sort_keys=True), flow)


def keyed(path):
    """(kind, key) for every line of an NDJSON file: kind "sample", "event" or "gap"."""
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            if "type" not in o:
                yield "sample", sample_key(o)
            elif "gap" in o:
                yield "gap", o
            else:
                yield "event", event_key(o)


def multiset_diff(sent, stored):
    """Sorted hash lists -> (lost, duplicated, unexpected) counts and the hashes involved."""
    sent.sort()
    stored.sort()
    i = j = 0
    lost = dup = other = 0
    odd = set()
    while i < len(sent) or j < len(stored):
        h = min(sent[i] if i < len(sent) else stored[j], stored[j] if j < len(stored) else sent[i])
        e = g = 0
        while i < len(sent) and sent[i] == h:
            e, i = e + 1, i + 1
        while j < len(stored) and stored[j] == h:
            g, j = g + 1, j + 1
        if g < e:
            lost += e - g
        elif g > e and e:
            dup += g - e
        elif g > e:
            other += g
        if g != e and len(odd) < 5:
            odd.add(h)
    return lost, dup, other, odd


def count(sent_path, stored_paths):
    """Compare the simulator's output with the store's: a dict of counts, and up to a few
    examples of what differs."""
    sent = {"sample": [], "event": []}
    for kind, key in keyed(sent_path):
        sent[kind].append(hash(key))
    got = {"sample": [], "event": [], "gap": []}
    for path in stored_paths:
        for kind, key in keyed(path):
            got[kind].append(key if kind == "gap" else hash(key))
    r = {"gaps": len(got["gap"]), "gap_samples": sum(g["gap"]["samples"] for g in got["gap"])}
    examples = []
    for kind in ("sample", "event"):
        r[f"sent_{kind}s"] = len(sent[kind])
        r[f"stored_{kind}s"] = len(got[kind])
        lost, dup, other, odd = multiset_diff(sent[kind], got[kind])
        r[f"lost_{kind}s"], r[f"dup_{kind}s"], r[f"other_{kind}s"] = lost, dup, other
        for path in (sent_path, *stored_paths):
            for k, key in keyed(path):
                if k == kind and hash(key) in odd:
                    examples.append(f"{os.path.basename(path)}: {key}")
    r["examples"] = examples[:10]
    return r
