"""test_nab - `vigil detect` (the onset score) on the NAB development split.

Checks first that `vigil detect` takes extreme values (an underflow is a value, an overflow
is refused, a value whose square overflows is dropped without blinding the score).  Then runs
the split's own evaluator (../shared/bench/nab-dev/nab_eval.py, or $VG_NAB_DIR) with the
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

# Measured 73.28 / 71.96 / 75.52 (standard / low FP / low FN); floors leave room for float
# noise across compilers, not for a regression.
FLOORS = {"standard": 70.0, "reward_low_FP_rate": 68.0, "reward_low_FN_rate": 72.0}


def main():
    a = vgtest.args()
    nab = os.environ.get("VG_NAB_DIR") or os.path.join(a.source or ".", "..", "shared", "bench", "nab-dev")
    evaluator = os.path.join(nab, "nab_eval.py")
    vigil = os.path.join(os.path.abspath(a.bin), "vigil")
    # Values: an underflowing one (ERANGE, a subnormal) is a value; an overflowing one is
    # refused; one whose square would overflow is dropped (scores 0) without blinding the
    # score to a later spike.
    rows = ["timestamp,value", "0,5e-324"] + [f"{i * 60000},{(i % 7) * 0.1}" for i in range(1, 400)]
    rows[200] = "11940000,1e300"
    rows.append("24000000,100")
    r = subprocess.run([vigil, "detect"], input="\n".join(rows) + "\n", capture_output=True, text=True, timeout=30)
    sc = [float(x) for x in r.stdout.split()]
    if r.returncode != 0 or len(sc) != 401 or sc[199] != 0 or sc[-1] < 0.44:
        print(f"FAIL nab: vigil detect on extreme values: exit {r.returncode} {r.stderr[-300:]} "
              f"{len(sc)} scores, last {sc[-1:]}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    r = subprocess.run([vigil, "detect"], input="timestamp,value\n0,1e999\n", capture_output=True, text=True, timeout=30)
    if r.returncode == 0 or "stdin:2" not in r.stderr:
        print(f"FAIL nab: an overflowing value was accepted: {r.returncode} {r.stderr}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    if not os.path.exists(evaluator):
        print(f"SKIP nab: {evaluator} not found (set VG_NAB_DIR to the NAB development split)")
        print("0 passed, 0 failed (skipped)")
        return 0
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
