"""(d) Malformed, truncated, oversized and random batches are each rejected and counted;
the collector keeps serving, and a valid batch afterwards is stored."""
import os
import random
import subprocess
from vgtest import run, wait_for

BATCH = 2


def body(h):
    cfg, port, mport = h.collector_config(name="c", agents=("a1",), ingest="  max_batch_bytes: 64KiB\n")
    h.collector("c", cfg)
    wait_for(lambda: h.metrics(mport), 30, "collector up")
    ep = f"tcp://127.0.0.1:{port}"
    tool = os.path.join(h.bin, "vgsend")
    # Over CURVE as agent a1 (its key is listed): the bad batches reach ingest's validation.
    env = h.curve_env("a1")
    send = lambda *a, env=env: subprocess.run([tool, ep, *a], capture_output=True, text=True, timeout=30,
                                              env=env).stdout.strip()
    good = os.path.join(h.dir, "good.bin")
    subprocess.run([tool, "make-batch", "a1", "77", "1", good], check=True)
    data = open(good, "rb").read()
    rng = random.Random(42)

    cases = []
    def case(name, payload, typ=BATCH):
        p = os.path.join(h.dir, name)
        open(p, "wb").write(payload)
        cases.append((name, send("raw", str(typ), p)))

    case("garbage", b"this is not protobuf at all \xff\xff\xff")
    for cut in (1, 5, len(data) // 3, len(data) // 2, len(data) - 1):
        case(f"truncated{cut}", data[:cut])
    case("oversized", data + b"\x00" * (70 * 1024))
    for i in range(20):
        case(f"random{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))))
    # A valid batch from an agent that is not allowed: its own key is not listed, so the
    # CURVE handshake fails and nothing is answered (the refusal counted by ZAP).
    other = os.path.join(h.dir, "other.bin")
    subprocess.run([tool, "make-batch", "intruder", "77", "1", other], check=True)
    unknown = send("raw", str(BATCH), other, env=h.curve_env("intruder"))
    assert unknown == "none", f"an unlisted key got an answer: {unknown}"
    wait_for(lambda: h.metrics(mport)["vigil_zap_denied_total"] >= 1, 10, "the unlisted key's refusal counted")
    # Listed key, another agent's id in the batch: refused before ingest, counted.
    wrong = send("raw", str(BATCH), other)
    assert wrong.startswith("ack 1 "), f"a batch naming another agent was not refused: {wrong}"
    wait_for(lambda: h.metrics(mport)["vigil_wrong_agent_total"] >= 1, 10, "the wrong agent id counted")
    # Flipped bytes in a valid batch (another epoch and device, so that a flip which still
    # leaves a valid batch cannot disturb the checks below).
    flip = os.path.join(h.dir, "flip.bin")
    subprocess.run([tool, "make-batch", "a1", "99", "1", flip, "lab/flip"], check=True)
    fdata = open(flip, "rb").read()
    for i in range(10):
        b = bytearray(fdata)
        b[rng.randrange(len(b))] ^= 0xFF
        case(f"flipped{i}", bytes(b))
    cases.append(("bad-frames", send("frames", "5")))

    rejected = [n for n, r in cases if r.startswith("ack 1 ")]
    for n, r in cases:
        # Never accepted; garbage framing gets no reply at all, everything else a REJECTED ack
        # (a flipped byte can land in a value and still make a valid batch: then OK is right).
        assert not (r.startswith("ack 0") and not n.startswith("flipped")), f"{n} was accepted: {r}"
    assert len(rejected) >= 27, f"only {len(rejected)} rejected: {cases}"
    m = h.metrics(mport)
    wait_for(lambda: h.metrics(mport)['vigil_batches_total{result="rejected"}'] >= len(rejected), 10,
             "rejections counted")
    assert h.procs["c"].poll() is None, "collector died"
    # Still serving: the valid batch is stored and acknowledged.
    r = send("raw", str(BATCH), good)
    assert r.startswith("ack 0 1"), r
    rows = h.query_json(f"{h.dir}/c-store", "--device", "lab/r1")
    assert len(rows) == 30, f"expected the 30 samples of the good batch, got {len(rows)}"
    # The same batch again is a duplicate: acknowledged, not stored twice.
    r = send("raw", str(BATCH), good)
    assert r.startswith("ack 0 1"), r
    assert len(h.query_json(f"{h.dir}/c-store", "--device", "lab/r1")) == 30
    log = h.log("c")
    assert "rejected" in log, "no log line for rejections"
    print(f"{len(rejected)} bad batches rejected and counted; collector kept serving")


run("bad_batches", body)
