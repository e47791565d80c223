// Chaos under load, bounded in time: events flow at a steady rate to 6 modules while random
// modules are SIGKILLed, SIGSTOPped then SIGCONTed, and reloaded. Afterwards, for every
// module: both invariants hold; every incarnation's sequence numbers increase with gaps equal to
// the dropped_before it was told; the node's memory stayed bounded; no process leaked.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint64_t rssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// One probe process's part of a shared report (the probe runs with --tag-pid).
struct ProcessDeliveries {
  int incarnation = 0;
  std::vector<ProbeEvent> events;  // event lane, in report order
};

// The report of one module id, split by the process that wrote each line. Besides, every event
// line must come from a process that said "connected" and whose incarnation is still the newest
// connected one: an older incarnation delivering after a newer one connected would mean two
// processes of one module handled events at once. Returns the first such problem in `problem`.
std::map<long, ProcessDeliveries> deliveriesByProcess(const std::filesystem::path& report,
                                                      std::string& problem) {
  std::map<long, ProcessDeliveries> out;
  std::map<int, long> pidOfIncarnation;
  int newestIncarnation = 0;
  std::size_t lineNumber = 0;
  auto pidOf = [](const std::string& token) {
    return token.rfind("pid=", 0) == 0 ? std::stol(token.substr(4)) : -1L;
  };
  for (const auto& line : readLines(report)) {
    ++lineNumber;
    const std::string where = "line " + std::to_string(lineNumber) + " \"" + line + "\": ";
    std::istringstream in(line);
    std::string word;
    in >> word;
    if (word == "connected") {
      int incarnation = 0;
      std::uint32_t capacity = 0;
      std::string pidToken;
      if (!(in >> incarnation >> capacity >> pidToken)) continue;  // cut short by SIGKILL
      const long pid = pidOf(pidToken);
      if (problem.empty() && pidOfIncarnation.count(incarnation) != 0) {
        problem = where + "incarnation " + std::to_string(incarnation) + " connected twice";
      }
      pidOfIncarnation[incarnation] = pid;
      out[pid].incarnation = incarnation;
      newestIncarnation = std::max(newestIncarnation, incarnation);
    } else if (word == "event") {
      ProbeEvent e;
      std::string pidToken;
      if (!(in >> e.lane >> e.seq >> e.droppedBefore >> e.type >> e.source >> e.detail >>
            pidToken)) {
        continue;  // a line cut short by SIGKILL
      }
      const long pid = pidOf(pidToken);
      auto process = out.find(pid);
      if (process == out.end()) {
        if (problem.empty()) problem = where + "an event from a process that never connected";
        continue;
      }
      if (problem.empty() && process->second.incarnation < newestIncarnation) {
        problem = where + "incarnation " + std::to_string(process->second.incarnation) +
                  " still handled an event after incarnation " + std::to_string(newestIncarnation) +
                  " connected";
      }
      if (e.lane == 'E') process->second.events.push_back(e);
    }
  }
  return out;
}

TEST(ChaosTest, InvariantsSequencesMemoryAndProcessesSurviveKillsStopsAndReloads) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  TempDir dir;
  std::vector<std::string> ids;
  std::string config;
  for (int i = 1; i <= 6; ++i) {
    ids.push_back("chaos" + std::to_string(i));
    ModuleSpec spec{ids.back(),
                    {},
                    {"--report", (dir / (ids.back() + ".report")).string(), "--tag-pid",
                     "--delay-ms", i % 2 ? "1" : "0"}};
    spec.capacity = 20 + 10 * static_cast<std::uint32_t>(i);
    spec.restart = "RESTART_POLICY_ALWAYS";
    if (i <= 2) spec.policy = "DELIVERY_POLICY_BLOCK";  // lossless ones, stopped and killed too
    config += spec.text();
  }
  TestNode node(config,
                "  block_timeout_ms: 200\n  dead_timeout_ms: 1500\n  missed_heartbeats: 3\n"
                "  restart_backoff_initial_ms: 50\n  restart_backoff_max_ms: 400\n"
                "  crash_limit: 1000\n  shutdown_grace_ms: 1000\n  kill_after_ms: 500\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const std::uint64_t rssBefore = rssKb(node.pid());

  std::set<int> seenPids;
  auto notePids = [&] {
    for (const auto& info : node.modules()) {
      if (info.pid() > 0) seenPids.insert(info.pid());
    }
  };
  notePids();

  // Steady load from its own thread and control connection: 25 events every 10 ms.
  std::atomic<bool> publishing{true};
  std::atomic<std::uint64_t> published{0};
  std::thread publisher([&] {
    ctl::ControlClient client(node.runtimeDir());
    std::uint64_t height = 0;
    while (publishing) {
      v1::ControlRequest request;
      *request.mutable_publish()->mutable_event() = newBlock(++height);
      request.mutable_publish()->set_count(25);
      if (client.call(request, 5s).ok()) published += 25;
      std::this_thread::sleep_for(10ms);  // the rate, not synchronisation
    }
  });

  // The chaos: an action every 100-300 ms for 8 s.
  std::map<int, Clock::time_point> stopped;  // pid -> when to SIGCONT
  int kills = 0, stops = 0, reloads = 0;
  const auto chaosEnd = Clock::now() + 8s;
  while (Clock::now() < chaosEnd) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 200));  // pacing
    for (auto it = stopped.begin(); it != stopped.end();) {
      if (Clock::now() >= it->second) {
        ::kill(it->first, SIGCONT);
        it = stopped.erase(it);
      } else {
        ++it;
      }
    }
    notePids();
    const auto& id = ids[random() % ids.size()];
    auto info = node.module(id);
    if (!info || info->pid() <= 0) continue;
    switch (random() % 3) {
      case 0:
        ::kill(info->pid(), SIGKILL);
        ++kills;
        break;
      case 1:
        if (!stopped.count(info->pid())) {
          ::kill(info->pid(), SIGSTOP);
          // Some wake before the dead timeout, some are killed as hung first.
          stopped[info->pid()] = Clock::now() + std::chrono::milliseconds(100 + random() % 2400);
          ++stops;
        }
        break;
      default: {
        v1::ControlRequest reload;
        reload.mutable_reload()->set_module_id(id);
        ctl::ControlClient client(node.runtimeDir());
        (void)client.call(reload, 100ms);  // do not wait for readiness: chaos goes on
        ++reloads;
        break;
      }
    }
  }
  for (const auto& [pid, when] : stopped)
    ::kill(pid, SIGCONT);
  publishing = false;
  publisher.join();
  RecordProperty("kills", kills);
  RecordProperty("stops", stops);
  RecordProperty("reloads", reloads);
  EXPECT_GT(published.load(), 0u);

  // Settle: everyone ready again, nothing left in flight.
  ASSERT_TRUE(node.waitAllReady(30s)) << node.log();
  notePids();
  ASSERT_TRUE(node.publish(newBlock(999999), 10).has_publish());
  ASSERT_TRUE(drainAndCheckInvariants(node, 30s)) << node.log();
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    std::string problem;
    const auto byProcess = deliveriesByProcess(dir / (id + ".report"), problem);
    EXPECT_FALSE(byProcess.empty());
    EXPECT_EQ(problem, "");
    std::size_t delivered = 0;
    for (const auto& [pid, process] : byProcess) {
      delivered += process.events.size();
      std::uint64_t previous = 0;
      for (const auto& e : process.events) {
        ASSERT_EQ(e.seq, previous + 1 + e.droppedBefore)
            << "pid " << pid << ", incarnation " << process.incarnation
            << ": gap must equal dropped_before";
        previous = e.seq;
      }
    }
    EXPECT_GT(delivered, 0u);  // the lines were understood, not skipped
  }
  const std::uint64_t rssAfter = rssKb(node.pid());
  EXPECT_LT(rssAfter, rssBefore + std::uint64_t{32} * 1024)
      << "node RSS grew from " << rssBefore << " kB";

  auto status = node.stop(SIGTERM, 20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();
  for (int pid : seenPids)
    EXPECT_FALSE(processAlive(pid)) << "leaked module pid " << pid;
  std::printf("chaos: seed %u, %d kills, %d stops, %d reloads, %lu events published, %zu pids\n",
              seed, kills, stops, reloads, published.load(), seenPids.size());
}

}  // namespace
}  // namespace plexus::test
