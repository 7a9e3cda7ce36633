#!/usr/bin/env bash
# deploy/keys.sh - CURVE key pairs for the quickstart scripts, made with `vigil keygen`.
# Source it for vg_keygen, or run it:
#
#   deploy/keys.sh BIN PREFIX     write PREFIX.key (secret, 0600) and PREFIX.pub; print the public key
#
# The secret never leaves PREFIX.key: configurations name it with curve.secret_key_file, and
# only the public key (40 Z85 characters; quote it in YAML) is copied into other files.

# vg_keygen BIN PREFIX -> prints the new pair's public key.
vg_keygen() {
  local bin=$1 prefix=$2
  mkdir -p "$(dirname "$prefix")"
  "$bin/vigil" keygen --out "$prefix" >/dev/null || return 1
  cat "$prefix.pub"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  (($# == 2)) || { sed -n '2,8p' "$0"; exit 2; }
  vg_keygen "$@"
fi
