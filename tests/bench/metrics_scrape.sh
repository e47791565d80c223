#!/usr/bin/env bash
# Scrapes a node's /metrics SCRAPES times, every INTERVAL seconds, with curl, and prints the size
# of the last body (bytes, sample lines), the latency median and p99 (curl's time_total, one
# connection per scrape), the same for the first byte (time_starttransfer: connect, request,
# snapshot and formatting), the loop's time per snapshot (plexus_metrics_snapshot_duration_seconds
# of each answer) median and p99, and the CPU time of the process's plexus-metrics thread over the
# scrapes (with PID). docs/performance.md "Metrics" runs it against plexus-bench --metrics-listen.
# usage: tests/bench/metrics_scrape.sh PORT SCRAPES [INTERVAL_S=0.1] [PID]
set -euo pipefail
port=$1 scrapes=$2 interval=${3:-0.1} pid=${4:-}
url=http://127.0.0.1:$port/metrics
# The bodies go to tmpfs: on ext4, curl truncating and rewriting the same file each scrape made
# the kernel flush it (auto_da_alloc) and added 0.3 to 40 ms after the first byte to the
# latency, the client's disk and not the node's answer (docs/performance.md, third pass).
work=$(mktemp -d -p "$([[ -d /dev/shm && -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
trap 'rm -rf "$work"' EXIT

# utime + stime of the plexus-metrics thread, in clock ticks (0 without a PID).
metrics_cpu() {
  local task
  [[ -n $pid ]] || { echo 0; return; }
  for task in /proc/"$pid"/task/*; do
    if [[ $(cat "$task/comm" 2>/dev/null) == plexus-metrics ]]; then
      awk '{ print $14 + $15 }' "$task/stat"
      return
    fi
  done
  echo 0
}

for _ in $(seq 600); do  # the node may still be starting (100 modules, busy machine): up to 60 s
  curl -sf -o /dev/null "$url" && break
  sleep 0.1
done
cpu_before=$(metrics_cpu)
started=$(date +%s.%N)
failed=0
for _ in $(seq "$scrapes"); do
  if ! curl -sf -o "$work/body" -w '%{time_total} %{time_starttransfer}\n' "$url" >"$work/times"; then
    failed=$((failed + 1))  # counted and reported, not timed
    sleep "$interval"
    continue
  fi
  read -r total first <"$work/times"
  echo "$total" >>"$work/latency"
  echo "$first" >>"$work/first_byte"
  awk '$1 == "plexus_metrics_snapshot_duration_seconds" { print $2 }' "$work/body" >>"$work/snapshot"
  sleep "$interval"
done
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
cpu_after=$(metrics_cpu)
quantiles() {  # median and p99 of a column of seconds, in ms
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    p99 = int(NR * 0.99); if (p99 < 1) p99 = 1
    printf "median_ms=%.3f p99_ms=%.3f", v[int((NR + 1) / 2)] * 1000, v[p99] * 1000 }'
}
echo "scrapes=$scrapes failed=$failed bytes=$(wc -c <"$work/body")" \
     "samples=$(grep -vc '^#' "$work/body") latency: $(quantiles "$work/latency")" \
     "first_byte: $(quantiles "$work/first_byte")" \
     "loop_snapshot: $(quantiles "$work/snapshot")" \
     "metrics_thread_cpu_s=$(echo "scale=3; ($cpu_after - $cpu_before) / $(getconf CLK_TCK)" | bc)" \
     "over_s=$(printf %.1f "$elapsed")"
