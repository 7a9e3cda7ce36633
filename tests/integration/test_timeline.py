"""Investigation views on a store made by the real path: an agent streams three simulated days
of the `catalog` scenario (incidents of every type) at full speed into a collector that runs
the default rules.  Then:
  * `vigil alerts --episode UID` (json) gives the episode's life: pending at its first-seen
    time, firing at its Create, every Update, resolved at its Close; each step holds exactly
    the record `vigil alerts --format json` lists, with the wall time the collector stored it;
    the text form names each step; a malformed uid is a usage error, an unknown one a failure;
  * `vigil timeline` for that episode's device over its day lists the alert and what changed,
    and its SVG is well-formed XML with one series path per panel (the alerted series among
    them), one alert-window per episode of the device in the range and one event mark per
    stored event; --path picks the panels by name; the text's columns line up with series
    names over 150 characters long.
The timeline's run time for one device-day is printed (target: under 1 s)."""
import json
import os
import time
import xml.etree.ElementTree as ET
from vgtest import run, wait_for

NS = "{http://www.w3.org/2000/svg}"
DAY = 86400000


def alerts(h, store):
    r = h.vigil("alerts", "--store", store, "--format", "json")
    return [json.loads(l) for l in r.stdout.splitlines() if l]


def classes(el):
    return (el.get("class") or "").split()


def count(root, tag, cls):
    return sum(1 for e in root.iter(NS + tag) if cls in classes(e))


def body(h):
    rules = os.path.join(h.a.source, "detectors", "rules.yaml")
    detect = f"detect:\n  enabled: true\n  rules: {rules}\n  tick: 1s\n  save_every: 2s\n"
    cfg, port, mport = h.collector_config(agents=("sim1",), extra=detect)
    store = f"{h.dir}/collector-store"
    t_start = int(time.time() * 1000)
    h.collector("collector", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector metrics endpoint")
    sim = ("  - type: sim\n    seed: 3\n    sites: 2\n    scenario: catalog\n"
           "    start: 2026-11-01T00:00:00Z\n    end: 2026-11-04T00:00:00Z\n    interval: 300s\n    speed: max\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 8192\n"), "--exit-when-done")
    assert h.wait_exit("sim1", 600) == 0, "sim agent failed"
    h.wait_detected(mport, 300, agents=("sim1",))
    t_end = int(time.time() * 1000)

    # ---- one episode about a series, from pending to resolved ----
    recs = alerts(h, store)
    by_uid = {}
    for a in recs:
        by_uid.setdefault(a["finding_info"]["uid"], []).append(a)
    chosen = [u for u, rs in by_uid.items()
              if rs[0]["activity_id"] == 1 and rs[-1]["activity_id"] == 3 and len(rs) >= 3
              and rs[0]["unmapped"]["nte"]["series_id"] != "0" * 16]
    assert chosen, f"no closed series episode with updates among {len(by_uid)} episodes"
    uid = chosen[0]
    want = by_uid[uid]
    ep = json.loads(h.vigil("alerts", "--store", store, "--episode", uid, "--format", "json").stdout)
    states = [s["state"] for s in ep["steps"]]
    assert states[0] == "pending" and states[1] in ("firing", "suppressed") and states[-1] == "resolved", states
    assert all(s == "updated" for s in states[2:-1]), states
    assert ep["pending_time"] == want[0]["finding_info"]["first_seen_time"] == ep["steps"][0]["time"], ep
    assert ep["firing_time"] == want[0]["time"] and ep["resolved_time"] == want[-1]["time"], ep
    assert ep["updates"] == len(want) - 2, ep
    assert [s["record"] for s in ep["steps"][1:]] == want, "episode steps differ from the stored records"
    walls = [s["wall_time"] for s in ep["steps"][1:]]
    assert ep["steps"][0]["wall_time"] is None
    assert all(t_start <= w <= t_end for w in walls) and walls == sorted(walls), (t_start, walls, t_end)
    times = [s["time"] for s in ep["steps"]]
    assert times == sorted(times), times
    text = h.vigil("alerts", "--store", store, "--episode", uid).stdout
    for word in ("pending", "firing" if states[1] == "firing" else "suppressed", "updated", "resolved", uid):
        assert word in text, f"{word!r} missing from:\n{text}"
    r = h.vigil("alerts", "--store", store, "--episode", "no-start-ms", check=False)
    assert r.returncode == 2 and "not an episode uid" in r.stderr, r.stderr
    r = h.vigil("alerts", "--store", store, "--episode", uid + "1", check=False)
    assert r.returncode == 1 and "no episode" in r.stderr, r.stderr

    # ---- the device's day around it ----
    dev = want[0]["device"]["uid"]
    entity = want[0]["anomaly_analyses"][0]["anomalies"][0]["observation_parameter"]
    day0 = want[0]["time"] // DAY * DAY
    day1 = day0 + DAY
    svg = os.path.join(h.dir, "t.svg")
    t0 = time.monotonic()
    r = h.vigil("timeline", "--store", store, "--device", dev, "--from", str(day0), "--to", str(day1), "--svg", svg)
    took = time.monotonic() - t0
    print(f"timeline of {dev}, one day: {took * 1000:.0f} ms (text and SVG)", flush=True)
    assert took < 10, took
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"device  {dev}"), lines[:2]
    rule = want[0]["finding_info"]["analytic"]["name"]
    assert any(" alert " in l and rule in l and uid in l for l in lines), f"alert of {uid} not listed"
    assert any(l.split()[1:2] in (["level"], ["state"], ["gap"], ["reset"]) for l in lines if l[:2] == "20"), \
        "no series change listed"
    root = ET.parse(svg).getroot()
    assert root.tag == NS + "svg"
    panels = [g for g in root.iter(NS + "g") if "panel" in classes(g)]
    assert 1 <= len(panels) <= 6, len(panels)
    for g in panels:
        assert sum(1 for p in g.iter(NS + "path") if "series" in classes(p)) == 1, g.get("data-name")
    names = [g.get("data-name") for g in panels]
    assert entity in names or any(entity in n for n in names), (entity, names)
    titles = [t.text for g in panels for t in g.iter(NS + "text") if "ptitle" in classes(t)]
    assert titles == names, (titles, names)
    eps = {u for u, rs in by_uid.items() if rs[0]["device"]["uid"] == dev
           and rs[0]["finding_info"]["first_seen_time"] < day1
           and (rs[-1]["activity_id"] != 3 or rs[-1]["time"] >= day0)}
    assert count(root, "rect", "alert-window") == len(eps), (count(root, "rect", "alert-window"), eps)
    events = h.query_json(store, "--events", "--device", dev, "--from", str(day0), "--to", str(day1))
    marks = count(root, "line", "event-mark") - 6  # the legend has one per event colour
    assert marks == len(events), (marks, len(events))
    assert 1 <= count(root, "line", "event") <= marks, count(root, "line", "event")

    # --path picks the panels, in the device's series order.
    path = entity.split("{")[0]
    r = h.vigil("timeline", "--store", store, "--device", dev, "--from", str(day0), "--to", str(day1), "--svg", svg,
                "--path", path, "--path", "/no/such/path")
    root = ET.parse(svg).getroot()
    panels = [g.get("data-name") for g in root.iter(NS + "g") if "panel" in classes(g)]
    assert panels and all(p.split("{")[0] == path for p in panels), panels
    assert count(root, "path", "series") == len(panels)

    # Columns line up whatever the length of the series names (a core router's BGP series
    # names are over 150 characters; the columns were 52 and 64 wide and were pushed out).
    lines = h.vigil("timeline", "--store", store, "--device", "core/pe1", "--from", str(day0),
                    "--to", str(day1)).stdout.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("TIME "))
    detail = lines[at].index("DETAIL")
    for l in lines[at + 1:lines.index("", at)]:
        assert l[detail - 2:detail] == "  " and l[detail:detail + 1] != " ", (detail, l)
    at = next(i for i, l in enumerate(lines) if l.startswith("SERIES ("))
    end = lines[at].index("SAMPLES") + len("SAMPLES")
    rows = lines[at + 1:]
    assert max(len(l.split()[0]) for l in rows) > 64, "no long series name to check"
    for l in rows:
        assert l[end - 1].isdigit() and l[end:end + 2] == "  " and l[:end].split()[-1].isdigit(), (end, l)
    print(f"core/pe1: columns aligned ({len(rows)} series, longest name "
          f"{max(len(l.split()[0]) for l in rows)} characters)", flush=True)

    # Nothing stored for a device: said, not an error; a reversed range is a usage error.
    r = h.vigil("timeline", "--store", store, "--device", "no/such", "--from", str(day0), "--to", str(day1))
    assert "nothing stored" in r.stderr, r.stderr
    r = h.vigil("timeline", "--store", store, "--device", dev, "--from", str(day1), "--to", str(day0), check=False)
    assert r.returncode == 2, r.returncode


run("timeline", body)
