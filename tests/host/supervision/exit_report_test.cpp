// Exit reports: how exits are described, which limits explain which signals, the precedence of
// a crash's reasons, and the ModuleUnloaded / ModuleCrashed events built from them.

#include "supervision/exit_report.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "plexus/ipc/protocol.h"
#include "runtime/fake_timers.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

v1::ResourceLimits limits(std::uint64_t cpuSeconds, std::uint64_t addressSpace) {
  v1::ResourceLimits out;
  out.set_cpu_seconds(cpuSeconds);
  out.set_address_space_bytes(addressSpace);
  return out;
}

TEST(ExitReportTest, DescribesAnExitByCodeOrBySignal) {
  EXPECT_EQ(describeExit(0, 0), "exit 0");
  EXPECT_EQ(describeExit(3, 0), "exit 3");
  EXPECT_EQ(describeExit(-1, SIGKILL), "signal 9 (Killed)");
}

TEST(ExitReportTest, LimitsExplainOnlyTheSignalsTheyCause) {
  EXPECT_EQ(limitExplanation(limits(2, 0), SIGXCPU),
            "it used up its CPU time limit (limits.cpu_seconds = 2)");
  EXPECT_NE(limitExplanation(limits(2, 0), SIGKILL).find("hard CPU limit"), std::string::npos);
  for (int signal : {SIGABRT, SIGSEGV, SIGBUS}) {
    EXPECT_NE(limitExplanation(limits(0, 1 << 20), signal).find("address-space limit of 1048576"),
              std::string::npos);
  }
  EXPECT_EQ(limitExplanation(limits(0, 0), SIGXCPU), "");
  EXPECT_EQ(limitExplanation(limits(0, 0), SIGSEGV), "");
  EXPECT_EQ(limitExplanation(limits(2, 1 << 20), SIGTERM), "");
}

TEST(ExitReportTest, CrashReasonPrefersRefusalThenTheNodesKillThenTheExit) {
  FakeTimers timers;
  v1::ModuleConfig config;
  config.set_name("m");
  *config.mutable_limits() = limits(0, 1 << 20);
  ModuleRecord record(timers, config, true, RestartTracker::Policy{});
  record.lastExit = describeExit(-1, SIGSEGV);
  EXPECT_EQ(crashReason(record, SIGSEGV),
            record.lastExit + ": " + limitExplanation(config.limits(), SIGSEGV));
  EXPECT_EQ(crashReason(record, 0), record.lastExit);

  record.killReason = "hung: no traffic for 10 ms";
  EXPECT_EQ(crashReason(record, SIGSEGV), "hung: no traffic for 10 ms");  // no explanation

  record.refusedReason = "handshake refused: old";
  EXPECT_EQ(crashReason(record, SIGSEGV), "handshake refused: old");
}

TEST(ExitReportTest, EventsCarryTheExitAndTheRestart) {
  auto unloaded = moduleUnloadedEvent("m", "unloaded by operator", 4);
  EXPECT_EQ(unloaded.type(), v1::EVENT_TYPE_MODULE_UNLOADED);
  EXPECT_EQ(unloaded.source(), ipc::kHostSource);
  EXPECT_EQ(unloaded.module_unloaded().module_id(), "m");
  EXPECT_EQ(unloaded.module_unloaded().reason(), "unloaded by operator");
  EXPECT_EQ(unloaded.module_unloaded().incarnation(), 4u);

  auto restarting = moduleCrashedEvent("m", ProcessExit{-1, SIGKILL}, "why", 250ms, 2);
  EXPECT_EQ(restarting.type(), v1::EVENT_TYPE_MODULE_CRASHED);
  const auto& crashed = restarting.module_crashed();
  EXPECT_EQ(crashed.module_id(), "m");
  EXPECT_EQ(crashed.exit_code(), -1);
  EXPECT_EQ(crashed.signal(), SIGKILL);
  EXPECT_EQ(crashed.reason(), "why");
  EXPECT_TRUE(crashed.restart_scheduled());
  EXPECT_EQ(crashed.restart_in_ms(), 250u);
  EXPECT_EQ(crashed.incarnation(), 2u);

  auto final = moduleCrashedEvent("m", ProcessExit{5, 0}, "exit 5", std::nullopt, 3);
  EXPECT_EQ(final.module_crashed().exit_code(), 5);
  EXPECT_FALSE(final.module_crashed().restart_scheduled());
  EXPECT_EQ(final.module_crashed().restart_in_ms(), 0u);
}

}  // namespace
}  // namespace plexus::host
