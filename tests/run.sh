#!/usr/bin/env bash
# tests/run.sh - install what is missing, build (normal and sanitizer builds), run every test.
# Usage: tests/run.sh            (from anywhere; exits non-zero if any test fails)
# Env:   VG_SKIP_DEPS=1          skip the dependency check
#        VG_SKIP_SANITIZE=1      skip the ASan/UBSan build and its unit tests
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[[ "${VG_SKIP_DEPS:-0}" == 1 ]] || bash deploy/deps.sh

jobs=$(nproc)
echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$jobs"

echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

if [[ "${VG_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== build (ASan+UBSan) and unit tests"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVG_SANITIZE=ON >/dev/null
  ninja -C build-asan -j"$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L unit)
fi
echo "== all tests passed"
