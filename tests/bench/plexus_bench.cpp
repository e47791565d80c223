// plexus-bench: fan-out throughput and latency of a real node. Runs plexus-node in this process
// with an in-process publisher, spawns N real module processes built on the SDK
// (plexus-bench-module, or --module-exec), publishes E events of one type (--type) with an
// S-byte payload from its own thread (optionally at R events/s, for 5 s unless --events says
// otherwise), waits until every module handled them and prints one line:
//   system=plexus modules=N events=E size=S type=T delivered=D secs=T delivered_per_s=X
//   p50_us= p90_us= p99_us= p999_us= max_us= worst_p50_us= worst_p99_us= dropped=K
// Latency is send-to-handler on the steady clock: the publishing thread stamps each event
// just before Publisher::publishAsync (bench_event.h) and each module records every latency
// in a histogram it reports at the end (latency_histogram.h); p50..max are over all modules'
// latencies merged, worst_* the worst module's percentile (as the peer baselines report it).
// With --stop-module, module 0 (drop policy) is SIGSTOPped for the run; the line then also
// gives its channel_full and the node's RSS growth, and `delivered` counts the other modules.
// With --critical-every N, a stamped ChainReorg (critical priority) follows every Nth event; a
// second line gives their publish-to-handler-start latency and how many were dropped:
//   critical: published=C received=R dropped=K critical_lane_full=F p50_us= p99_us= max_us=
// With --remote the modules connect as remote modules over CURVE on loopback TCP
// (remote_modules.h). plexus-bench --help gives the options and what a --module-exec module
// must do.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_event.h"
#include "bench_node.h"
#include "bench_options.h"
#include "catch_up_bench.h"
#include "cpu_profile.h"
#include "latency_histogram.h"
#include "plexus/host/node.h"
#include "plexus/ipc/event_types.h"
#include "remote_modules.h"
#include "runtime/logging.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using plexus::bench::Options;

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);  // polling interval
  }
  return condition();
}

}  // namespace

namespace {

// The --filter comparison: module 0 (filtered) against the median of the others (unfiltered).
void printFilterLine(const plexus::bench::Options& options, const std::vector<std::string>& ids,
                     const plexus::v1::StatsResponse& stats,
                     const plexus::bench::CpuProfile& before,
                     const plexus::bench::CpuProfile& after, std::uint64_t received,
                     std::uint64_t matches) {
  auto processCpu = [&](const std::string& id) {
    double seconds = 0;
    for (const auto& [thread, used] : after) {
      if (thread.process != id) continue;
      auto earlier = before.find(thread);
      seconds += used - (earlier == before.end() ? 0.0 : earlier->second);
    }
    return seconds;
  };
  std::vector<double> others;
  for (std::size_t i = 1; i < ids.size(); ++i)
    others.push_back(processCpu(ids[i]));
  std::sort(others.begin(), others.end());
  const double unfiltered = others[others.size() / 2];
  const double filtered = processCpu(ids[0]);
  std::uint64_t turnedAway = 0, dropped = 0;
  for (const auto& s : stats.modules()) {
    if (s.module_id() != ids[0]) continue;
    turnedAway = s.filtered();
    dropped = s.channel_full();
  }
  std::printf(
      "filter: filter='%s' received=%lu matches=%lu filtered=%lu dropped=%lu cpu_s=%.3f "
      "unfiltered_cpu_s=%.3f cpu_ratio=%.3f\n",
      options.filter.c_str(), received, matches, turnedAway, dropped, filtered, unfiltered,
      unfiltered > 0 ? filtered / unfiltered : 0.0);
}

// The --critical-every line: every module's critical events (ChainReorg) merged.
void printCriticalLine(const std::vector<std::string>& ids, const std::filesystem::path& dir,
                       const plexus::v1::StatsResponse& stats, std::uint64_t published) {
  plexus::bench::LatencyHistogram latencies;
  std::uint64_t received = 0, criticalFull = 0;
  for (const auto& id : ids) {
    if (auto report = plexus::bench::readReport(dir / (id + ".out.critical"))) {
      received += report->received;
      latencies.merge(report->latencies);
    }
  }
  for (const auto& s : stats.modules()) {
    for (const auto& lane : s.lanes()) {
      if (lane.lane() == plexus::v1::LANE_CRITICAL) criticalFull += lane.channel_full();
    }
  }
  const std::uint64_t expected = published * ids.size();
  auto us = [](std::int64_t ns) { return static_cast<double>(ns) / 1e3; };
  std::printf(
      "critical: published=%lu received=%lu dropped=%lu critical_lane_full=%lu p50_us=%.1f "
      "p99_us=%.1f max_us=%.1f\n",
      published, received, expected > received ? expected - received : 0, criticalFull,
      us(latencies.percentile(0.50)), us(latencies.percentile(0.99)), us(latencies.max()));
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = plexus::bench::parseOptions(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  plexus::host::configureLogging("warn", {});
  if (options.catchUp) return plexus::bench::runCatchUp(options);
  const auto dir = std::filesystem::path("/tmp") / ("plexus-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  plexus::v1::NodeConfig config;
  config.mutable_timings()->set_block_timeout_ms(600000);  // a lossless run never times out
  config.mutable_timings()->set_stats_log_interval_ms(3600000);
  config.mutable_timings()->set_shutdown_grace_ms(2000);
  config.mutable_timings()->set_kill_after_ms(500);
  config.set_metrics_listen(options.metricsListen);
  if (options.journal) {
    config.mutable_journal()->set_path((dir / "journal").string());
    config.mutable_journal()->add_types(options.type);
    if (options.journalFullSync) config.mutable_journal()->set_sync(plexus::v1::JOURNAL_SYNC_FULL);
  } else {
    config.mutable_journal()->set_disabled(true);  // as the peers: nothing on disk
  }
  std::vector<std::string> ids;
  for (std::uint32_t i = 0; i < options.modules; ++i) {
    auto* module = config.add_module();
    ids.push_back("bench-" + std::to_string(i));
    module->set_name(ids.back());
    module->set_exec(options.moduleExec);
    module->set_channel_capacity(options.capacity);
    // A stopped module can only lose what it cannot hold: module 0 stays on the drop policy
    // with --stop-module, whatever --policy says for the others.
    const bool stopped = options.stopModule && i == 0;
    module->set_policy(options.block && !stopped ? plexus::v1::DELIVERY_POLICY_BLOCK
                                                 : plexus::v1::DELIVERY_POLICY_DROP);
    module->set_restart(plexus::v1::RESTART_POLICY_NEVER);
    (*module->mutable_settings())["out"] = (dir / (ids.back() + ".out")).string();
    (*module->mutable_settings())["expect"] = std::to_string(options.events);
    (*module->mutable_settings())["type"] = std::to_string(static_cast<int>(options.type));
    if (i == 0 && !options.filter.empty()) (*module->mutable_settings())["filter"] = options.filter;
    (*module->mutable_settings())["handler_us"] = std::to_string(options.handlerUs);
    if (options.criticalEvery > 0) (*module->mutable_settings())["critical"] = "1";
  }

  // --remote: declared before the node, so its modules are killed after the node shut down.
  std::optional<plexus::bench::RemoteModules> remote;
  std::unique_ptr<plexus::bench::BenchNode> bench;
  try {
    if (options.remote) {
      // A bare name, as the node resolves one: next to this executable.
      std::filesystem::path exec = options.moduleExec;
      if (exec.is_relative())
        exec = std::filesystem::read_symlink("/proc/self/exe").parent_path() / exec;
      remote.emplace(config, dir, exec);
    }
    bench = std::make_unique<plexus::bench::BenchNode>(config, dir / "run", options.layout);
    if (remote) remote->start();
  } catch (const std::exception& e) {
    std::cerr << "plexus-bench: " << e.what() << "\n";
    return 1;
  }
  plexus::host::Node* node = &bench->node();
  auto call = [&](auto fill) { return bench->call(fill); };
  auto modules = [&] { return call([](auto& r) { r.mutable_modules(); }).modules(); };
  auto stats = [&] { return call([](auto& r) { r.mutable_stats(); }).stats(); };
  // (module id, pid) of every module process, in configuration order.
  auto modulePidsNow = [&] {
    if (remote) return remote->pids();
    std::vector<std::pair<std::string, int>> pids;
    const auto list = modules();
    for (const auto& m : list.modules())
      pids.emplace_back(m.module_id(), m.pid());
    return pids;
  };
  int exitCode = 0;
  auto fail = [&](const std::string& why) {
    std::cerr << "plexus-bench: " << why << "\n";
    exitCode = 1;
  };

  const bool ready = waitFor(
      [&] {
        const auto list = modules();
        if (list.modules_size() != static_cast<int>(options.modules)) return false;
        for (const auto& m : list.modules()) {
          if (m.state() != plexus::v1::MODULE_STATE_READY) return false;
        }
        return true;
      },
      30s);
  int stoppedPid = 0;
  if (!ready) {
    fail("the bench modules did not become ready");
  } else if (options.idleSeconds > 0) {
    const auto modulePids = modulePidsNow();
    auto total = [&] { return plexus::bench::totalSeconds(plexus::bench::cpuProfile(modulePids)); };
    const double before = total();
    std::this_thread::sleep_for(std::chrono::seconds(options.idleSeconds));  // the measurement
    const double used = total() - before;
    std::printf("system=plexus idle modules=%u secs=%u cpu_seconds=%.3f cpu_percent=%.2f\n",
                options.modules, options.idleSeconds, used,
                100.0 * used / static_cast<double>(options.idleSeconds));
  } else {
    if (options.stopModule) {
      stoppedPid = modulePidsNow().front().second;
      ::kill(stoppedPid, SIGSTOP);
    }
    const std::uint64_t rssBefore = plexus::bench::rssKb();
    const auto modulePids = modulePidsNow();
    const auto cpuBefore = plexus::bench::cpuProfile(modulePids);
    plexus::bench::BenchEvent event(options.type, options.size);
    std::uint64_t matches = 0, criticalPublished = 0;
    std::optional<plexus::bench::BenchEvent> criticalEvent;
    if (options.criticalEvery > 0) criticalEvent.emplace(plexus::v1::EVENT_TYPE_CHAIN_REORG, 64);
    if (options.matchEvery > 0 && !event.setUint64(options.matchField, 1)) {
      fail("--match-field: the payload has no uint64 field " + options.matchField);
    }
    std::atomic<std::uint64_t> resolved{0}, timedOut{0};
    auto onDone = [&](const plexus::host::PublishReport& report) {
      timedOut += report.timedOut;
      resolved.fetch_add(1, std::memory_order_release);
    };
    const auto t0 = Clock::now();
    for (std::uint64_t e = 0; e < options.events; ++e) {
      if (options.rate > 0) {
        auto due = t0 + std::chrono::nanoseconds(e * 1'000'000'000ULL / options.rate);
        if (Clock::now() < due) std::this_thread::sleep_until(due);
      }
      if (options.matchEvery > 0) {
        const bool match = e % options.matchEvery == 0;
        matches += match ? 1 : 0;
        (void)event.setUint64(options.matchField, match ? 1000 : 1);
      }
      // The send stamp, taken on this (the bench's own) thread just before publishing.
      const auto& stamped = event.stamped(plexus::bench::steadyNowNs());
      if (!node->publisher().publishAsync(stamped, onDone)) {
        fail("publish refused");
        break;
      }
      if (criticalEvent && (e + 1) % options.criticalEvery == 0) {
        ++criticalPublished;
        if (!node->publisher().publishAsync(criticalEvent->stamped(plexus::bench::steadyNowNs()),
                                            onDone)) {
          fail("publish refused");
          break;
        }
      }
    }
    waitFor(
        [&] {
          return resolved.load(std::memory_order_acquire) == options.events + criticalPublished;
        },
        600s);
    // Everything accepted was handled: then the end marker finds room everywhere.
    waitFor(
        [&] {
          const auto current = stats();
          for (const auto& s : current.modules()) {
            if (options.stopModule && s.module_id() == ids[0]) continue;
            if (s.queued() + s.in_flight() > 0) return false;
          }
          return true;
        },
        600s);
    plexus::v1::Event marker;
    marker.set_type(plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED);
    marker.mutable_broadcast_completed()->set_broadcast_id("end");
    (void)node->publisher().publish(marker);
    std::uint64_t delivered = 0, firstReceived = 0;
    plexus::bench::LatencyHistogram latencies;
    std::int64_t worstP50 = 0;
    std::int64_t worstP99 = 0;
    for (std::size_t i = options.stopModule ? 1 : 0; i < ids.size(); ++i) {
      const auto path = dir / (ids[i] + ".out");
      if (!waitFor([&] { return std::filesystem::exists(path); }, 60s)) {
        fail(ids[i] + " never reported");
        continue;
      }
      const auto report = plexus::bench::readReport(path);
      if (!report) {
        fail(ids[i] + "'s report is malformed");
        continue;
      }
      delivered += report->received;
      if (i == 0) firstReceived = report->received;
      latencies.merge(report->latencies);
      worstP50 = std::max(worstP50, report->latencies.percentile(0.50));
      worstP99 = std::max(worstP99, report->latencies.percentile(0.99));
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::uint64_t rssAfter = plexus::bench::rssKb();
    std::uint64_t dropped = 0, stoppedFull = 0;
    const auto final = stats();
    for (const auto& s : final.modules()) {
      if (options.stopModule && s.module_id() == ids[0]) {
        stoppedFull = s.channel_full();
      } else {
        dropped += s.channel_full();
      }
    }
    if (options.block && (dropped > 0 || timedOut > 0)) fail("a block-policy run dropped events");
    const auto status = call([](auto& r) { r.mutable_status(); }).status();
    std::fprintf(stderr, "plexus-bench: %lu events sent in %lu batches (mean %.1f per batch)\n",
                 status.events_sent(), status.batches_sent(),
                 status.batches_sent() ? static_cast<double>(status.events_sent()) /
                                             static_cast<double>(status.batches_sent())
                                       : 0.0);
    auto us = [](std::int64_t ns) { return static_cast<double>(ns) / 1e3; };
    std::printf(
        "system=plexus modules=%u events=%lu size=%zu type=%s delivered=%lu secs=%.3f "
        "delivered_per_s=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
        "worst_p50_us=%.1f worst_p99_us=%.1f dropped=%lu",
        options.modules, options.events, options.size,
        plexus::ipc::displayName(options.type).c_str(), delivered, secs,
        static_cast<double>(delivered) / secs, us(latencies.percentile(0.50)),
        us(latencies.percentile(0.90)), us(latencies.percentile(0.99)),
        us(latencies.percentile(0.999)), us(latencies.max()), us(worstP50), us(worstP99), dropped);
    if (options.stopModule) {
      std::printf(" stopped_channel_full=%lu rss_growth_kb=%ld", stoppedFull,
                  static_cast<long>(rssAfter) - static_cast<long>(rssBefore));
    }
    std::printf("\n");
    std::fflush(stdout);
    if (!options.filter.empty()) {
      printFilterLine(options, ids, final, cpuBefore, plexus::bench::cpuProfile(modulePids),
                      firstReceived, matches);
      if (options.matchEvery > 0 && firstReceived != matches) {
        fail("the filtered module missed matching events");
      }
    }
    if (criticalEvent) printCriticalLine(ids, dir, final, criticalPublished);
    if (options.journal) {
      // What the journal thread made of the run (it may still be committing the last group).
      const auto journal = call([](auto& r) { r.mutable_journal(); }).journal();
      std::printf(
          "journal: sync=%s journaled=%lu overflow=%lu unjournaled=%lu committed_through=%lu "
          "groups=%lu mean_group=%.1f failures=%lu\n",
          journal.sync().c_str(), journal.journaled(), journal.overflow(), journal.unjournaled(),
          journal.committed_through(), journal.groups(),
          journal.groups() ? static_cast<double>(journal.committed_through()) /
                                 static_cast<double>(journal.groups())
                           : 0.0,
          journal.failures());
      std::fflush(stdout);
    }
    if (options.profile) {
      plexus::bench::printProfile(cpuBefore, plexus::bench::cpuProfile(modulePids), secs,
                                  delivered);
    }
  }
  if (stoppedPid > 0) ::kill(stoppedPid, SIGCONT);
  bench.reset();
  std::filesystem::remove_all(dir);
  return exitCode;
}
