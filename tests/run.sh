#!/usr/bin/env bash
# tests/run.sh - install what is missing, build, and run every test:
#   1. RelWithDebInfo build: every Check suite, every integration test (real processes on
#      loopback, a real Kafka broker started from Maven Central jars) and the quick variant of
#      the fault-injection suite (tests/faults/faults.py, label "faults", a few minutes)
#   2. AddressSanitizer + UBSan build: every Check suite, and the integration tests that
#      exercise the daemons' data path (their clean shutdown is checked, so leaks fail)
#   3. Release builds with gcc and clang (users' and packagers' mode; build only)
#   4. libFuzzer: every decoder's fuzz target for a bounded time (tests/fuzz/run.sh)
# Usage: tests/run.sh            (from anywhere; exits non-zero if any test fails)
# Every build here sets -DVG_WERROR=ON (warnings are errors in CI; users' builds do not).
# Env:   VG_SKIP_DEPS=1          skip the dependency check
#        VG_SKIP_SANITIZE=1      skip stage 2
#        VG_SKIP_RELEASE=1       skip stage 3
#        VG_SKIP_FUZZ=1          skip stage 4;  VG_FUZZ_SECONDS=N  time per fuzz target (default 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[[ "${VG_SKIP_DEPS:-0}" == 1 ]] || bash deploy/deps.sh

jobs=$(nproc)
start=$(date +%s)
stage() { printf '\n== %s (%ds)\n' "$*" $(( $(date +%s) - start )); }

stage "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_WERROR=ON >/dev/null
ninja -C build -j"$jobs"

stage "unit and integration tests"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ "${VG_SKIP_SANITIZE:-0}" != 1 ]]; then
  stage "build (ASan+UBSan) and its tests"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVG_SANITIZE=ON -DVG_WERROR=ON >/dev/null
  ninja -C build-asan -j"$jobs"
  # Check's per-case timeouts are set for the normal build; sanitizers run 3-10x slower.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 CK_TIMEOUT_MULTIPLIER=4 \
     ctest --output-on-failure -j"$jobs" -L unit)
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs" -R 'integration_(e2e_sim|bad_batches|spool_drain|detect_alerts|inputs_live|reload_limits|curve|failover|pcap_replay|ves_ack|timeline|export|fleet_pointer|agent_libs|nab|secure_defaults|pmdir_backlog|agent_metrics|reload|fleet|replay|fleet_journal|store_full|detect_journal)$')
fi

if [[ "${VG_SKIP_RELEASE:-0}" != 1 ]]; then
  stage "build (Release, gcc and clang)"
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DVG_WERROR=ON >/dev/null
  ninja -C build-release -j"$jobs"
  CC=clang cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=Release -DVG_WERROR=ON >/dev/null
  ninja -C build-clang -j"$jobs"
fi

if [[ "${VG_SKIP_FUZZ:-0}" != 1 ]]; then
  stage "fuzz targets"
  VG_FUZZ_SECONDS=${VG_FUZZ_SECONDS:-10} VG_FUZZ_JOBS="$jobs" bash tests/fuzz/run.sh
fi

stage "all tests passed"
