// Hostile input from an authenticated module, with the real node: malformed protobuf, bodies a
// module may not send, type/payload mismatch, another protocol major mid-session, wrong frame
// counts, requests before the handshake, a request flood and oversized frames. Every bad message
// gets an Error reply and is counted; the log is not flooded; the module stays connected (except
// after an oversized frame, which ZeroMQ answers by dropping the connection: the node then
// treats the module as dead and applies its restart policy); a well-behaved block-policy probe
// receives the operator's steady stream whole and in order throughout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "hostile_report.h"
#include "plexus/ipc/protocol.h"
#include "steady_stream.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Exactly one Error of `code` whose message contains `needle`.
void expectOneError(const std::filesystem::path& report, const std::string& action,
                    const std::string& code, const std::string& needle) {
  SCOPED_TRACE("action " + action);
  EXPECT_TRUE(reportHas(report, "done " + action));
  auto replies = repliesTo(report, action);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].kind, "error");
  EXPECT_EQ(replies[0].code, code);
  EXPECT_THAT(replies[0].rest, HasSubstr(needle));
}

std::size_t countErrors(const std::filesystem::path& report, const std::string& code) {
  return reportLines(report, "error " + code + " ").size();
}

// Once the steady stream reaches the probe, PeerConnected "go" releases the hostile module's
// script (its wait-event:PeerConnected): the bad input starts while delivery is under way.
void releaseOnceSteady(TestNode& node, const std::filesystem::path& steadyReport) {
  ASSERT_TRUE(waitFor([&] { return probeEvents(steadyReport).size() >= 20; })) << node.log();
  ASSERT_TRUE(node.publish(peerConnected("go")).has_publish());
}

ModuleSpec steadyProbe(const std::filesystem::path& report) {
  ModuleSpec spec{"steady", {}, {"--report", report.string()}};
  spec.policy = "DELIVERY_POLICY_BLOCK";
  return spec;
}

TEST(HostileInputTest, EveryBadMessageGetsAnErrorIsCountedAndNobodyElseNotices) {
  TempDir scratch;
  const auto steadyReport = scratch / "steady.report";
  const auto report = scratch / "hostile.report";
  // Requests before the handshake, then the handshake; once the test says go, every kind of bad
  // message; once the test says go again (the rate limit's bucket has refilled), proof that
  // the module is still subscribed, and the node's counters as the module sees them.
  const std::string script = std::string("request-stats,subscribe,ack:1,heartbeat,") +
                             "hello,subscribe,wait-event:PeerConnected," +
                             "garbage:50,empty,unknown-body,bad-body,nested-garbage," +
                             "empty-request,frames:3,frames:2,big-garbage:60000,bad-utf8:200," +
                             "mismatch,unspecified,major-mid-session,hello-again,ack-beyond," +
                             "flood:20000,wait-event:PeerConnected:2," +
                             "subscribe:NewBlock+PeerConnected,request-stats";
  ModuleSpec hostile{
      "hostile",
      hostileBinary().string(),
      {"--report", report.string(), "--types", "NewBlock,PeerConnected", "--do", script}};
  hostile.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(steadyProbe(steadyReport).text() + hostile.text() + "module_request_rate: 1000\n",
                "  block_timeout_ms: 10000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto pid = node.module("hostile")->pid();

  SteadyStream stream(node);
  ASSERT_NO_FATAL_FAILURE(releaseOnceSteady(node, steadyReport));
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "done flood:20000"); }, 30s))
      << readFile(report) << node.log();
  // Ten more paced events take at least 10 ms: 10 requests' worth of tokens at 1000/s.
  const auto atFlood = probeEvents(steadyReport).size();
  ASSERT_TRUE(waitFor([&] { return probeEvents(steadyReport).size() >= atFlood + 10; }));
  ASSERT_TRUE(node.publish(peerConnected("again")).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "script-done"); }, 30s))
      << readFile(report) << node.log();
  const auto atDone = probeEvents(steadyReport).size();
  ASSERT_TRUE(waitFor([&] { return probeEvents(steadyReport).size() >= atDone + 20; }));
  const std::uint64_t published = stream.stop();
  EXPECT_EQ(stream.failures(), 0u);

  // The hostile module is still connected, subscribed and served: one more block reaches it.
  ASSERT_TRUE(waitFor([&] {
    auto s = node.stats("hostile");
    return s->queued() + s->in_flight() == 0;
  }));
  ASSERT_TRUE(node.publish(newBlock(published + 1)).has_publish());
  expectWholeStream(steadyReport, published + 1);
  ASSERT_TRUE(waitFor([&] {
    auto events = probeEvents(report);
    return !events.empty() && events.back().detail == std::to_string(published + 1);
  })) << "the hostile module no longer receives its NewBlock deliveries";
  auto info = node.module("hostile");
  EXPECT_EQ(info->state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info->pid(), pid);
  EXPECT_EQ(info->restarts(), 0u);

  // Before the handshake: every message is refused.
  for (const std::string action : {"request-stats", "subscribe", "ack:1", "heartbeat"}) {
    expectOneError(report, action, "ERROR_CODE_NOT_HANDSHAKEN", "send a Handshake before");
  }
  EXPECT_EQ(repliesTo(report, "request-stats")[0].correlation, 1u) << "answers the request";
  // Malformed: an Error each, counted as decode_errors.
  EXPECT_TRUE(reportHas(report, "done garbage:50"));
  auto garbage = repliesTo(report, "garbage:50");
  EXPECT_EQ(garbage.size(), 50u);
  for (const auto& reply : garbage) {
    EXPECT_EQ(reply.code, "ERROR_CODE_MALFORMED");
    EXPECT_EQ(reply.rest, "frame is not a plexus.v1.Envelope");
  }
  expectOneError(report, "empty", "ERROR_CODE_MALFORMED", "no known body");
  expectOneError(report, "unknown-body", "ERROR_CODE_MALFORMED", "no known body");
  expectOneError(report, "bad-body", "ERROR_CODE_MALFORMED", "a module may not send this message");
  expectOneError(report, "nested-garbage", "ERROR_CODE_MALFORMED", "not a plexus.v1.Envelope");
  expectOneError(report, "empty-request", "ERROR_CODE_MALFORMED", "request carries no known body");
  expectOneError(report, "frames:3", "ERROR_CODE_MALFORMED",
                 "expected 1 frame after the routing id, got 3");
  expectOneError(report, "frames:2", "ERROR_CODE_MALFORMED", "got 2");
  expectOneError(report, "big-garbage:60000", "ERROR_CODE_MALFORMED", "not a plexus.v1.Envelope");
  auto badText = repliesTo(report, "bad-utf8:200");
  EXPECT_EQ(badText.size(), 200u);
  for (const auto& reply : badText)
    EXPECT_EQ(reply.code, "ERROR_CODE_MALFORMED");
  // Well-formed but wrong: an Error each, counted as rejected.
  expectOneError(report, "mismatch", "ERROR_CODE_INVALID_ARGUMENT",
                 "NewBlock event carries payload field");
  expectOneError(report, "unspecified", "ERROR_CODE_INVALID_ARGUMENT", "is not a valid type");
  expectOneError(report, "major-mid-session", "ERROR_CODE_UNSUPPORTED_VERSION",
                 "protocol 2." + std::to_string(ipc::kProtocolMinor) + " is not supported");
  EXPECT_NE(repliesTo(report, "major-mid-session")[0].correlation, 0u) << "answers the request";
  expectOneError(report, "hello-again", "ERROR_CODE_INVALID_ARGUMENT",
                 "already completed its handshake");
  expectOneError(report, "ack-beyond", "ERROR_CODE_INVALID_ARGUMENT",
                 "but the last event sent was seq");

  // The flood: every request answered, those above the rate refused.
  EXPECT_TRUE(reportHas(report, "done flood:20000"));
  auto flood = repliesTo(report, "flood:20000");
  ASSERT_EQ(flood.size(), 20000u);
  const auto limited = std::count_if(flood.begin(), flood.end(), [](const HostileReply& r) {
    return r.kind == "error" && r.code == "ERROR_CODE_RATE_LIMITED";
  });
  const auto answered = std::count_if(flood.begin(), flood.end(),
                                      [](const HostileReply& r) { return r.kind == "response"; });
  EXPECT_EQ(limited + answered, 20000);
  EXPECT_GT(limited, 5000) << "1000 requests/s cannot let most of 20000 through";
  EXPECT_GE(answered, 900) << "about a full bucket (1000) goes through";
  // Still subscribed to both types.
  auto resubscribed = repliesTo(report, "subscribe:NewBlock+PeerConnected");
  ASSERT_EQ(resubscribed.size(), 1u);
  EXPECT_EQ(resubscribed[0].kind, "subscribe-ack");
  EXPECT_EQ(resubscribed[0].rest, "NewBlock,PeerConnected");

  // Counted exactly: each MALFORMED reply is a decode error, each other refusal a rejection,
  // in the node's statistics and in what the module itself is told.
  auto stats = *node.stats("hostile");
  const auto malformed = countErrors(report, "ERROR_CODE_MALFORMED");
  EXPECT_EQ(malformed, 258u);
  EXPECT_EQ(stats.decode_errors(), malformed);
  const auto refusals = reportLines(report, "error ").size() - malformed;
  EXPECT_EQ(stats.rejected(), refusals);
  auto own = repliesTo(report, "request-stats", /*occurrence=*/1);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].kind, "response");
  std::istringstream counters(own[0].rest);
  std::string kind;
  std::uint64_t routed = 0, decodeErrors = 0, rejected = 0;
  counters >> kind >> routed >> decodeErrors >> rejected;
  EXPECT_EQ(kind, "stats");
  EXPECT_EQ(decodeErrors, malformed);
  EXPECT_EQ(rejected, refusals);
  // The log has rate-limited warnings, not one line per bad message.
  const auto log = node.log();
  const auto malformedLines = countLines(log, "module 'hostile' sent a malformed message");
  EXPECT_GE(malformedLines, 1u);
  EXPECT_LE(malformedLines, 4u) << log;
  const auto refusedLines = countLines(log, "module 'hostile': request refused");
  EXPECT_GE(refusedLines, 1u);
  EXPECT_LE(refusedLines, 4u) << log;
  EXPECT_LE(countLines(log, "invalid UTF-8"), 2u) << "libprotobuf's own complaints too";
  EXPECT_LT(countLines(log, "\n"), 100u) << log;

  for (const auto& s : node.allStats())
    expectInvariants(s);
  auto steady = *node.stats("steady");
  EXPECT_EQ(steady.decode_errors() + steady.rejected() + steady.channel_full() + steady.lost(), 0u);
}

// ZeroMQ drops the connection of a peer whose frame exceeds ZMQ_MAXMSGSIZE and tells nobody.
// This module then goes silent but lives on, and nothing is sent to it: the node finds out by
// heartbeating it when it misses its heartbeats (EHOSTUNREACH), long before dead_timeout_ms
// (10 s), and restarts it under RESTART_POLICY_ON_FAILURE.
TEST(HostileInputTest, AFrameAboveMaxMessageBytesCostsTheConnectionAndTheModuleIsRestarted) {
  TempDir scratch;
  const auto steadyReport = scratch / "steady.report";
  const auto report = scratch / "hostile.report";
  ModuleSpec hostile{"hostile",
                     hostileBinary().string(),
                     {"--report", report.string(), "--types", "PeerConnected", "--do",
                      "hello,subscribe,wait-event:PeerConnected,big-garbage:65000,huge:70000",
                      "--on-disconnect", "stay", "--only-incarnation", "1"}};
  hostile.restart = "RESTART_POLICY_ON_FAILURE";
  TestNode node(steadyProbe(steadyReport).text() + hostile.text() + "max_message_bytes: 65536\n",
                "  block_timeout_ms: 10000\n  restart_backoff_initial_ms: 100\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto firstPid = node.module("hostile")->pid();
  SteadyStream stream(node);
  ASSERT_NO_FATAL_FAILURE(releaseOnceSteady(node, steadyReport));

  ASSERT_TRUE(waitFor([&] { return reportHas(report, "disconnected"); }, 5s)) << readFile(report);
  // Handled within a few seconds: killed, restarted, ready again.
  ASSERT_TRUE(waitFor(
      [&] {
        auto info = node.module("hostile");
        return info->incarnation() == 2 && info->state() == v1::MODULE_STATE_READY;
      },
      5s))
      << node.log();
  EXPECT_THAT(node.log(), HasSubstr("module 'hostile' crashed: connection lost"));
  auto info = node.module("hostile");
  EXPECT_EQ(info->restarts(), 1u);
  EXPECT_NE(info->pid(), firstPid);
  EXPECT_FALSE(processAlive(firstPid));
  EXPECT_TRUE(reportHas(report, "handshake-ack 2 "));
  // Just below the limit was an ordinary malformed message.
  expectOneError(report, "big-garbage:65000", "ERROR_CODE_MALFORMED", "not a plexus.v1.Envelope");
  EXPECT_TRUE(repliesTo(report, "huge:70000").empty());

  const auto atRestart = probeEvents(steadyReport).size();
  ASSERT_TRUE(waitFor([&] { return probeEvents(steadyReport).size() >= atRestart + 20; }));
  EXPECT_EQ(stream.failures(), 0u);
  expectWholeStream(steadyReport, stream.stop());
  for (const auto& s : node.allStats())
    expectInvariants(s);
}

// A real 8 MiB frame against the default 4 MiB limit, from a module the stream is delivered to:
// the node's next delivery finds the peer gone (EHOSTUNREACH), kills the module and, under
// RESTART_POLICY_NEVER, leaves it crashed. What it held counts as lost.
TEST(HostileInputTest, AnEightMebibyteFrameCostsTheConnectionAndTheModuleStaysDown) {
  TempDir scratch;
  const auto steadyReport = scratch / "steady.report";
  const auto report = scratch / "hostile.report";
  ModuleSpec hostile{
      "hostile",
      hostileBinary().string(),
      {"--report", report.string(), "--types", "NewBlock,PeerConnected", "--do",
       "hello,subscribe,wait-event:PeerConnected,huge:8388608", "--on-disconnect", "stay"}};
  TestNode node(steadyProbe(steadyReport).text() + hostile.text(), "  block_timeout_ms: 10000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto pid = node.module("hostile")->pid();
  SteadyStream stream(node);
  ASSERT_NO_FATAL_FAILURE(releaseOnceSteady(node, steadyReport));

  ASSERT_TRUE(node.waitForState("hostile", v1::MODULE_STATE_CRASHED, 5s)) << node.log();
  EXPECT_TRUE(reportHas(report, "action huge:8388608"));
  EXPECT_THAT(node.log(), HasSubstr("module 'hostile' crashed: connection lost"));
  EXPECT_THAT(node.log(), HasSubstr("not restarting (restart policy)"));
  auto info = node.module("hostile");
  EXPECT_EQ(info->restarts(), 0u);
  EXPECT_EQ(info->pid(), 0);
  EXPECT_FALSE(processAlive(pid));

  const auto atCrash = probeEvents(steadyReport).size();
  ASSERT_TRUE(waitFor([&] { return probeEvents(steadyReport).size() >= atCrash + 20; }));
  EXPECT_EQ(stream.failures(), 0u);
  expectWholeStream(steadyReport, stream.stop());
  for (const auto& s : node.allStats())
    expectInvariants(s);
  auto lost = *node.stats("hostile");
  EXPECT_EQ(lost.queued() + lost.in_flight(), 0u);
  EXPECT_GT(lost.failed() + lost.lost() + lost.acked(), 0u);
}

}  // namespace
}  // namespace plexus::test
