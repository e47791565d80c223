# Shared by scripts/run, scripts/test and scripts/bench: the Debian packages Plexus needs, and
# the configure/build steps. Source it; nothing here is downloaded except Debian packages.

PLEXUS_BUILD_PACKAGES=(
  g++ make cmake ninja-build pkg-config
  libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler
  libboost1.81-dev libspdlog-dev libfmt-dev libsqlite3-dev
  # sd_notify: systemd Type=notify readiness (docs/operations.md).
  libsystemd-dev
  # plexus-nats-bridge (modules/nats-bridge): the NATS C client with JetStream.
  libnats-dev
  # The Python module SDK (module-sdk/python, PLEXUS_PYTHON): what Python modules run on.
  python3 python3-zmq python3-protobuf
)
# The test suite: GoogleTest, Google Benchmark (built, not run), clang with its sanitizer and
# libFuzzer runtime for the ASan/UBSan build; the source checks: clang-format (scripts/format),
# clang-tidy, python3 (scripts/check-layers), git (both checks read the tracked files); the
# Python SDK's suite (tests/module-sdk/python): pyzmq, protobuf, pytest, venv + pip (the offline install);
# the metrics tests: Prometheus and promtool (the tests start their own server on a port of their
# own; where systemd runs, the package's postinst starts its service on :9090, which they never use);
# the NATS bridge tests: nats-server (each test starts its own with -js on a free port).
PLEXUS_TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
                      clang-format clang-tidy python3 git
                      python3-zmq python3-protobuf python3-pytest python3-venv python3-pip
                      prometheus nats-server)
# Peer baselines for scripts/bench.
PLEXUS_BENCH_PACKAGES=(nats-server redis-server libhiredis-dev)

plexus_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the given Debian packages that are not installed yet (apt-get update once first).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  plexus_log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# configure_build DIR [cmake options...]: configures DIR (Ninja) unless it is configured already
# with the same options, quietly; prints the log only when it fails.
configure_build() {
  local dir=$1; shift
  local generator=(-G Ninja)
  [[ -f $dir/CMakeCache.txt ]] && generator=()
  if ! cmake -S . -B "$dir" "${generator[@]}" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log" >&2
    return 1
  fi
}

# build DIR [targets...]
build() {
  local dir=$1; shift
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}
