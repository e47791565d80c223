#!/usr/bin/env bash
# Runs the libFuzzer targets of a PLEXUS_FUZZ build for a bounded time each, from the committed
# seed corpora (tests/fuzz/corpus/<target>/ plus tests/fuzz/regressions/<target>/).
#
#   scripts/lib/fuzz.sh [BUILD_DIR [TARGET...]]     BUILD_DIR defaults to build-asan
#   PLEXUS_FUZZ_SECONDS=N                           per target, default 20
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
summary=()
failed=()
for target in "${targets[@]}"; do
  bin=$build_dir/fuzz/$target
  if [[ ! -x $bin ]]; then
    echo "fuzz.sh: no $bin: configure $build_dir with clang and -DPLEXUS_FUZZ=ON, then build" >&2
    exit 2
  fi
  bin=$(realpath "$bin")
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
    summary+=("$(printf '%-20s %10s executions in %s s, coverage %s edges, %s new inputs: no crash' \
                 "$target" "${execs:-?}" "$seconds" "${cov:-?}" "${added:-?}")")
    continue
  fi
  failed+=("$target")
  summary+=("$(printf '%-20s %10s executions: FAILED (exit %d)' "$target" "${execs:-?}" "$status")")
  echo "---- $target: last lines of its log ($work/log) ----" >&2
  tail -n 60 "$work/log" >&2
  for file in $artifacts; do
    echo "---- $target: $(basename "$file") ($(stat -c %s "$file") bytes), kept at $file ----" >&2
    od -A x -t x1z -v "$file" | head -n 64 >&2
    echo "reproduce: $bin $file  (copy it into tests/fuzz/regressions/$target/)" >&2
  done
done

plexus_log "fuzzing summary ($seconds s per target)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: ${failed[*]} failed; inputs and logs kept in $scratch" >&2
  exit 1
fi
rm -rf "$scratch"
