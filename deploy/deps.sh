#!/usr/bin/env bash
# deploy/deps.sh - install Vigil's build and run dependencies on Debian 12 (as root).
# Runs `apt-get update` once and installs only what is missing; safe to run repeatedly.
set -euo pipefail

PKGS=(build-essential cmake ninja-build pkg-config git python3
      libzmq3-dev libprotobuf-c-dev protobuf-c-compiler librocksdb-dev check libsubunit-dev
      libyaml-dev librdkafka-dev libmicrohttpd-dev libjansson-dev libpcap-dev libxml2-dev
      libzstd-dev clang libclang-rt-14-dev kcat openjdk-17-jre-headless maven curl
      systemd openssl)  # systemd-analyze for test_install (the tools only: init is systemd-sysv's); openssl for test certificates

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
