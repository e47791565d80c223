// plexus-bench: fan-out throughput and latency of a real node. Runs plexus-node in this process
// with an in-process publisher, spawns N real module processes built on the SDK
// (plexus-bench-module), publishes E events with an S-byte payload (optionally at R events/s),
// waits until every module handled them and prints one line:
//   system=plexus modules=N events=E size=S delivered=D secs=T delivered_per_s=X p50_us=A
//   p99_us=B dropped=K
// Latency is publish-to-handler on the monotonic clock, measured in the modules (the worst
// module's percentile, as the peer baselines report it). With --stop-module, module 0 (drop
// policy) is SIGSTOPped for the run; the line then also gives its channel_full and the node's
// RSS growth, and `delivered` counts the other modules.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plexus/ctl/control_client.h"
#include "plexus/host/node.h"
#include "runtime/logging.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::uint32_t modules = 4;
  std::uint64_t events = 200000;
  std::size_t size = 256;
  std::uint64_t rate = 0;  // events/s, 0 = as fast as possible
  std::uint32_t capacity = 100;
  bool block = false;
  bool stopModule = false;
  bool profile = false;
  std::uint32_t idleSeconds = 0;  // measure an idle node instead of publishing
  plexus::ipc::BodyLayout layout = plexus::ipc::BodyLayout::Packed;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr
      << "plexus-bench: " << problem << "\n"
      << "usage: plexus-bench --modules N --events E --size S [--rate R] [--capacity C]\n"
      << "                    [--policy drop|block] [--stop-module] [--layout packed|frames]\n"
      << "                    [--profile]   (CPU seconds per host thread and module process)\n"
      << "       plexus-bench --modules N --idle SECONDS   (CPU of an idle node and its modules)\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> std::uint64_t {
      std::string v = value();
      try {
        return std::stoull(v);
      } catch (...) {
        // NOLINTNEXTLINE(performance-inefficient-string-concatenation): the error path, once
        usage(arg + ": '" + v + "' is not a number");
      }
    };
    if (arg == "--modules")
      o.modules = static_cast<std::uint32_t>(number());
    else if (arg == "--events")
      o.events = number();
    else if (arg == "--size")
      o.size = number();
    else if (arg == "--rate")
      o.rate = number();
    else if (arg == "--capacity")
      o.capacity = static_cast<std::uint32_t>(number());
    else if (arg == "--policy") {
      std::string v = value();
      if (v != "drop" && v != "block") usage("--policy is drop or block");
      o.block = v == "block";
    } else if (arg == "--layout") {
      std::string v = value();
      if (v != "packed" && v != "frames") usage("--layout is packed or frames");
      o.layout =
          v == "packed" ? plexus::ipc::BodyLayout::Packed : plexus::ipc::BodyLayout::SharedFrames;
    } else if (arg == "--stop-module")
      o.stopModule = true;
    else if (arg == "--profile")
      o.profile = true;
    else if (arg == "--idle")
      o.idleSeconds = static_cast<std::uint32_t>(number());
    else
      usage("unknown argument '" + arg + "'");
  }
  if (o.modules == 0 || o.events == 0 || o.capacity == 0) usage("modules, events, capacity > 0");
  if (o.size < 8) o.size = 8;
  return o;
}

std::uint64_t rssKb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// CPU seconds (user + system) of a process or thread from its /proc stat file.
double cpuSeconds(const std::filesystem::path& stat) {
  std::ifstream in(stat);
  std::string line;
  if (!std::getline(in, line)) return 0;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds per host thread name (this process) and per module process, including threads.
std::map<std::string, double> cpuProfile(const std::vector<std::pair<std::string, int>>& modules) {
  std::map<std::string, double> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string name;
    std::ifstream(task.path() / "comm") >> name;
    out["host:" + name] += cpuSeconds(task.path() / "stat");
  }
  for (const auto& [id, pid] : modules) {
    const auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
      std::string name;
      std::ifstream(task.path() / "comm") >> name;
      out["module:" + name] += cpuSeconds(task.path() / "stat");
    }
  }
  return out;
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);  // polling interval
  }
  return condition();
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  plexus::host::configureLogging("warn", {});
  const auto dir = std::filesystem::path("/tmp") / ("plexus-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  plexus::v1::NodeConfig config;
  config.mutable_timings()->set_block_timeout_ms(600000);  // a lossless run never times out
  config.mutable_timings()->set_stats_log_interval_ms(3600000);
  config.mutable_timings()->set_shutdown_grace_ms(2000);
  config.mutable_timings()->set_kill_after_ms(500);
  std::vector<std::string> ids;
  for (std::uint32_t i = 0; i < options.modules; ++i) {
    auto* module = config.add_module();
    ids.push_back("bench-" + std::to_string(i));
    module->set_name(ids.back());
    module->set_exec("plexus-bench-module");
    module->set_channel_capacity(options.capacity);
    // A stopped module can only lose what it cannot hold: module 0 stays on the drop policy
    // with --stop-module, whatever --policy says for the others.
    const bool stopped = options.stopModule && i == 0;
    module->set_policy(options.block && !stopped ? plexus::v1::DELIVERY_POLICY_BLOCK
                                                 : plexus::v1::DELIVERY_POLICY_DROP);
    module->set_restart(plexus::v1::RESTART_POLICY_NEVER);
    (*module->mutable_settings())["out"] = (dir / (ids.back() + ".out")).string();
    (*module->mutable_settings())["expect"] = std::to_string(options.events);
  }

  std::promise<plexus::host::Node*> started;
  auto startedFuture = started.get_future();
  std::thread nodeThread([&] {
    try {
      plexus::host::Node::Options nodeOptions;
      nodeOptions.config = config;
      nodeOptions.runtimeDir = dir / "run";
      nodeOptions.bodyLayout = options.layout;
      plexus::host::Node node(std::move(nodeOptions));
      started.set_value(&node);
      node.run();  // modules are spawned from this thread: it lives as long as they do
    } catch (...) {
      started.set_exception(std::current_exception());
    }
  });
  plexus::host::Node* node = nullptr;
  try {
    node = startedFuture.get();
  } catch (const std::exception& e) {
    std::cerr << "plexus-bench: cannot start the node: " << e.what() << "\n";
    nodeThread.join();
    return 1;
  }

  plexus::ctl::ControlClient control(dir / "run");
  auto call = [&](auto fill) {
    plexus::v1::ControlRequest request;
    fill(request);
    auto response = control.call(request, 10s);
    return response.ok() ? *response : plexus::v1::ControlResponse();
  };
  auto modules = [&] { return call([](auto& r) { r.mutable_modules(); }).modules(); };
  auto stats = [&] { return call([](auto& r) { r.mutable_stats(); }).stats(); };
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
    std::vector<std::pair<std::string, int>> modulePids;
    const auto running = modules();
    for (const auto& m : running.modules())
      modulePids.emplace_back(m.module_id(), m.pid());
    auto total = [&] {
      double sum = 0;
      for (const auto& [name, seconds] : cpuProfile(modulePids))
        sum += seconds;
      return sum;
    };
    const double before = total();
    std::this_thread::sleep_for(std::chrono::seconds(options.idleSeconds));  // the measurement
    const double used = total() - before;
    std::printf("system=plexus idle modules=%u secs=%u cpu_seconds=%.3f cpu_percent=%.2f\n",
                options.modules, options.idleSeconds, used,
                100.0 * used / static_cast<double>(options.idleSeconds));
  } else {
    if (options.stopModule) {
      stoppedPid = modules().modules(0).pid();
      ::kill(stoppedPid, SIGSTOP);
    }
    const std::uint64_t rssBefore = rssKb();
    std::vector<std::pair<std::string, int>> modulePids;
    const auto running = modules();
    for (const auto& m : running.modules())
      modulePids.emplace_back(m.module_id(), m.pid());
    const auto cpuBefore = cpuProfile(modulePids);
    plexus::v1::Event event;
    event.set_type(plexus::v1::EVENT_TYPE_MESSAGE_RECEIVED);
    event.mutable_message_received()->set_peer_id("bench");
    event.mutable_message_received()->set_command("bench");
    event.mutable_message_received()->set_payload(std::string(options.size, 'x'));
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
      if (!node->publisher().publishAsync(event, onDone)) {
        fail("publish refused");
        break;
      }
    }
    waitFor([&] { return resolved.load(std::memory_order_acquire) == options.events; }, 600s);
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
    std::uint64_t delivered = 0;
    std::int64_t p50 = 0, p99 = 0;
    for (std::size_t i = options.stopModule ? 1 : 0; i < ids.size(); ++i) {
      const auto path = dir / (ids[i] + ".out");
      if (!waitFor(
              [&] { return std::filesystem::exists(path) && std::filesystem::file_size(path) > 0; },
              60s)) {
        fail(ids[i] + " never reported");
        continue;
      }
      std::uint64_t received = 0, droppedSeen = 0;
      std::int64_t a = 0, b = 0;
      std::ifstream(path) >> received >> a >> b >> droppedSeen;
      delivered += received;
      p50 = std::max(p50, a);
      p99 = std::max(p99, b);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::uint64_t rssAfter = rssKb();
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
    std::printf(
        "system=plexus modules=%u events=%lu size=%zu delivered=%lu secs=%.3f delivered_per_s=%.0f "
        "p50_us=%.1f p99_us=%.1f dropped=%lu",
        options.modules, options.events, options.size, delivered, secs,
        static_cast<double>(delivered) / secs, static_cast<double>(p50) / 1e3,
        static_cast<double>(p99) / 1e3, dropped);
    if (options.stopModule) {
      std::printf(" stopped_channel_full=%lu rss_growth_kb=%ld", stoppedFull,
                  static_cast<long>(rssAfter) - static_cast<long>(rssBefore));
    }
    std::printf("\n");
    std::fflush(stdout);
    if (options.profile) {
      double total = 0;
      for (const auto& [name, after] : cpuProfile(modulePids)) {
        auto before = cpuBefore.count(name) ? cpuBefore.at(name) : 0.0;
        total += after - before;
        std::fprintf(stderr, "profile: %-22s %6.2f s cpu\n", name.c_str(), after - before);
      }
      std::fprintf(stderr, "profile: %-22s %6.2f s cpu in %.2f s (%.2f us per delivered event)\n",
                   "total", total, secs,
                   delivered ? total * 1e6 / static_cast<double>(delivered) : 0);
    }
  }
  if (stoppedPid > 0) ::kill(stoppedPid, SIGCONT);
  node->requestShutdown();
  nodeThread.join();
  std::filesystem::remove_all(dir);
  return exitCode;
}
