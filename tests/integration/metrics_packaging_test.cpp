// What ships for monitoring (packaging/prometheus/plexus-rules.yml, the Grafana dashboard) is
// valid, and the embedded default config's metrics_listen only warns when its port is taken.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

#include "spawned_process.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kSource = PLEXUS_SOURCE_DIR;

TEST(MetricsPackagingTest, TheAlertRulesPassPromtool) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const CtlRun check =
      runCommand("/usr/bin/promtool check rules " +
                 (kSource / "packaging/prometheus/plexus-rules.yml").string() + " 2>&1");
  EXPECT_EQ(check.exitCode, 0) << check.out;
  EXPECT_NE(check.out.find("SUCCESS"), std::string::npos) << check.out;
}

TEST(MetricsPackagingTest, TheDashboardIsJsonWithPanelsOnPlexusMetrics) {
  const std::string text = readFile(kSource / "packaging/grafana/plexus-dashboard.json");
  google::protobuf::Struct dashboard;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &dashboard).ok());
  const auto& panels = dashboard.fields().at("panels").list_value();
  ASSERT_GT(panels.values_size(), 0);
  for (const auto& panel : panels.values()) {
    const auto& targets = panel.struct_value().fields().at("targets").list_value();
    ASSERT_GT(targets.values_size(), 0);
    for (const auto& target : targets.values())
      EXPECT_NE(target.struct_value().fields().at("expr").string_value().find("plexus_"),
                std::string::npos);
  }
}

// The embedded default listens on 127.0.0.1:9464; with that port taken (here, or by anything
// else) the node warns and runs without metrics.
TEST(MetricsPackagingTest, TheEmbeddedDefaultOnlyWarnsWhenItsPortIsTaken) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(io);
  boost::system::error_code error;
  taken.open(boost::asio::ip::tcp::v4());
  taken.bind({boost::asio::ip::address_v4::loopback(), 9464}, error);  // in use already: as good
  if (!error) taken.listen();
  TempDir dir;
  const auto log = dir / "node.log";
  // XDG_STATE_HOME: the embedded default's journal goes to the test's directory.
  const std::string command = "STATE_DIRECTORY= XDG_STATE_HOME=" + dir.path().string() + " exec " +
                              nodeBinary().string() + " --runtime-dir " + (dir / "run").string() +
                              " >" + log.string() + " 2>&1";
  SpawnedProcess node({"/bin/sh", "-c", command});
  ASSERT_TRUE(node.started());
  EXPECT_TRUE(waitFor(
      [&] {
        return readFile(log).find("no metrics: metrics_listen '127.0.0.1:9464'") !=
               std::string::npos;
      },
      20s))
      << readFile(log);
  EXPECT_TRUE(waitFor([&] { return readFile(log).find("running, pid") != std::string::npos; }, 20s))
      << readFile(log);
  EXPECT_TRUE(node.running()) << readFile(log);
}

}  // namespace
}  // namespace plexus::test
