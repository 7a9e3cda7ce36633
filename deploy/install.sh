#!/usr/bin/env bash
# deploy/install.sh - install Vigil: programs, default rules and configs, systemd units.
#
#   deploy/install.sh [--build DIR] [--prefix DIR] [--sysconfdir DIR] [--statedir DIR]
#                     [--unitdir DIR] [--no-user] [--no-systemd] [--enable]
#
# Puts vigil, vigil-agent and vigil-collector in PREFIX/bin (default /usr/local), the
# pristine rules, example configs and units under PREFIX/share/vigil, the documentation in
# PREFIX/share/doc/vigil; makes CURVE key pairs for this host's collector and agent and
# copies the defaults to SYSCONFDIR/vigil (default /etc/vigil: collector.yaml, agent.yaml,
# rules.yaml, naming those keys), never over an existing file; installs the units
# in UNITDIR (default /etc/systemd/system) with the paths above; creates the system user
# `vigil`; reloads systemd.  With DESTDIR set in the environment every file goes under
# DESTDIR (paths inside files stay the final ones), no key is made and no user or systemd
# is touched: for packaging.  Safe to run again (an upgrade): programs, share and units are replaced,
# configs are kept.  Without --build it configures and builds ./build (Release) first.
# docs/OPERATIONS.md, "Install and services".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="" PREFIX=/usr/local SYSCONFDIR=/etc STATEDIR=/var/lib/vigil UNITDIR=/etc/systemd/system
MKUSER=1 SYSTEMD=1 ENABLE=0
DESTDIR=${DESTDIR:-}

die () { echo "install.sh: $*" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --build) BUILD=${2:?}; shift ;;
    --prefix) PREFIX=${2:?}; shift ;;
    --sysconfdir) SYSCONFDIR=${2:?}; shift ;;
    --statedir) STATEDIR=${2:?}; shift ;;
    --unitdir) UNITDIR=${2:?}; shift ;;
    --no-user) MKUSER=0 ;;
    --no-systemd) SYSTEMD=0 ;;
    --enable) ENABLE=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (--help lists them)" ;;
  esac
  shift
done
for d in "$PREFIX" "$SYSCONFDIR" "$STATEDIR" "$UNITDIR"; do
  [[ $d == /* ]] || die "'$d' is not an absolute path"
done
if [[ -n $DESTDIR ]]; then
  MKUSER=0 SYSTEMD=0
  [[ $DESTDIR == /* ]] || die "DESTDIR '$DESTDIR' is not an absolute path"
fi
if ((ENABLE)) && ! ((SYSTEMD)); then
  die "--enable needs systemd (no DESTDIR, no --no-systemd)"
fi

# ---- programs and pristine defaults (cmake --install) ----
if [[ -z $BUILD ]]; then
  BUILD=$ROOT/build
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc)"
fi
[[ -f $BUILD/CMakeCache.txt ]] || die "$BUILD is not a configured build directory"
DESTDIR=$DESTDIR cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
SHARE=$DESTDIR$PREFIX/share/vigil
CONFDIR=$SYSCONFDIR/vigil
echo "installed programs in $PREFIX/bin, defaults in $PREFIX/share/vigil"

# ---- the vigil user (owns the state; reads the configs through its group) ----
if ((MKUSER)) && [[ $(id -u) == 0 ]] && ! getent passwd vigil >/dev/null; then
  useradd --system --user-group --no-create-home --home-dir "$STATEDIR" --shell /usr/sbin/nologin \
          --comment "Vigil telemetry" vigil
  echo "created system user vigil"
fi

# ---- configs: copied once, then the operator's ----
# Paths inside the defaults follow --statedir and --sysconfdir.
s_paths () { sed -e "s#/var/lib/vigil#$STATEDIR#g" -e "s#/etc/vigil#$CONFDIR#g"; }
s_config () {  # s_config NAME: stdin -> DESTDIR/CONFDIR/NAME unless it exists
  local dst=$DESTDIR$CONFDIR/$1
  if [[ -e $dst ]]; then
    echo "kept $CONFDIR/$1 (the new default is in $PREFIX/share/vigil)"
    cat >/dev/null
    return
  fi
  s_paths >"$dst.tmp"
  chmod 0640 "$dst.tmp"
  mv "$dst.tmp" "$dst"
  echo "installed $CONFDIR/$1"
}
install -d -m 0750 "$DESTDIR$CONFDIR"
s_config rules.yaml <"$SHARE/rules.yaml"
# CURVE is on by default: this host's collector and agent get key pairs (vigil keygen; the
# .key files 0600, owned by vigil), and the configs written now name each other's public
# key.  Not with DESTDIR: a package must not carry secret keys (its configs keep the
# examples' REPLACE placeholders; make the pairs on the target host).
collector_pub="" agent_pub=""
s_keypair () {  # s_keypair NAME: CONFDIR/NAME.{key,pub} made unless there; prints the public key
  if [[ ! -e $CONFDIR/$1.key ]]; then
    rm -f "$CONFDIR/$1.pub"
    "$PREFIX/bin/vigil" keygen --out "$CONFDIR/$1" >/dev/null
    echo "made the CURVE key pair $CONFDIR/$1.key (secret, 0600) and $1.pub" >&2
  fi
  cat "$CONFDIR/$1.pub"
}
if [[ -z $DESTDIR ]]; then
  collector_pub=$(s_keypair collector)
  agent_pub=$(s_keypair agent)
  if [[ $(id -u) == 0 ]] && getent passwd vigil >/dev/null; then
    chown vigil:vigil "$CONFDIR"/{collector,agent}.key
  fi
fi
# The collector: the example with this host's agent admitted (its key), list entries that
# still carry a REPLACE placeholder commented out (fill in the key, then uncomment), and
# the detectors on with the installed rules.
host_id=$(sed -n 's/^  id: *\([^ #]*\).*/\1/p' "$SHARE/examples/agent-linux.yaml" | head -1)
{
  # awk, not sed: a Z85 key may hold & # / (special in a sed replacement).
  awk -v id="$host_id" -v key="$agent_pub" '
    function flush() { if (item ~ /REPLACE-with/) { gsub(/\n/, "\n#", item); sub(/#$/, "", item); printf "#%s", item }
                       else printf "%s", item; item = "" }
    /^agents:$/ { print; print "  - id: " id "                  # this host'"'"'s agent (agent.yaml)"
                  if (key != "") print "    public_key: '"'"'" key "'"'"'   # /etc/vigil/agent.pub"
                  next }
    /^  - / { flush(); item = $0 "\n"; next }
    /^    / && item != "" { item = item $0 "\n"; next }
    { flush(); print }
    END { flush() }' "$SHARE/examples/collector.yaml"
  if ! grep -q '^detect:' "$SHARE/examples/collector.yaml"; then
    printf '%s\n' "detect:" "  enabled: true" "  rules: /etc/vigil/rules.yaml   # SIGHUP (systemctl reload) reads it again"
  fi
} | s_config collector.yaml
# The agent: the host example with the collector's public key.
awk -v old="'REPLACE-with-collector.pub-40-chars'" -v new="'$collector_pub'" '
  { i = index($0, old); if (i && new != "\047\047") $0 = substr($0, 1, i - 1) new substr($0, i + length(old)); print }' \
  "$SHARE/examples/agent-linux.yaml" | s_config agent.yaml
if [[ -z $DESTDIR && $(id -u) == 0 ]] && getent group vigil >/dev/null; then
  chown root:vigil "$CONFDIR" "$CONFDIR"/{rules,collector,agent}.yaml
  # systemd makes it (StateDirectory=); made here too for running the daemons without it.
  install -d -m 0700 -o vigil -g vigil "$STATEDIR"
fi

# ---- systemd units ----
install -d -m 0755 "$DESTDIR$UNITDIR"
for unit in vigil-collector.service vigil-agent.service; do
  sed -e "s#/usr/local/bin/#$PREFIX/bin/#g" -e "s#file:/usr/local/share/#file:$PREFIX/share/#g" \
      -e "s#/etc/vigil/#$CONFDIR/#g" "$SHARE/systemd/$unit" >"$DESTDIR$UNITDIR/$unit.tmp"
  if [[ $STATEDIR != /var/lib/vigil ]]; then  # StateDirectory= is /var/lib/vigil; allow the other one
    sed -i "s#^StateDirectoryMode=.*#&\nReadWritePaths=$STATEDIR#" "$DESTDIR$UNITDIR/$unit.tmp"
  fi
  chmod 0644 "$DESTDIR$UNITDIR/$unit.tmp"
  mv "$DESTDIR$UNITDIR/$unit.tmp" "$DESTDIR$UNITDIR/$unit"
  echo "installed $UNITDIR/$unit"
done
if ((SYSTEMD)) && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  if ((ENABLE)); then
    systemctl enable --now vigil-collector.service vigil-agent.service
  fi
  echo "systemd: units loaded; start with: systemctl enable --now vigil-collector vigil-agent"
elif ((SYSTEMD)); then
  echo "systemd is not running here: units installed, not loaded"
fi
