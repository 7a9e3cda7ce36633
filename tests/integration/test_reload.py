"""Rule reload under load (SIGHUP): two collectors get the same simulated three days (the
`catalog` scenario: incidents of every kind) at full speed from two agents with the same
identity and input.  The reference runs the default rules without c03-mirror-session
throughout; the other starts with the same rules and, while the data streams in, gets the
full default file and a SIGHUP, later a malformed file and another SIGHUP.  Three days take
about two seconds at full speed, faster than a reload is picked up (the server's tick), so
the live agent is held (SIGSTOP) once its simulation has passed the middle of the data and
let go (SIGCONT) when the reload is logged: the reload lands mid-stream on every machine.
  * the reload is applied mid-stream and logged (rule added, the others unchanged);
  * the rules that did not change produce exactly the reference's alert records (uid,
    activity, data time): none lost, none duplicated across the reload;
  * the added rule produces alerts, all from data after the reload;
  * the malformed file is refused with a clear error: the rules in force stay (metrics:
    rules, reloads ok/error), the collector keeps running and stops cleanly (exit 0)."""
import os
import re
import signal
from sim_twins import agent_config, alerts
from vgtest import free_port, run, wait_for

START_MS, MID_MS, END_MS = 1793491200000, 1793620800000, 1793750400000
ADDED = "c03-mirror-session"


def without_rule(text, rule_id):
    """The rules file text with one rule's block removed."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, l in enumerate(lines) if l.strip() == f"- id: {rule_id}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id:")), len(lines))
    return "".join(lines[:start] + lines[end:])


def position(spool):
    """How far the sim input has delivered into the spool (its progress record's next step,
    ms; 0 before the first)."""
    try:
        with open(f"{spool}/input-0.sim") as f:
            words = f.read().split()
        return int(words[words.index("next") + 1])
    except (OSError, ValueError, IndexError):
        return 0


def body(h):
    with open(os.path.join(h.a.source, "detectors", "rules.yaml")) as f:
        full = f.read()
    base = without_rule(full, ADDED)
    nfull = len(re.findall(r"^  - id: ", full, re.M))
    live_rules, ref_rules = h.write("live-rules.yaml", base), h.write("ref-rules.yaml", base)
    detect = "detect:\n  enabled: true\n  rules: {}\n  tick: 1s\n  save_every: 1s\n"
    cols = {}
    for key, rules in (("live", live_rules), ("ref", ref_rules)):
        cfg, port, mport = h.collector_config(name=key, agents=("sim1",), extra=detect.format(rules))
        h.collector(key, cfg)
        wait_for(lambda: h.metrics(mport), 30, f"{key} collector metrics")
        cols[key] = (port, mport, f"{h.dir}/{key}-store")
    for key in ("live", "ref"):
        h.agent(f"agent-{key}", agent_config(h, f"agent-{key}", cols[key][0]), "--exit-when-done")

    # Mid-stream: hold the live agent past the middle of the data, the full rules, a SIGHUP.
    lport, lm, lstore = cols["live"]
    agent = h.procs["agent-live"]
    wait_for(lambda: position(f"{h.dir}/agent-live-spool") >= MID_MS or agent.poll() is not None, 120,
             "the live agent's simulation past the middle of the data", interval=0.002)
    agent.send_signal(signal.SIGSTOP)
    try:
        assert agent.poll() is None, "the live agent finished before it could be held mid-stream"
        h.write("live-rules.yaml", full)
        h.procs["live"].send_signal(signal.SIGHUP)
        m = wait_for(lambda: re.search(r"rules reloaded from \S+ at data time \S+ \((\d+)\): (\d+) rules, (\d+) "
                                       r"unchanged \(state kept\), 1 added \[" + ADDED + r"\], 0 changed \[\] \(start "
                                       r"cold\), 0 removed", h.log("live")), 60, "the reload line")
    finally:
        agent.send_signal(signal.SIGCONT)
    reload_ms = int(m.group(1))
    assert int(m.group(2)) == nfull and int(m.group(3)) == nfull - 1, m.group(0)
    assert START_MS + 6 * 3600000 < reload_ms < END_MS - 6 * 3600000, f"the reload is not mid-stream ({reload_ms})"

    for key in ("live", "ref"):
        assert h.wait_exit(f"agent-{key}", 600) == 0, f"agent {key} failed"
        h.wait_detected(cols[key][1])

    # A malformed file is refused; the rules in force stay.
    h.write("live-rules.yaml", full + "\n  - id: broken\n    detector: [\n")
    h.procs["live"].send_signal(signal.SIGHUP)
    wait_for(lambda: "rules reload refused, the %d rules in force stay: " % nfull in h.log("live"), 60,
             "the refusal line")
    assert re.search(r"ERROR detect: rules reload refused, .*live-rules\.yaml:\d+", h.log("live")), h.log("live")[-1500:]
    mm = wait_for(lambda: (lambda x: x if x and x.get('vigil_detect_rule_reloads_total{result="error"}') == 1 else None)(
        h.metrics(lm)), 30, "the refused reload counted")
    assert mm["vigil_detect_rules"] == nfull and mm['vigil_detect_rule_reloads_total{result="ok"}'] == 1, mm

    for key in ("live", "ref"):
        assert h.kill(key, signal.SIGTERM) == 0, h.log(key)[-2000:]

    live, ref = alerts(h, lstore), alerts(h, cols["ref"][2])
    assert len(live) == len(set(live)), "duplicated alert records"
    kept = sorted(a for a in live if a[0] != ADDED)
    ref = sorted(ref)
    assert ref, "the reference produced no alerts"
    missing, extra = sorted(set(ref) - set(kept)), sorted(set(kept) - set(ref))
    assert not missing and not extra, f"unchanged rules differ: missing {missing[:5]} extra {extra[:5]}"
    added = [a for a in live if a[0] == ADDED]
    assert added, f"{ADDED} produced nothing after the reload"
    assert min(a[3] for a in added) >= reload_ms - 3600000, (reload_ms, sorted(added)[:3])
    print(f"reload at data time {reload_ms}: {len(kept)} alert records of unchanged rules equal the reference's; "
          f"{len(added)} of the added rule")


run("reload", body)
