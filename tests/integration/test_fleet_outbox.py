"""Site -> fleet topic exactly once across a site collector crash (docs/SCALING.md, "Exactly
once"): the site collector's fleet publisher writes every message to an outbox in its store
(VG_CF_FLEETBOX), produces it after the commit and deletes it on the broker's
acknowledgement; after a restart it reads the topic back and removes what is already there
instead of sending it again.

A simulated fleet (vigil-agent sim input: 30 minutes of the past at once, then 25 s live)
goes through a site collector with fleet.publish.topic on a real broker; the collector is
SIGKILLed while it publishes (some messages acknowledged but their outbox deletion not
committed, others not produced yet),
restarted on the same store, and stopped with SIGTERM once the agent's every batch is
acknowledged and analysed.  On the fleet topic (read with kcat):
  * every message carries the `vigil-outbox` header "site:<id>", and no id is there twice;
  * the ids of each run are one gap-free range (the outbox allocates them in commit order,
    so a committed message missing from the topic would leave a hole);
  * the second run's stop line reports 0 messages left in the outbox."""
import collections
import re
import signal
import time
from vgfleet import id_runs, kafka_body, outbox_ids, site_config, start_site
from vgtest import run, wait_for

TOPIC = "vigil.fleet.outbox.test"


def scenario(h, kafka):
    cfg, port, mport = site_config(h, kafka, TOPIC, ("sim1",))
    start_site(h, "site", cfg)

    # 30 minutes of the past at once (a burst of 1,800 one-step batches), then 25 s live.
    now = int(time.time())
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    sim = (f"  - type: sim\n    seed: 11\n    sites: 4\n    start: {iso(now - 1800)}\n    end: {iso(now + 25)}\n"
           f"    interval: 1s\n    speed: realtime\n")
    h.agent("sim1", h.agent_config("sim1", [port], sim, extra="batch:\n  max_samples: 1024\n"), "--exit-when-done")

    # Kill the site collector while it publishes the burst (or, on a fast machine, the live
    # part): once it analysed 20 batches; the agent is still running then.
    def publishing():
        assert h.procs["sim1"].poll() is None, f"the agent exited:\n{h.log('sim1')[-2000:]}"
        m = h.metrics(mport)
        return m and m.get('vigil_detect_batches_total{result="ok"}', 0) >= 20
    wait_for(publishing, 120, "the site collector publishing to the fleet topic", interval=0.02)
    # Kill at once, and read the topic after: reading it first (kcat, many seconds on a
    # loaded machine) let the collector publish the whole run before the kill.
    h.kill("site", signal.SIGKILL)
    before, _ = outbox_ids(kafka, TOPIC)
    print(f"site collector killed with {len(before)} messages on the topic", flush=True)

    h.collector("site2", cfg)
    assert h.wait_exit("sim1", 300) == 0, "sim agent failed"
    h.wait_detected(mport)
    assert h.kill("site2", signal.SIGTERM) == 0, "site collector did not stop cleanly"
    log = h.log("site2")
    left = re.findall(r"(\d+) message\(s\) \(\d+ bytes\) left in the outbox", log)
    back = re.findall(r"(\d+) outbox message\(s\) were delivered before the restart", log)
    stop = re.search(r"published (\d+) messages .*?(\d+) left in the outbox", log)
    assert stop, f"no stop line of the fleet publisher:\n{log[-2000:]}"
    assert stop.group(2) == "0", f"messages left in the outbox at stop: {stop.group(0)}"

    ids, nmsg = outbox_ids(kafka, TOPIC)
    assert nmsg == len(ids), f"{nmsg - len(ids)} messages on {TOPIC} without a vigil-outbox header of site"
    dup = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dup, f"{len(dup)} messages on the topic twice, e.g. ids {dup[:5]}"
    r = id_runs(ids)
    # Run 1's range, and run 2's (ids restart from the clock, far above run 1's).
    assert len(r) <= 2, f"ids are not two gap-free ranges (a committed message is missing): {r[:6]}"
    assert int(stop.group(1)) > 0, "the restarted collector published nothing new: the kill was not mid-stream"
    print(f"fleet topic: {len(ids)} messages, each once (ids {r}); at restart {left[0] if left else 0} left in the "
          f"outbox, {back[0] if back else 0} of them already on the topic (not sent again); "
          f"run 2 published {stop.group(1)}", flush=True)


if __name__ == "__main__":
    run("fleet_outbox", kafka_body(scenario))
