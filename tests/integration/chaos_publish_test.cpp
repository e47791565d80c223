// Chaos around waiting block publishes (issue 10, items 1 and 2), bounded in time: two modules
// publish to two small, slow block-policy subscribers while the subscribers are reloaded and
// SIGKILLed and the publishers are SIGKILLed and reloaded, so publishes wait across every kind
// of restart. Afterwards:
// - every publish answered success was taken by every block subscriber: each such event was
//   handled there, or is among what the subscriber lost when an incarnation died;
// - no answer reached a publisher incarnation other than the one that asked: within each
//   incarnation of the hand-written publisher, every correlation id is answered at most once,
//   and only ids it used.

#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "hostile_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kSubscribers = {"lossless1", "lossless2"};

// The lines of `report` split at each line starting with `marker` (the lines before the first
// one are dropped).
std::vector<std::vector<std::string>> segments(const std::filesystem::path& report,
                                               const std::string& marker) {
  std::vector<std::vector<std::string>> out;
  for (auto& line : readLines(report)) {
    if (line.rfind(marker, 0) == 0) out.emplace_back();
    if (!out.empty()) out.back().push_back(line);
  }
  return out;
}

// Heights the probe publisher was answered success for while both block subscribers were
// subscribed ("publish ok 2": at start-up one may not be yet, and is then not routed to): its
// i-th answer in incarnation k is for height k * 1000000 + i (--tag-incarnation).
std::set<std::uint64_t> answeredOk(const std::filesystem::path& report) {
  std::set<std::uint64_t> ok;
  for (const auto& segment : segments(report, "connected ")) {
    const std::uint64_t incarnation = std::stoull(segment[0].substr(10));
    std::uint64_t answers = 0;
    for (const auto& line : segment) {
      if (line.rfind("publish ok", 0) == 0) {
        ++answers;
        if (line == "publish ok 2") ok.insert(incarnation * 1000000 + answers);
      } else if (line.rfind("publish ERROR", 0) == 0) {
        ++answers;
      }
    }
  }
  return ok;
}

// The heights of NewBlocks from `source` that a probe handled, over all its incarnations.
std::set<std::uint64_t> handled(const std::filesystem::path& report, const std::string& source) {
  std::set<std::uint64_t> out;
  for (const auto& line : readLines(report)) {
    std::istringstream in(line);
    std::string word, lane, seq, dropped, type, from, detail;
    if (!(in >> word >> lane >> seq >> dropped >> type >> from >> detail)) continue;
    if (word == "event" && type == "NewBlock" && from == source) out.insert(std::stoull(detail));
  }
  return out;
}

TEST(ChaosPublishTest, SuccessMeansTakenByEveryBlockSubscriberAndAnswersReachOnlyTheAsker) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  TempDir dir;
  std::string config;
  for (const auto& id : kSubscribers) {
    // Room for one event, 3 ms each: the two publishers keep finding it full and waiting.
    ModuleSpec spec{id, {}, {"--report", (dir / (id + ".report")).string(), "--delay-ms", "3"}};
    spec.capacity = 1;
    spec.policy = "DELIVERY_POLICY_BLOCK";
    spec.restart = "RESTART_POLICY_ALWAYS";
    config += spec.text();
  }
  ModuleSpec probe{"pub",
                   {},
                   {"--report", (dir / "pub.report").string(), "--types", "none", "--publish",
                    "NewBlock:400", "--tag-incarnation"}};
  std::string script = "hello,subscribe";
  for (int i = 0; i < 200; ++i)
    script += ",publish:NewBlock";
  ModuleSpec raw{
      "raw", hostileBinary().string(), {"--report", (dir / "raw.report").string(), "--do", script}};
  for (ModuleSpec* publisher : {&probe, &raw}) {
    publisher->restart = "RESTART_POLICY_ALWAYS";
    publisher->extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
    config += publisher->text();
  }
  TestNode node(config,
                "  block_timeout_ms: 200\n  restart_backoff_initial_ms: 50\n"
                "  restart_backoff_max_ms: 400\n  crash_limit: 1000\n"
                "  shutdown_grace_ms: 1000\n  kill_after_ms: 500\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  // The chaos: an action every 100-250 ms for 6 s.
  int reloads = 0, kills = 0, publisherKills = 0;
  const auto chaosEnd = Clock::now() + 6s;
  while (Clock::now() < chaosEnd) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 150));  // pacing
    const auto action = random() % 5;
    const std::string id = action <= 1                  ? kSubscribers[random() % 2]
                           : action == 2 || action == 4 ? std::string("pub")
                                                        : std::string("raw");
    auto info = node.module(id);
    if (!info || info->pid() <= 0) continue;
    if (action == 0 || action == 4) {
      v1::ControlRequest reload;
      reload.mutable_reload()->set_module_id(id);
      ctl::ControlClient client(node.runtimeDir());
      (void)client.call(reload, 100ms);  // do not wait for readiness: chaos goes on
      ++reloads;
    } else {
      ::kill(info->pid(), SIGKILL);
      ++(action == 1 ? kills : publisherKills);
    }
  }
  RecordProperty("reloads", reloads);
  RecordProperty("kills", kills);
  RecordProperty("publisher_kills", publisherKills);

  // Settle: everyone ready, the publishers' current incarnations done, nothing in flight.
  ASSERT_TRUE(node.waitAllReady(30s)) << node.log();
  ASSERT_TRUE(waitFor(
      [&] {
        auto pub = segments(dir / "pub.report", "connected ");
        auto hostile = segments(dir / "raw.report", "handshake-ack ");
        auto has = [](const std::vector<std::string>& lines, const std::string& prefix) {
          return std::any_of(lines.begin(), lines.end(),
                             [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
        };
        return !pub.empty() && has(pub.back(), "stats ") && !hostile.empty() &&
               has(hostile.back(), "script-done");
      },
      60s))
      << node.log();
  ASSERT_TRUE(drainAndCheckInvariants(node, 30s)) << node.log();

  // Success means taken by every block subscriber: handled there, or lost with an incarnation.
  const auto ok = answeredOk(dir / "pub.report");
  EXPECT_FALSE(ok.empty());
  for (const auto& id : kSubscribers) {
    SCOPED_TRACE(id);
    const auto got = handled(dir / (id + ".report"), "pub");
    std::vector<std::uint64_t> missing;
    for (auto height : ok) {
      if (!got.contains(height)) missing.push_back(height);
    }
    const auto stats = *node.stats(id);
    EXPECT_LE(missing.size(), stats.lost())
        << missing.size() << " event(s) answered success never reached " << id
        << ", which lost only " << stats.lost() << "; first " << missing.front();
  }

  // Answers reach only the incarnation that asked.
  std::size_t answers = 0;
  for (const auto& segment : segments(dir / "raw.report", "handshake-ack ")) {
    SCOPED_TRACE(segment[0]);
    std::uint64_t asked = 0;
    std::set<std::uint64_t> answered;
    for (const auto& line : segment) {
      if (line == "action publish:NewBlock") ++asked;
      std::istringstream in(line);
      std::string kind, code;
      std::uint64_t correlation = 0;
      if (line.rfind("response ", 0) == 0) {
        in >> kind >> correlation;
      } else if (line.rfind("error ", 0) == 0) {
        in >> kind >> code >> correlation;
      }
      if (correlation == 0) continue;
      ++answers;
      EXPECT_TRUE(answered.insert(correlation).second) << "answered twice: " << line;
      EXPECT_LE(correlation, asked) << "an answer to a request it never sent: " << line;
    }
  }
  EXPECT_GT(answers, 0u);
  RecordProperty("connection_lost", static_cast<int>(countLines(node.log(), "connection lost")));

  auto status = node.stop(SIGTERM, 20s);
  ASSERT_TRUE(status.has_value());
  std::printf("chaos-publish: seed %u, %d reloads, %d kills, %d publisher kills, %zu ok, %zu raw\n",
              seed, reloads, kills, publisherKills, ok.size(), answers);
}

}  // namespace
}  // namespace plexus::test
