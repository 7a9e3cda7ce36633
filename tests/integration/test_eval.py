"""vigil eval: the detectors against the labelled built-in scenarios (a regression gate on
detection quality, not a timed test).

  * `vigil eval --scenario catalog` (every catalogue entry, 3 incidents each, plus benign
    look-alikes; 17 simulated days at 5-minute samples, 20 sites) must reach recall >= 0.95
    and precision >= 0.90 for every class (A, C, I, fleet), detect every catalogue entry at
    least once, and alert on none of the benign look-alikes;
  * step changes (A01 silence, A03 collapse, A08 BGP, C05 SA loss) and call-home (C01) are
    detected within a median of 3 sample intervals;
  * on benign-only data (`--scenario benign`) there is at most 1 false alert per 100
    device-days;
  * the same seed gives byte-identical labels and alerts (determinism);
  * `vigil sim --scenario ... --labels` writes the same ground truth as eval uses."""
import json
import os
import subprocess
import sys
import tempfile

from vgtest import args


def run(vigil, *a, timeout=600):
    r = subprocess.run([vigil, *a], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{a}: rc {r.returncode}\n{r.stderr}"
    return r


def main():
    a = args()
    vigil = os.path.join(a.bin, "vigil")
    rules = os.path.join(a.source, "detectors", "rules.yaml")
    tmp = tempfile.mkdtemp(prefix="vigil-eval-")

    # ---- catalogue scenario ----
    lab1, al1 = os.path.join(tmp, "l1.jsonl"), os.path.join(tmp, "a1.jsonl")
    r = run(vigil, "eval", "--scenario", "catalog", "--rules", rules, "--seed", "1", "--format", "json",
            "--labels", lab1, "--alerts", al1)
    res = json.loads(r.stdout)
    print(json.dumps({k: res[k] for k in ("samples", "labels", "alerts", "false_alerts", "seconds")}))
    classes = {c["key"]: c for c in res["classes"]}
    for k in ("A", "C", "I", "fleet"):
        c = classes[k]
        assert c["incidents"] >= 3, c
        assert c["recall"] >= 0.95, f"class {k} recall {c['recall']}: {c}"
        assert c["precision"] is not None and c["precision"] >= 0.90, f"class {k} precision: {c}"
        assert c["benign_alerted"] == 0, f"class {k}: a benign look-alike alerted: {c}"
    dets = {d["key"]: d for d in res["detectors"]}
    for k in ("A01", "A02", "A03", "A04", "A05", "A06", "A08", "C01", "C02", "C03", "C04", "C05",
              "I01", "I02", "I03", "I04", "X01", "X02"):
        assert k in dets and dets[k]["incidents"] >= 1 and dets[k]["detected"] >= 1, f"{k}: {dets.get(k)}"
    for k in ("A01", "A03", "A08", "C05", "C01"):
        assert dets[k]["ttd_median_intervals"] <= 3, f"{k} median TTD: {dets[k]}"
    assert sum(d["benign"] for d in res["classes"]) >= 9, res["classes"]

    # ---- the same seed again: identical labels and alerts ----
    lab2, al2 = os.path.join(tmp, "l2.jsonl"), os.path.join(tmp, "a2.jsonl")
    r2 = run(vigil, "eval", "--scenario", "catalog", "--rules", rules, "--seed", "1", "--format", "json",
             "--labels", lab2, "--alerts", al2)
    assert open(lab1).read() == open(lab2).read(), "labels differ between identical runs"
    assert open(al1).read() == open(al2).read(), "alerts differ between identical runs"
    res2 = json.loads(r2.stdout)
    res.pop("seconds"), res2.pop("seconds")
    assert res == res2
    assert len(open(al1).read().splitlines()) == res["alerts"]

    # ---- vigil sim writes the same labels ----
    lab3 = os.path.join(tmp, "l3.jsonl")
    run(vigil, "sim", "--scenario", "catalog", "--seed", "1", "--interval", "5m", "--start", "2026-01-01T00:00:00Z",
        "--end", "2026-01-18T00:00:00Z", "--labels", lab3, "--labels-only", timeout=60)
    assert open(lab3).read() == open(lab1).read(), "vigil sim and vigil eval labels differ"
    labels = [json.loads(l) for l in open(lab1)]
    assert len(labels) == res["labels"], (len(labels), res["labels"])
    assert all(l["start_ms"] < l["end_ms"] for l in labels)

    # ---- a large fleet: a label naming hundreds of devices is written whole ----
    lab4 = os.path.join(tmp, "l4.jsonl")
    r4 = run(vigil, "eval", "--scenario", "catalog", "--rules", rules, "--seed", "1", "--sites", "300", "--days", "1",
             "--format", "json", "--labels", lab4)
    big = open(lab4).read().splitlines()
    assert len(big) == json.loads(r4.stdout)["labels"], "labels missing from --labels"
    assert max(len(l) for l in big) > 4096, "no long label: the check proves nothing"
    assert all(json.loads(l)["devices"] for l in big)
    assert {l["cia"] for l in labels} == {"A", "C", "I", "X"}

    # ---- benign-only data: false alerts per 100 device-days ----
    r = run(vigil, "eval", "--scenario", "benign", "--rules", rules, "--seed", "2", "--format", "json")
    ben = json.loads(r.stdout)
    print(json.dumps({k: ben[k] for k in ("labels", "alerts", "false_alerts", "false_alerts_per_100_device_days")}))
    assert ben["labels"] >= 12, ben
    assert ben["false_alerts_per_100_device_days"] <= 1.0, ben

    # ---- bad usage ----
    r = subprocess.run([vigil, "eval", "--scenario", "nosuch", "--rules", rules], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown scenario" in r.stderr, r.stderr
    r = subprocess.run([vigil, "eval", "--rules", os.path.join(tmp, "missing.yaml")], capture_output=True, text=True)
    assert r.returncode == 2 and "cannot read rules" in r.stderr, r.stderr
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
