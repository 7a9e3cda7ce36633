"""Fleet findings' replay pointers: an agent streams three simulated days of the `catalog`
scenario (seed 7: a vendor common-mode reboot among the incidents) into a collector with the
default rules.  An X01 (vendor common-mode) finding is about a vendor, not a device: its
replay pointer must name its scope (vigil://VENDOR?scope=vendor&...), and fed as is to
  * `vigil replay --pointer` (with a warm-up) it replays that vendor's devices -- every record
    is about one of them or the vendor itself -- and gives the finding again (same uid);
  * `vigil export --pointer` exports the samples of that vendor's devices in the range, and
    nothing else;
  * `vigil timeline --pointer` shows each of that vendor's devices in turn (--svg needs one
    device and says so).
A pointer with an unknown scope is a usage error."""
import json
import re
from vgtest import run

START, END = "2026-11-01T00:00:00Z", "2026-11-04T00:00:00Z"


def lines(text):
    return [json.loads(l) for l in text.splitlines() if l]


def body(h):
    cfg, port, mport, store = h.detect_collector(agents=("sim1",))
    sim = ("  - type: sim\n    seed: 7\n    sites: 2\n    scenario: catalog\n"
           f"    start: {START}\n    end: {END}\n    interval: 300s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 1024\n"), "--exit-when-done")
    assert h.wait_exit("sim1", 600) == 0, "sim agent failed"
    h.wait_detected(mport, agents=("sim1",))

    # The stored records carry no pointer (it names the store they are read from): the
    # replay of the range renders them with one, as the collector publishes them.
    rep = lines(h.vigil("replay", "--store", store, "--config", cfg, "--from", START, "--to", END).stdout)
    fleet = [a for a in rep if a["activity_id"] == 1 and a["finding_info"]["analytic"]["uid"] == "X01"]
    assert fleet, "no X01 finding in the scenario: nothing to point at"
    a = fleet[0]
    vendor = a["device"]["uid"]
    p = a["unmapped"]["nte"]["replay"]
    assert p["scope"] == "vendor" and p["device"] == vendor, p
    ptr = p["pointer"]
    assert ptr.startswith(f"vigil://{vendor}?scope=vendor&store="), ptr
    # The vendor's devices, as the store knows them (the devices of every record of that vendor).
    devs = {x["device"]["uid"] for x in rep if x["device"].get("vendor_name") == vendor and x["device"]["uid"] != vendor}
    assert devs, f"no device record of vendor {vendor}"

    again = h.vigil("replay", "--pointer", ptr, "--config", cfg, "--warmup", "1d")
    recs = lines(again.stdout)
    assert a["finding_info"]["uid"] in {x["finding_info"]["uid"] for x in recs if x["activity_id"] == 1}, \
        (ptr, [x["finding_info"]["uid"] for x in recs][:10])
    others = {x["device"]["uid"] for x in recs if x["device"].get("vendor_name") not in (vendor, None, "")}
    assert not others, f"the vendor pointer replayed other vendors' devices: {others}"
    n_series = int(re.search(r"of (\d+) series", again.stderr).group(1))
    full = h.vigil("replay", "--store", store, "--config", cfg, "--from", str(p["from_ms"]), "--to", str(p["to_ms"] + 1))
    assert n_series < int(re.search(r"of (\d+) series", full.stderr).group(1)), (again.stderr, full.stderr)

    # The vendor of every device, from the whole store's series (export of the range, all).
    allrows = lines(h.vigil("export", "--store", store, "--from", str(p["from_ms"]), "--to", str(p["to_ms"] + 1),
                            "--format", "ndjson").stdout)
    vendor_of = {x["device"]["uid"]: x["device"].get("vendor_name") for x in rep if x["device"]["uid"] != vendor}
    ex = h.vigil("export", "--pointer", ptr, "--format", "ndjson")
    rows = lines(ex.stdout)
    got = {r["device"] for r in rows}
    assert rows and all(p["from_ms"] <= r["ts_ms"] <= p["to_ms"] for r in rows), (ptr, rows[:3])
    assert got <= set(vendor_of) and all(vendor_of[d] == vendor for d in got), \
        {d: vendor_of.get(d) for d in got}
    want = {r["device"] for r in allrows if vendor_of.get(r["device"]) == vendor}
    assert got == want, f"export of vendor {vendor}: {sorted(got)}, its devices with samples: {sorted(want)}"
    assert len(rows) < len(allrows), "the vendor export is the whole store"
    m = re.search(r"vendor \S+: (\d+) devices", ex.stderr)
    assert m and int(m.group(1)) >= len(got), ex.stderr

    tl = h.vigil("timeline", "--pointer", ptr)
    shown = set(re.findall(r"^device  (\S+)", tl.stdout, re.M))
    assert got <= shown and all(vendor_of.get(d) == vendor for d in shown), (sorted(got), sorted(shown))
    if len(shown) > 1:
        bad = h.vigil("timeline", "--pointer", ptr, "--svg", f"{h.dir}/x.svg", check=False)
        assert bad.returncode == 2 and "--device" in bad.stderr, (bad.returncode, bad.stderr)
    print(f"X01 {a['finding_info']['uid']}: pointer {ptr}\n  replay ({n_series} series), export "
          f"({len(rows)} rows of {len(got)} devices) and timeline select vendor {vendor}")

    for argv in (["replay", "--pointer", "vigil://x?scope=role&from=1&to=2"],
                 ["export", "--pointer", "vigil://x?scope=role&from=1&to=2"]):
        r = h.vigil(*argv, check=False)
        assert r.returncode == 2 and "scope" in r.stderr, (argv, r.returncode, r.stderr)


run("fleet_pointer", body)
