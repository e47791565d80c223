#pragma once

// plexus-bench --catch-up: issue 13's catch-up target. Journals --events events of --type with
// no module running, then starts one durable block-policy module (start: everything the journal
// holds) and times how long it takes to handle them all, polling the node's RSS meanwhile:
//   catch-up: events=E size=S secs=T events_per_s=X rss_before_kb= rss_peak_growth_kb=
//   replayed= channel_full=
// Compare events_per_s with `plexus-bench --modules 1 --policy block --journal` (live) of the
// same size and type, in the same sitting.

#include "bench_options.h"

namespace plexus::bench {

int runCatchUp(const Options& options);  // the process's exit status

}  // namespace plexus::bench
