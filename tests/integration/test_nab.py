"""test_nab - `vigil detect` (the onset score) on the NAB development split.

Runs the split's own evaluator (../shared/bench/nab-dev/nab_eval.py, or $VG_NAB_DIR) with the
detector not told the probation length, re-runs prefixes of 4 files to prove the scores are
causal, and asserts the NAB scores stay above floors a few points under what was measured
(docs/DETECTION.md, "NAB development split").  Skipped, with a message, when the split is
not there.  Takes a few seconds."""
import json
import os
import subprocess
import sys
import tempfile

import vgtest

# Measured 71.0 / 67.4 / 74.0 (standard / low FP / low FN); floors leave room for float noise
# across compilers, not for a regression.
FLOORS = {"standard": 68.0, "reward_low_FP_rate": 64.0, "reward_low_FN_rate": 71.0}


def main():
    a = vgtest.args()
    nab = os.environ.get("VG_NAB_DIR") or os.path.join(a.source or ".", "..", "shared", "bench", "nab-dev")
    evaluator = os.path.join(nab, "nab_eval.py")
    if not os.path.exists(evaluator):
        print(f"SKIP nab: {evaluator} not found (set VG_NAB_DIR to the NAB development split)")
        print("0 passed, 0 failed (skipped)")
        return 0
    vigil = os.path.join(os.path.abspath(a.bin), "vigil")
    with tempfile.TemporaryDirectory(prefix="vg-nab-") as tmp:
        out = os.path.join(tmp, "nab.json")
        r = subprocess.run([sys.executable, evaluator, "--cmd", f"{vigil} detect", "--hide-probation",
                            "--causal-check", "4", "--jobs", "2", "--json", out],
                           cwd=nab, capture_output=True, text=True, timeout=110)
        print(r.stdout[:1200])
        if r.returncode != 0:
            print(r.stderr[-2000:], file=sys.stderr)
            print(f"FAIL nab: evaluator exited {r.returncode} (3 = scores not causal)", file=sys.stderr)
            print("0 passed, 1 failed")
            return 1
        with open(out) as fh:
            res = json.load(fh)
    bad = []
    for prof, floor in FLOORS.items():
        got = res["profiles"][prof]["score"]
        if got < floor:
            bad.append(f"{prof} {got:.2f} < {floor}")
    causal = res.get("causality") or []
    if len(causal) != 4 or any(c[2] for c in causal):
        bad.append(f"causality check: {causal}")
    if bad:
        print("FAIL nab: " + "; ".join(bad), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    print("NAB dev split: " + ", ".join(f"{p} {res['profiles'][p]['score']:.2f}" for p in FLOORS))
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
