#!/usr/bin/env bash
# An outside module builds against the installed SDK with find_package(Plexus) and runs:
# install the build tree into a fresh prefix, configure and build tests/install/outside_module
# there, run it under the installed plexus-node, publish a NewBlock with the installed
# plexusctl, and check the module received it.
# usage: outside_module_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d /tmp/pxout.XXXXXX)
node=""
cleanup() {
  [[ -n $node ]] && kill -9 "$node" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $work/node.log ]] && cat "$work/node.log"; exit 1; }
# Polls a command until it succeeds or ~20 s pass.
until_ok() { for _ in $(seq 400); do "$@" && return 0; sleep 0.05; done; return 1; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
[[ -f $work/prefix/lib/cmake/Plexus/PlexusConfig.cmake ]] || fail "no CMake package installed"
for f in bin/plexus-node bin/plexusctl bin/plexus-logger bin/plexus-slowpoke bin/plexus-chainsim \
         bin/plexus-pyarchiver \
         include/plexus/sdk/module.h include/plexus/v1/events.pb.h share/plexus/proto/plexus/v1/events.proto; do
  [[ -e $work/prefix/$f ]] || fail "not installed: $f"
done
# The installed headers are the SDK's public API: every plexus/ipc header installed is one that
# plexus/sdk/module.h includes (directly or not), and module.h compiles alone.
inc=$work/prefix/include
needed=$(echo '#include <plexus/sdk/module.h>' |
  c++ -std=c++20 -x c++ -M -I"$inc" $(pkg-config --cflags protobuf libzmq 2>/dev/null) - 2>"$work/deps.log" |
  grep -o 'plexus/ipc/[a-z_]*\.h' | sort -u) \
  || { cat "$work/deps.log"; fail "plexus/sdk/module.h does not compile against the installed headers"; }
installed=$(cd "$inc" && find plexus/ipc -type f | sort)
[[ $installed == "$needed" ]] ||
  fail "installed plexus/ipc headers: $(echo $installed); module.h needs exactly: $(echo $needed)"
# The systemd unit: installed, its ExecStart the installed node, and clean for systemd-analyze
# (when there is one: a build machine without systemd skips that check).
unit=$work/prefix/lib/systemd/system/plexus-node.service
[[ -f $unit ]] || fail "not installed: lib/systemd/system/plexus-node.service"
grep -qx "ExecStart=$work/prefix/bin/plexus-node --config /etc/plexus/node.cfg" "$unit" ||
  fail "the unit's ExecStart is not the installed plexus-node: $(grep ExecStart= "$unit")"
grep -qx "Type=notify" "$unit" || fail "the unit is not Type=notify"
if command -v systemd-analyze >/dev/null; then
  verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
  [[ -z $verify ]] || fail "systemd-analyze verify: $verify"
else
  echo "systemd-analyze not found: unit not verified"
fi
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configure against the installed package"; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }

cat >"$work/node.cfg" <<CFG
module {
  name: "outside"
  exec: "$work/build/outside-module"
  settings { key: "out" value: "$work/out.txt" }
}
CFG
ctl=("$work/prefix/bin/plexusctl" --runtime-dir "$work/run")
"$work/prefix/bin/plexus-node" --config "$work/node.cfg" --runtime-dir "$work/run" >"$work/node.log" 2>&1 &
node=$!
until_ok grep -q "module 'outside' ready" "$work/node.log" || fail "the outside module never became ready"
"${ctl[@]}" publish NewBlock --payload '{"hash":"beef","height":42}' >/dev/null || fail "publish"
until_ok grep -q "height=42 seq=1" "$work/out.txt" || fail "the outside module did not receive the event"
kill -INT "$node"
wait "$node" || fail "plexus-node exited with $?"
node=""
echo "outside module built with find_package(Plexus), ran, received height=42"
