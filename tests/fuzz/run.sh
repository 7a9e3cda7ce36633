#!/usr/bin/env bash
# tests/fuzz/run.sh - build the libFuzzer targets (clang, -DVG_FUZZ=ON) and run each for a
# bounded time, seeded from ../shared/samples (decoders), the repository's example configs
# and rules (fuzz_config) or seeds the target writes itself (fuzz_batch, fuzz_control,
# fuzz_spool).  Inputs kept under tests/fuzz/regressions/<target>/ are replayed first.  A
# crash, leak, timeout or OOM fails the run and the input that caused it is saved there
# (commit it: it becomes a regression test).
# Usage: tests/fuzz/run.sh [TARGET...]      (default: every tests/fuzz/fuzz_*.c)
# Env:   VG_FUZZ_SECONDS=20    time per target
#        VG_FUZZ_BUILD=DIR     build directory (default: build-fuzz at the repo root)
#        VG_FUZZ_JOBS=2        ninja -j
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
samples=$(cd "$root/.." && pwd)/shared/samples
build=${VG_FUZZ_BUILD:-$root/build-fuzz}
secs=${VG_FUZZ_SECONDS:-20}
regress=$root/tests/fuzz/regressions

command -v clang >/dev/null || { echo "fuzz: clang is required" >&2; exit 2; }
CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_FUZZ=ON >/dev/null
if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for f in "$root"/tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
ninja -C "$build" -j"${VG_FUZZ_JOBS:-2}" "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# UDP payloads to one port of a capture, one file each (seeds for datagram decoders).
udp_seeds() {  # pcap port outdir prefix
  python3 - "$@" <<'EOF'
import os, struct, sys
path, port, out, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
d = open(path, "rb").read()
end = "<" if struct.unpack("<I", d[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
link = struct.unpack(end + "I", d[20:24])[0]
off, n = 24, 0
while off + 16 <= len(d) and n < 64:
    cap = struct.unpack(end + "IIII", d[off:off + 16])[2]
    p, off = d[off + 16:off + 16 + cap], off + 16 + cap
    o = 14 if link == 1 else 16 if link == 113 else None
    if o is None or len(p) < o + 28 or p[o - 2:o] != b"\x08\x00" or p[o + 9] != 17:
        continue
    l4 = o + (p[o] & 15) * 4
    if struct.unpack(">H", p[l4 + 2:l4 + 4])[0] == port:
        open(os.path.join(out, f"{prefix}-{n}"), "wb").write(p[l4 + 8:])
        n += 1
EOF
}

seed() {  # target corpus-dir
  local t=$1 c=$2
  case $t in
    fuzz_jti)
      cp "$samples"/juniper/*.raw "$c"/
      for p in "$samples"/juniper/*.pcap; do udp_seeds "$p" 40000 "$c" "$(basename "$p" .pcap)"; done ;;
    fuzz_udp_notif)
      udp_seeds "$samples"/huawei/pmacct-800-huawei-udp-notif-yangpush-json.pcap 10003 "$c" notif ;;
    fuzz_mdt)
      cp "$samples"/cisco/*.testbytes "$c"/ ;;
    fuzz_huawei_gpb)
      head -n 8 "$samples"/huawei/pmacct-v3-huawei-grpc-gpb-raw_dump.b64 | { i=0; while read -r l; do
        printf '%s' "$l" | base64 -d >"$c/msg-$i" 2>/dev/null || true; i=$((i + 1)); done; } ;;
    fuzz_gnmi)
      cp "$samples"/gnmi/derived-binary/* "$c"/ ;;
    fuzz_pm3gpp)
      cp "$samples"/3gpp/*.xml "$c"/ ;;
    fuzz_ves)
      cp "$samples"/ves/*.json "$c"/ ;;
    fuzz_batch | fuzz_chunk | fuzz_control | fuzz_fleet | fuzz_spool)  # made by the target itself (tests/fuzz/fuzz_seed.h)
      VG_FUZZ_SEEDS=$c "$build/fuzz/$t" >/dev/null 2>&1 ;;
    fuzz_config)  # the examples name key files that do not exist here: inline keys instead
      for f in "$root"/deploy/examples/*.yaml; do
        sed 's/secret_key_file: .*/secret_key: "seed"/' "$f" >"$c/$(basename "$f")"
      done
      cp "$root"/detectors/rules.yaml "$c"/ ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  bin=$build/fuzz/$t
  [[ -x $bin ]] || { echo "fuzz: $bin was not built" >&2; failed+=("$t"); continue; }
  corpus=$work/$t/corpus art=$work/$t/artifacts
  mkdir -p "$corpus" "$art"
  seed "$t" "$corpus"
  opts=(-rss_limit_mb=2048 -timeout=10 -max_len=262144 -artifact_prefix="$art/" -print_final_stats=0)
  status=0
  if [[ -d $regress/$t ]] && compgen -G "$regress/$t/*" >/dev/null; then
    echo "== $t: replaying $(ls "$regress/$t" | wc -l) regression inputs"
    "$bin" "${opts[@]}" "$regress/$t"/* >"$work/$t/replay.log" 2>&1 || status=$?
  fi
  if [[ $status == 0 ]]; then
    echo "== $t: fuzzing for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
    "$bin" "${opts[@]}" -max_total_time="$secs" "$corpus" >"$work/$t/fuzz.log" 2>&1 || status=$?
    grep -E "^(#[0-9]+\s+DONE|Done [0-9]+ runs)" "$work/$t/fuzz.log" | tail -1 || true
  fi
  if [[ $status != 0 ]]; then
    failed+=("$t")
    mkdir -p "$regress/$t"
    for a in "$art"/*; do
      [[ -e $a ]] || continue
      cp "$a" "$regress/$t/"
      echo "fuzz: $t: kept $(basename "$a") in tests/fuzz/regressions/$t/" >&2
    done
    tail -n 40 "$work/$t"/*.log >&2
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${secs}s each, no crash"
