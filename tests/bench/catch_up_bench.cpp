#include "catch_up_bench.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "bench_event.h"
#include "bench_node.h"
#include "cpu_profile.h"

namespace plexus::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Polls `condition` every millisecond until it holds or `timeout` passes, calling `each` too.
template <class Condition, class Each>
bool pollUntil(Condition condition, Each each, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    each();
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);  // polling interval
  }
  return condition();
}

}  // namespace

int runCatchUp(const Options& options) {
  const auto dir = std::filesystem::path("/tmp") / ("plexus-catchup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  v1::NodeConfig config;
  config.mutable_timings()->set_stats_log_interval_ms(3600000);
  config.mutable_journal()->set_path((dir / "journal").string());
  config.mutable_journal()->add_types(options.type);
  auto* module = config.add_module();
  module->set_name("durable");
  module->set_exec(options.moduleExec);
  module->set_channel_capacity(options.capacity);
  module->set_policy(v1::DELIVERY_POLICY_BLOCK);
  module->set_restart(v1::RESTART_POLICY_NEVER);
  module->set_disabled(true);  // started once the events are journaled
  module->set_durable(true);
  module->set_start(v1::DURABLE_START_ALL);
  (*module->mutable_settings())["out"] = (dir / "durable.out").string();
  (*module->mutable_settings())["type"] = std::to_string(static_cast<int>(options.type));
  int exitCode = 0;
  {
    BenchNode bench(config, dir / "run");
    std::atomic<std::uint64_t> resolved{0};
    BenchEvent event(options.type, options.size);
    auto journal = [&] { return bench.call([](auto& r) { r.mutable_journal(); }).journal(); };
    // Everything handed to the journal is written (no module runs: the loop only journals).
    auto settled = [&](std::uint64_t published) {
      if (resolved.load(std::memory_order_acquire) != published) return false;
      const auto now = journal();
      return now.queued() == 0 && now.committed_through() + 1 >= now.next_offset();
    };
    // In slices the journal thread keeps up with: every event journaled, none a hole.
    constexpr std::uint64_t kSlice = 20'000;
    for (std::uint64_t e = 0; e < options.events; ++e) {
      // Waits while the in-process queue is full.
      if (!bench.node().publisher().publishAsync(event.stamped(steadyNowNs()), [&](auto&) {
            resolved.fetch_add(1, std::memory_order_release);
          })) {
        std::cerr << "plexus-bench: publish refused\n";
        return 1;
      }
      if ((e + 1) % kSlice == 0 && !pollUntil([&] { return settled(e + 1); }, [] {}, 60s)) {
        std::cerr << "plexus-bench: the journal did not keep up\n";
        return 1;
      }
    }
    if (!pollUntil([&] { return settled(options.events); }, [] {}, 60s)) {
      std::cerr << "plexus-bench: the journal did not write the events\n";
      return 1;
    }
    const auto written = journal();
    if (written.journaled() != options.events) {
      std::cerr << "plexus-bench: " << written.journaled() << " of " << options.events
                << " events journaled (overflow " << written.overflow() << ")\n";
      return 1;
    }
    const std::uint64_t rssBefore = rssKb();
    std::uint64_t rssPeak = rssBefore;
    auto handled = [&] {
      const v1::ControlResponse response = bench.call([](auto& r) { r.mutable_stats(); });
      for (const auto& s : response.stats().modules()) {
        if (s.module_id() == "durable") return s;
      }
      return v1::DeliveryStats();
    };
    const auto t0 = Clock::now();
    v1::ControlRequest load;
    load.mutable_load()->mutable_module()->set_name("durable");
    (void)bench.call([&](auto& r) { r = load; });
    // --saturate: publishers keep the journal thread's queue full while the module catches up
    // (each publish waits for room: a durable module subscribes to the type).
    std::atomic<bool> stopPublishing{false};
    std::atomic<std::uint64_t> published{0};
    std::thread saturating;
    if (options.saturate) {
      saturating = std::thread([&] {
        BenchEvent more(options.type, options.size);
        while (!stopPublishing.load(std::memory_order_relaxed)) {
          if (!bench.node().publisher().publishAsync(more.stamped(steadyNowNs()), [](auto&) {}))
            break;
          published.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    v1::DeliveryStats last;
    const bool caughtUp = pollUntil(
        [&] {
          last = handled();
          return last.acked() >= options.events;
        },
        [&] { rssPeak = std::max(rssPeak, rssKb()); }, 300s);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    stopPublishing = true;
    if (saturating.joinable()) saturating.join();
    if (!caughtUp) {
      std::cerr << "plexus-bench: the durable module did not catch up (acked " << last.acked()
                << ")\n";
      exitCode = 1;
    }
    std::printf(
        "catch-up: events=%lu size=%zu type=%d capacity=%u secs=%.3f events_per_s=%.0f "
        "rss_before_kb=%lu rss_peak_growth_kb=%lu replayed=%lu channel_full=%lu "
        "saturating_published_per_s=%.0f\n",
        options.events, options.size, static_cast<int>(options.type), options.capacity, secs,
        static_cast<double>(last.acked()) / secs, rssBefore, rssPeak - rssBefore, last.replayed(),
        last.channel_full(), static_cast<double>(published.load()) / secs);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
  return exitCode;
}

}  // namespace plexus::bench
