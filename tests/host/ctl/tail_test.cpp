// The tail loop: JSON lines per event, credit after each batch, stop after --count or on the
// stop flag (with TailStop sent and its answer awaited, unless the node announced it stopped),
// silence tolerated, error replies and unreachable nodes, and --filter only to a node of 1.2 on.

#include "plexus/ctl/tail.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "fake_connection.h"

namespace plexus::ctl {
namespace {

using testing::FakeConnection;
using ::testing::HasSubstr;

constexpr std::chrono::milliseconds kTimeout{5000};

v1::ControlResponse statusAnswer() {
  v1::ControlResponse response;
  response.mutable_status()->set_version("test");
  return response;
}

v1::Event block(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.set_source("operator");
  event.mutable_new_block()->set_height(height);
  return event;
}

// A batch of events with consecutive seqs from `firstSeq`, as the node streams them.
v1::ControlResponse batch(std::uint64_t firstSeq, std::vector<v1::Event> events,
                          std::uint64_t droppedBeforeFirst = 0, v1::Lane lane = v1::LANE_EVENT) {
  v1::ControlResponse response;
  auto* tail = response.mutable_tail_events();
  tail->set_lane(lane);
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto* meta = tail->add_events();
    meta->set_seq(firstSeq + i);
    meta->set_dropped_before(i == 0 ? droppedBeforeFirst : 0);
    std::string body = events[i].SerializeAsString();
    meta->set_size(static_cast<std::uint32_t>(body.size()));
    tail->add_bodies(std::move(body));
  }
  return response;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);)
    out.push_back(line);
  return out;
}

// The TailStop the tail sent as a call (after the status probe), and how long it waited.
bool stoppedWithACall(const FakeConnection& connection) {
  return connection.calls.size() == 2 &&
         connection.calls[1].body_case() == v1::ControlRequest::kTailStop &&
         connection.callTimeouts[1] <= std::chrono::milliseconds(1000);
}

struct Tail {
  FakeConnection connection;
  std::atomic<bool> stop{false};
  std::ostringstream out, err;

  Tail() {
    connection.answers.emplace_back(statusAnswer());
    connection.onQuiet = [this] { stop = true; };  // nothing more scripted: as if Ctrl-C
  }
  ExitCode run(const TailCommand& command) {
    return runTail(connection, command, kTimeout, stop, out, err);
  }
};

TEST(CtlTail, PrintsJsonLinesAcksEachBatchAndStopsAtCount) {
  Tail tail;
  tail.connection.incoming.push_back(batch(1, {block(10), block(11)}));
  tail.connection.incoming.push_back(batch(5, {block(12), block(13)}, 2));
  TailCommand command;
  command.types = {v1::EVENT_TYPE_NEW_BLOCK};
  command.count = 3;
  EXPECT_EQ(tail.run(command), ExitCode::Ok);

  auto printed = lines(tail.out.str());
  ASSERT_EQ(printed.size(), 3u);
  EXPECT_EQ(
      printed[0],
      R"({"seq":1,"dropped_before":0,"lifecycle":false,"event":{"type":"EVENT_TYPE_NEW_BLOCK",)"
      R"("source":"operator","published_at_unix_ns":"0","published_mono_ns":"0",)"
      R"("new_block":{"hash":"","height":"10","time_unix_s":"0"}}})");
  EXPECT_THAT(printed[1], HasSubstr(R"({"seq":2,"dropped_before":0,)"));
  EXPECT_THAT(printed[2], HasSubstr(R"({"seq":5,"dropped_before":2,)"));
  EXPECT_THAT(printed[2], HasSubstr(R"("height":"12")"));
  EXPECT_EQ(tail.err.str(), "");

  // TailRequest with the types, one ack for the batch read in full, then TailStop.
  const auto& sent = tail.connection.sent;
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_EQ(sent[0].body_case(), v1::ControlRequest::kTail);
  ASSERT_EQ(sent[0].tail().types_size(), 1);
  EXPECT_EQ(sent[0].tail().types(0), v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_EQ(sent[1].body_case(), v1::ControlRequest::kTailAck);
  EXPECT_EQ(sent[1].tail_ack().through_seq(), 2u);
  EXPECT_TRUE(stoppedWithACall(tail.connection));
}

TEST(CtlTail, LifecycleBatchesArePrintedButNeverAckedAndShutdownCompletedEndsTheTail) {
  Tail tail;
  v1::Event loaded;
  loaded.set_type(v1::EVENT_TYPE_MODULE_LOADED);
  loaded.mutable_module_loaded()->set_module_id("m");
  v1::Event done;
  done.set_type(v1::EVENT_TYPE_NODE_SHUTDOWN_COMPLETED);
  done.mutable_node_shutdown_completed();
  tail.connection.incoming.push_back(batch(1, {loaded}, 0, v1::LANE_LIFECYCLE));
  tail.connection.incoming.push_back(batch(1, {block(1)}));
  tail.connection.incoming.push_back(batch(2, {done}, 0, v1::LANE_LIFECYCLE));
  tail.connection.incoming.push_back(batch(2, {block(2)}));  // never read
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Ok);
  auto printed = lines(tail.out.str());
  ASSERT_EQ(printed.size(), 3u);
  EXPECT_THAT(printed[0], HasSubstr(R"("lifecycle":true)"));
  EXPECT_THAT(printed[1], HasSubstr(R"("lifecycle":false)"));
  EXPECT_THAT(printed[2], HasSubstr("EVENT_TYPE_NODE_SHUTDOWN_COMPLETED"));
  const auto& sent = tail.connection.sent;
  ASSERT_EQ(sent.size(), 2u) << "request, one event-lane ack";
  EXPECT_EQ(sent[1].tail_ack().through_seq(), 1u);
  EXPECT_EQ(tail.connection.calls.size(), 1u) << "no TailStop to a node that stopped";
}

TEST(CtlTail, QuietNodeIsNotAFailureAndStopSendsTailStop) {
  Tail tail;
  int quietPolls = 0;
  // Several empty polls in a row before the stop request arrives.
  tail.connection.onQuiet = [&] {
    if (++quietPolls == 5) tail.stop = true;
  };
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Ok);
  EXPECT_EQ(quietPolls, 5);
  EXPECT_EQ(tail.out.str(), "");
  EXPECT_EQ(tail.err.str(), "");
  ASSERT_EQ(tail.connection.sent.size(), 1u);
  EXPECT_EQ(tail.connection.sent[0].tail().types_size(), 0);  // every type
  EXPECT_TRUE(stoppedWithACall(tail.connection));
}

TEST(CtlTail, AcksEveryBatchUntilStopped) {
  Tail tail;
  tail.connection.incoming.push_back(batch(1, {block(1)}));
  tail.connection.incoming.push_back(batch(2, {block(2), block(3), block(4)}));
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Ok);
  EXPECT_EQ(lines(tail.out.str()).size(), 4u);
  const auto& sent = tail.connection.sent;
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].tail_ack().through_seq(), 1u);
  EXPECT_EQ(sent[2].tail_ack().through_seq(), 4u);
  EXPECT_TRUE(stoppedWithACall(tail.connection));
}

// The node's probe for vanished clients: an empty batch, neither printed nor acked.
TEST(CtlTail, AnEmptyBatchFromTheNodesProbeIsIgnored) {
  Tail tail;
  tail.connection.incoming.push_back(batch(1, {}));
  tail.connection.incoming.push_back(batch(1, {block(1)}));
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Ok);
  EXPECT_EQ(lines(tail.out.str()).size(), 1u);
  EXPECT_EQ(tail.err.str(), "");
  ASSERT_EQ(tail.connection.sent.size(), 2u) << "the request and one ack, for the real event";
  EXPECT_EQ(tail.connection.sent[1].tail_ack().through_seq(), 1u);
}

TEST(CtlTail, ErrorReplyEndsWithExitOne) {
  Tail tail;
  v1::ControlResponse error;
  error.mutable_error()->set_code(v1::ERROR_CODE_INVALID_ARGUMENT);
  error.mutable_error()->set_message("this node does not serve that request");
  tail.connection.incoming.push_back(error);
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::ErrorReply);
  EXPECT_EQ(tail.err.str(), "plexusctl: this node does not serve that request\n");
}

TEST(CtlTail, UnreachableNodeExitsThreeBeforeSubscribing) {
  Tail tail;
  tail.connection.answers.clear();
  tail.connection.answers.emplace_back(
      makeError(v1::ERROR_CODE_UNAVAILABLE, "plexus-node is not running (no control socket)"));
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Unreachable);
  EXPECT_THAT(tail.err.str(), HasSubstr("plexus-node is not running"));
  EXPECT_TRUE(tail.connection.sent.empty());
}

// A node before 1.2 would ignore the filter and stream every event: refused before subscribing.
TEST(CtlTail, AFilterIsRefusedByANodeBeforeProtocol12) {
  Tail tail;
  tail.connection.answers.clear();
  v1::ControlResponse status = statusAnswer();
  status.set_protocol_major(1);
  status.set_protocol_minor(1);
  tail.connection.answers.emplace_back(status);
  TailCommand command;
  command.types = {v1::EVENT_TYPE_NEW_TRANSACTION};
  command.filter = "fee >= 1000";
  EXPECT_EQ(tail.run(command), ExitCode::ErrorReply);
  EXPECT_EQ(tail.err.str(),
            "plexusctl: tail --filter needs a node speaking protocol 1.2; this one speaks 1.1\n");
  EXPECT_EQ(tail.out.str(), "");
  EXPECT_TRUE(tail.connection.sent.empty()) << "no TailRequest";
  ASSERT_EQ(tail.connection.calls.size(), 1u) << "the status probe only, no TailStop";
  EXPECT_EQ(tail.connection.calls[0].body_case(), v1::ControlRequest::kStatus);
}

TEST(CtlTail, AFilterGoesToANodeSpeakingProtocol12) {
  Tail tail;
  tail.connection.answers.clear();
  v1::ControlResponse status = statusAnswer();
  status.set_protocol_major(1);
  status.set_protocol_minor(2);
  tail.connection.answers.emplace_back(status);
  TailCommand command;
  command.types = {v1::EVENT_TYPE_NEW_TRANSACTION};
  command.filter = "fee >= 1000";
  EXPECT_EQ(tail.run(command), ExitCode::Ok);
  EXPECT_EQ(tail.err.str(), "");
  ASSERT_FALSE(tail.connection.sent.empty());
  ASSERT_EQ(tail.connection.sent[0].body_case(), v1::ControlRequest::kTail);
  EXPECT_EQ(tail.connection.sent[0].tail().filter(), "fee >= 1000");
}

TEST(CtlTail, UndecodableBodyIsSkippedWithAWarning) {
  Tail tail;
  auto response = batch(1, {block(1), block(2)});
  response.mutable_tail_events()->set_bodies(0, "\xff\xff\xff");
  tail.connection.incoming.push_back(response);
  EXPECT_EQ(tail.run(TailCommand{}), ExitCode::Ok);
  auto printed = lines(tail.out.str());
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_THAT(printed[0], HasSubstr(R"("seq":2)"));
  EXPECT_THAT(tail.err.str(), HasSubstr("undecodable event (seq 1)"));
  EXPECT_EQ(tail.connection.sent[1].tail_ack().through_seq(), 2u);  // still credited
}

}  // namespace
}  // namespace plexus::ctl
