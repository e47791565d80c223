#!/usr/bin/env bash
# Runs the libFuzzer targets of a PLEXUS_FUZZ build for a bounded time each, from the committed
# seed corpora (tests/fuzz/corpus/<target>/ plus tests/fuzz/regressions/<target>/).
#
#   scripts/lib/fuzz.sh [BUILD_DIR [TARGET...]]     BUILD_DIR defaults to build-asan
#   PLEXUS_FUZZ_SECONDS=N                           per target, default 20
#   PLEXUS_FUZZ_JOBS=N                              targets at a time, default nproc
#
# The corpus is copied to a scratch directory first: what the fuzzer adds never dirties the tree.
# A crash (or leak, timeout, out-of-memory) fails the script after every target ran; the input
# is printed and kept, to become a regression: copy it into tests/fuzz/regressions/<target>/.
# Prints one summary line per target with its number of executions.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/deps.sh

build_dir=${1:-build-asan}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]} > 0)) ||
  targets=(envelope_batch_fuzz module_server_fuzz config_fuzz sdk_decoder_fuzz filter_fuzz)
seconds=${PLEXUS_FUZZ_SECONDS:-20}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/plexus-fuzz.XXXXXX")
# One target per core at a time (each fuzzer is single-threaded): the same seconds per target,
# in about half the wall time on two cores.
parallel=${PLEXUS_FUZZ_JOBS:-$(nproc)}

# fuzz_one TARGET: runs it; writes its summary line to $scratch/TARGET.summary and, on failure,
# its report to $scratch/TARGET.report and an empty $scratch/TARGET.failed.
fuzz_one() {
  local target=$1 bin work dir seeds status execs added cov artifacts file
  bin=$(realpath "$build_dir/fuzz/$target")
  work=$scratch/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  for dir in tests/fuzz/corpus/$target tests/fuzz/regressions/$target; do
    [[ -d $dir ]] || continue
    find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name '*.md' -exec cp {} "$work/corpus/" \;
  done
  seeds=$(find "$work/corpus" -type f | wc -l)
  plexus_log "fuzzing $target for $seconds s from $seeds seeds"
  status=0
  (cd "$work" && "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
     -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/" corpus >log 2>&1) || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  artifacts=$(find "$work/artifacts" -type f | sort)
  if ((status == 0)) && [[ -z $artifacts ]]; then
    printf '%-20s %10s executions in %s s, coverage %s edges, %s new inputs: no crash\n' \
      "$target" "${execs:-?}" "$seconds" "${cov:-?}" "${added:-?}" >"$scratch/$target.summary"
    return
  fi
  : >"$scratch/$target.failed"
  printf '%-20s %10s executions: FAILED (exit %d)\n' "$target" "${execs:-?}" "$status" \
    >"$scratch/$target.summary"
  {
    echo "---- $target: last lines of its log ($work/log) ----"
    tail -n 60 "$work/log"
    for file in $artifacts; do
      echo "---- $target: $(basename "$file") ($(stat -c %s "$file") bytes), kept at $file ----"
      od -A x -t x1z -v "$file" | head -n 64
      echo "reproduce: $bin $file  (copy it into tests/fuzz/regressions/$target/)"
    done
  } >"$scratch/$target.report"
}

for target in "${targets[@]}"; do
  if [[ ! -x $build_dir/fuzz/$target ]]; then
    echo "fuzz.sh: no $build_dir/fuzz/$target: configure $build_dir with clang and" \
      "-DPLEXUS_FUZZ=ON, then build" >&2
    exit 2
  fi
done
running=0
for target in "${targets[@]}"; do
  if ((running >= parallel)); then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
wait

failed=()
for target in "${targets[@]}"; do
  if [[ ! -f $scratch/$target.summary ]]; then
    failed+=("$target")
    printf '%-20s did not report: FAILED\n' "$target" >"$scratch/$target.summary"
  elif [[ -f $scratch/$target.failed ]]; then
    failed+=("$target")
    cat "$scratch/$target.report" >&2
  fi
done
plexus_log "fuzzing summary ($seconds s per target, $parallel at a time)"
for target in "${targets[@]}"; do
  cat "$scratch/$target.summary"
done
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: ${failed[*]} failed; inputs and logs kept in $scratch" >&2
  exit 1
fi
rm -rf "$scratch"
