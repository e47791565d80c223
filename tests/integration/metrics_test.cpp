// /metrics of the real node with real modules: on a quiet node every delivery number equals
// `plexusctl stats --json`; a reset does not lower the counters; promtool finds the text clean;
// a real Prometheus (Debian's package, started here on a port of its own) scrapes the node and
// its query API reports the same numbers; the control socket's refusals of plexusctl's requests
// are counted by reason; a metrics_listen that cannot bind stops the start.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "http_get.h"
#include "prometheus_server.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using Samples = std::map<std::string, double>;  // "name{labels}" -> value

Samples parseMetrics(const std::string& text) {
  Samples out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

const char* laneName(v1::Lane lane) {
  return lane == v1::LANE_CRITICAL ? "critical" : lane == v1::LANE_REPLAY ? "replay" : "event";
}

std::string key(const std::string& name, const std::string& module, const char* lane = nullptr) {
  std::string out = name + "{module=\"" + module + "\"";
  if (lane != nullptr) out += std::string(",lane=\"") + lane + "\"";
  return out + "}";
}

// The rows /metrics leaves out (docs/operations.md "Metric list"), restated: a critical lane
// before its first event; the journal families of a module without a replay lane or journal
// counts.
bool laneHasRows(const v1::LaneStats& l) {
  return l.lane() != v1::LANE_CRITICAL || l.routed() != 0 || l.max_held() != 0 || l.queued() != 0 ||
         l.in_flight() != 0 || l.blocked() != 0;
}

bool journalHasRows(const v1::DeliveryStats& m) {
  for (const v1::LaneStats& l : m.lanes())
    if (l.lane() == v1::LANE_REPLAY) return true;
  return m.replayed() != 0 || m.redelivered() != 0 || m.journal_holes() != 0 || m.trimmed() != 0;
}

// What /metrics must say for every module of a `stats --json` answer.
Samples expectedFrom(const v1::StatsResponse& stats) {
  Samples out;
  auto put = [&](const std::string& name, std::uint64_t value) {
    out[name] = static_cast<double>(value);
  };
  for (const v1::DeliveryStats& m : stats.modules()) {
    const std::string& id = m.module_id();
    for (const v1::LaneStats& l : m.lanes()) {
      if (!laneHasRows(l)) continue;
      const char* lane = laneName(l.lane());
      put(key("plexus_module_events_routed_total", id, lane), l.routed());
      put(key("plexus_module_events_successful_total", id, lane), l.successful());
      put(key("plexus_module_events_channel_full_total", id, lane), l.channel_full());
      put(key("plexus_module_events_failed_total", id, lane), l.failed());
      put(key("plexus_module_events_acked_total", id, lane), l.acked());
      put(key("plexus_module_events_lost_total", id, lane), l.lost());
      put(key("plexus_module_events_queued", id, lane), l.queued());
      put(key("plexus_module_events_in_flight", id, lane), l.in_flight());
      put(key("plexus_module_events_blocked", id, lane), l.blocked());
      put(key("plexus_module_channel_capacity", id, lane), l.capacity());
      put(key("plexus_module_lane_max_held", id, lane), l.max_held());
    }
    put(key("plexus_module_events_filtered_total", id), m.filtered());
    put(key("plexus_module_decode_errors_total", id), m.decode_errors());
    put(key("plexus_module_rejected_requests_total", id), m.rejected());
    if (journalHasRows(m)) {
      put(key("plexus_module_events_replayed_total", id), m.replayed());
      put(key("plexus_module_events_redelivered_total", id), m.redelivered());
      put(key("plexus_module_journal_holes_total", id), m.journal_holes());
      put(key("plexus_module_journal_trimmed_total", id), m.trimmed());
    }
    put(key("plexus_module_max_held", id), m.max_held());
    out[key("plexus_module_last_event_timestamp_seconds", id)] =
        static_cast<double>(m.last_event_at_unix_ms()) / 1000.0;
  }
  return out;
}

v1::StatsResponse statsJson(const TestNode& node, const std::string& args = "stats --json") {
  const CtlRun run = runCtl(node, args);
  EXPECT_EQ(run.exitCode, 0) << run.out;
  v1::StatsResponse stats;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(run.out, &stats).ok()) << run.out;
  return stats;
}

// Every expected sample present with the same value; the count of mismatches.
int compare(const Samples& expected, const Samples& actual, const std::string& what) {
  int mismatches = 0;
  for (const auto& [name, value] : expected) {
    auto it = actual.find(name);
    if (it == actual.end() || std::abs(it->second - value) > 1e-6) {
      ADD_FAILURE() << what << ": " << name << " expected " << value << ", got "
                    << (it == actual.end() ? std::string("nothing") : std::to_string(it->second));
      ++mismatches;
    }
  }
  return mismatches;
}

// Two modules on NewBlock: "a" keeps up, "b" is slow with 2 slots, so 5 events give it drops.
class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ModuleSpec a{"a", {}, {"--report", "/dev/null"}};
    a.capacity = 3;
    ModuleSpec b{"b", {}, {"--report", "/dev/null", "--delay-ms", "300"}};
    b.capacity = 2;
    m_port = freeLoopbackPort();
    m_node = std::make_unique<TestNode>(
        a.text() + b.text() + "metrics_listen: \"127.0.0.1:" + std::to_string(m_port) + "\"\n");
    m_node->start();
    ASSERT_TRUE(m_node->waitAllReady()) << m_node->log();
    const CtlRun published =
        runCtl(*m_node, "publish NewBlock --payload '{\"height\":5}' --count 5");
    ASSERT_EQ(published.exitCode, 0) << published.out;
    ASSERT_TRUE(drainAndCheckInvariants(*m_node)) << m_node->log();
  }

  Samples scrape() {
    const HttpReply reply = httpGet(m_port, "/metrics");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.contentType, "text/plain; version=0.0.4; charset=utf-8");
    m_lastBody = reply.body;
    return parseMetrics(reply.body);
  }

  std::uint16_t m_port = 0;
  std::unique_ptr<TestNode> m_node;
  std::string m_lastBody;
};

TEST_F(MetricsTest, AQuietNodeReportsWhatStatsJsonSaysAndAResetLowersNothing) {
  const v1::StatsResponse stats = statsJson(*m_node);
  ASSERT_EQ(stats.modules_size(), 2);
  ASSERT_GT(stats.modules(1).channel_full(), 0U) << "b dropped some";
  Samples before = scrape();
  EXPECT_EQ(compare(expectedFrom(stats), before, "/metrics"), 0) << m_lastBody;
  // NewBlock is no critical type: both modules have a critical lane (stats) but no rows for it;
  // neither is durable: no journal rows.
  ASSERT_EQ(stats.modules(0).lanes_size(), 2) << "event and critical";
  EXPECT_FALSE(laneHasRows(stats.modules(0).lanes(1)));
  EXPECT_EQ(before.count(key("plexus_module_events_routed_total", "a", "critical")), 0U);
  EXPECT_EQ(before.count(key("plexus_module_channel_capacity", "b", "critical")), 0U);
  EXPECT_EQ(before.count(key("plexus_module_events_replayed_total", "a")), 0U);
  EXPECT_EQ(before.at("plexus_module_state{module=\"a\",state=\"ready\"}"), 1);
  EXPECT_EQ(before.at("plexus_module_state{module=\"a\",state=\"crashed\"}"), 0);
  EXPECT_EQ(before.at("plexus_module_restarts_total{module=\"b\"}"), 0);
  EXPECT_EQ(before.count("plexus_node_start_time_seconds"), 1U);
  EXPECT_EQ(before.at("plexus_events_published_total{source=\"operator\"}"), 5);
  EXPECT_EQ(before.at("plexus_events_published_total{source=\"module\"}"), 0);
  EXPECT_GT(before.at("plexus_events_published_total{source=\"host\"}"), 0) << "ModuleLoaded";
  const std::string hold = "plexus_module_event_hold_seconds_";
  EXPECT_EQ(before.at(hold + "count{module=\"a\"}"), stats.modules(0).acked())
      << "every acked event observed";
  EXPECT_EQ(before.at(hold + "bucket{module=\"a\",le=\"+Inf\"}"), stats.modules(0).acked());
  EXPECT_GT(before.at(hold + "sum{module=\"a\"}"), 0);
  EXPECT_EQ(before.at(hold + "count{module=\"b\"}"), stats.modules(1).acked());
  EXPECT_GE(before.at(hold + "sum{module=\"b\"}"),
            0.3 * static_cast<double>(stats.modules(1).acked()))
      << "b's handler takes 300 ms per event";

  const v1::StatsResponse reset = statsJson(*m_node, "stats --reset --json");
  ASSERT_GT(stats.modules(0).acked(), 0U);
  ASSERT_EQ(reset.modules(0).acked(), 0U) << "the control view was reset";
  const Samples after = scrape();
  for (const auto& [name, value] : before) {
    if (name.find("_total") == std::string::npos) continue;
    ASSERT_EQ(after.count(name), 1U) << name;
    EXPECT_GE(after.at(name), value) << name << " went down after stats --reset";
  }
  EXPECT_EQ(after.at(key("plexus_module_events_acked_total", "a", "event")),
            stats.modules(0).acked());
}

TEST_F(MetricsTest, TheControlSocketsRefusalsAreCountedByReason) {
  const std::string family = "plexus_control_requests_rejected_total";
  const std::string notFound = family + "{reason=\"not_found\"}";
  const Samples before = scrape();
  ASSERT_EQ(before.count(notFound), 1U) << m_lastBody;
  EXPECT_EQ(before.at(family + "{reason=\"peer_refused\"}"), 0);
  for (int i = 0; i < 2; ++i) {
    const CtlRun refused = runCtl(*m_node, "stats nosuch");
    EXPECT_NE(refused.exitCode, 0) << refused.out;  // the node answered NOT_FOUND
  }
  ASSERT_EQ(runCtl(*m_node, "stats").exitCode, 0) << "an answered request is no refusal";
  const Samples after = scrape();
  EXPECT_EQ(after.at(notFound), before.at(notFound) + 2);
  int reasons = 0;
  for (const auto& [name, value] : after) {
    if (name.rfind(family + "{", 0) != 0) continue;
    ++reasons;
    if (name != notFound) {
      EXPECT_EQ(value, before.at(name)) << name;
    }
  }
  EXPECT_GE(reasons, 13) << "every reason, even at 0";
}

TEST_F(MetricsTest, PromtoolFindsTheTextClean) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  scrape();
  TempDir scratch;
  std::ofstream(scratch / "metrics.txt") << m_lastBody;
  const CtlRun check = runCommand("/usr/bin/promtool check metrics < " +
                                  (scratch / "metrics.txt").string() + " 2>&1");
  EXPECT_EQ(check.exitCode, 0) << check.out;
  EXPECT_EQ(check.out, "") << "no lint findings";
}

// value of each series of a Prometheus instant query, by "module/lane".
std::map<std::string, double> queryValues(PrometheusServer& prometheus, const std::string& promql) {
  std::map<std::string, double> out;
  google::protobuf::Struct answer;
  const std::string body = prometheus.query(promql);
  if (body.empty() || !google::protobuf::util::JsonStringToMessage(body, &answer).ok()) return out;
  const auto& result = answer.fields().at("data").struct_value().fields().at("result").list_value();
  for (const auto& series : result.values()) {
    const auto& fields = series.struct_value().fields();
    const auto& metric = fields.at("metric").struct_value().fields();
    std::string name = metric.at("module").string_value();
    if (metric.count("lane") != 0) name += "/" + metric.at("lane").string_value();
    out[name] = std::stod(fields.at("value").list_value().values(1).string_value());
  }
  return out;
}

TEST_F(MetricsTest, ARealPrometheusScrapesTheSameNumbers) {
  if (!PrometheusServer::available())
    GTEST_SKIP() << "prometheus not installed (Debian package prometheus)";
  const v1::StatsResponse stats = statsJson(*m_node);
  PrometheusServer prometheus(m_port);
  ASSERT_TRUE(prometheus.waitTargetUp(60s)) << readFile(prometheus.logFile());
  struct Check {
    const char* promql;
    std::function<double(const v1::LaneStats&)> lane;
  };
  const std::vector<Check> checks{
      {"plexus_module_events_routed_total", [](const auto& l) { return l.routed(); }},
      {"plexus_module_events_acked_total", [](const auto& l) { return l.acked(); }},
      {"plexus_module_events_channel_full_total", [](const auto& l) { return l.channel_full(); }},
      {"plexus_module_channel_capacity", [](const auto& l) { return l.capacity(); }},
  };
  for (const Check& check : checks) {
    std::map<std::string, double> expected;
    for (const auto& m : stats.modules())
      for (const auto& l : m.lanes())
        if (laneHasRows(l)) expected[m.module_id() + "/" + laneName(l.lane())] = check.lane(l);
    EXPECT_EQ(queryValues(prometheus, check.promql), expected) << check.promql;
  }
  std::map<std::string, double> totals;
  for (const auto& m : stats.modules())
    totals[m.module_id()] = static_cast<double>(m.routed());
  EXPECT_EQ(queryValues(prometheus, "sum by (module) (plexus_module_events_routed_total)"), totals);
  EXPECT_EQ(queryValues(prometheus, "plexus_module_state{state=\"ready\"}"),
            (std::map<std::string, double>{{"a", 1}, {"b", 1}}));
}

// A module that takes ChainReorg (a critical type by default) has no critical-lane rows until the
// first one; then the rows are there, equal to `stats --json`'s, and stay.
TEST(MetricsCriticalLaneTest, TheCriticalLaneRowsAppearWithItsFirstEvent) {
  TempDir scratch;
  const std::uint16_t port = freeLoopbackPort();
  const ModuleSpec lanes("c", (binDir() / "plexus-test-lanes").string(),
                         {"--report", (scratch / "c.report").string()});
  TestNode node(lanes.text() + "metrics_listen: \"127.0.0.1:" + std::to_string(port) + "\"\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const std::string routed = key("plexus_module_events_routed_total", "c", "critical");
  HttpReply reply = httpGet(port, "/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(parseMetrics(reply.body).count(routed), 0U) << reply.body;

  v1::Event reorg;
  reorg.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  reorg.mutable_chain_reorg()->set_new_tip("00cd");
  reorg.mutable_chain_reorg()->set_fork_height(1);
  ASSERT_TRUE(node.publish(reorg).has_publish()) << node.log();
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  const v1::StatsResponse stats = statsJson(node);
  reply = httpGet(port, "/metrics");
  const Samples after = parseMetrics(reply.body);
  EXPECT_EQ(compare(expectedFrom(stats), after, "/metrics"), 0) << reply.body;
  ASSERT_EQ(after.count(routed), 1U) << reply.body;
  EXPECT_EQ(after.at(routed), 1);
  EXPECT_EQ(after.at(key("plexus_module_events_acked_total", "c", "critical")), 1);
  EXPECT_EQ(after.at(key("plexus_module_channel_capacity", "c", "critical")), 10);
  EXPECT_EQ(parseMetrics(httpGet(port, "/metrics").body).count(routed), 1U) << "and stays";
}

// nobody with the control group only as a supplementary group: the socket's mode lets it
// connect, ZAP (the peer's gid, the groups of nobody's account) refuses it: peer_refused.
TEST(ControlRefusalMetricsTest, APeerZapRefusesCountsAsPeerRefused) {
  const group* daemon = ::getgrnam("daemon");
  if (::geteuid() != 0 || daemon == nullptr || !std::filesystem::exists("/usr/bin/setpriv"))
    GTEST_SKIP() << "needs root, the group daemon and setpriv to connect as another user";
  const std::uint16_t port = freeLoopbackPort();
  TestNode node("control_group: \"daemon\"\nmetrics_listen: \"127.0.0.1:" + std::to_string(port) +
                "\"\n" + ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const std::string peerRefused = "plexus_control_requests_rejected_total{reason=\"peer_refused\"}";
  EXPECT_EQ(parseMetrics(httpGet(port, "/metrics").body).at(peerRefused), 0);
  const CtlRun refused = runCommand(
      "/usr/bin/setpriv --reuid=65534 --regid=65534 --groups=" + std::to_string(daemon->gr_gid) +
      " " + ctlBinary().string() + " --runtime-dir " + node.runtimeDir().string() +
      " --timeout 1000 status 2>&1");
  EXPECT_EQ(refused.exitCode, 3) << "not reachable: " << refused.out;
  EXPECT_EQ(runCtl(node, "status").exitCode, 0) << "the node's own uid is admitted";
  const Samples after = parseMetrics(httpGet(port, "/metrics").body);
  EXPECT_GE(after.at(peerRefused), 1) << "libzmq retries: one count per attempt";
  EXPECT_EQ(after.at("plexus_control_requests_rejected_total{reason=\"malformed\"}"), 0);
}

TEST(MetricsListenTest, AnAddressInUseStopsTheStartWithAClearMessage) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::address_v4::loopback(), 0});
  const auto port = taken.local_endpoint().port();
  TestNode node("metrics_listen: \"127.0.0.1:" + std::to_string(port) + "\"\n");
  const CtlRun run =
      runCommand(nodeBinary().string() + " --config " + node.file("node.cfg").string() +
                 " --runtime-dir " + node.runtimeDir().string() + " 2>&1");
  EXPECT_EQ(run.exitCode, 1) << run.out;
  EXPECT_NE(run.out.find("metrics_listen '127.0.0.1:" + std::to_string(port) + "'"),
            std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace plexus::test
