// The command runner: one request, the printed answer (human or --json) and the exit code for
// each outcome: success, error reply, unreachable node, unexpected answer.

#include "plexus/ctl/run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "fake_connection.h"
#include "plexus/ctl/args.h"
#include "plexus/ipc/protocol.h"

namespace plexus::ctl {
namespace {

using testing::FakeConnection;
using ::testing::HasSubstr;

Invocation parsed(std::vector<std::string> args) {
  auto result = parseArgs(args);
  EXPECT_TRUE(result.ok());
  if (!result) return {};
  return std::get<Invocation>(std::move(*result));
}

struct Outcome {
  ExitCode code;
  std::string out;
  std::string err;
};

Outcome runWith(FakeConnection& connection, std::vector<std::string> args) {
  std::ostringstream out, err;
  const std::atomic<bool> stop{false};
  auto code = run(parsed(std::move(args)), connection, stop, out, err);
  return {code, out.str(), err.str()};
}

v1::ControlResponse statsAnswer() {
  v1::ControlResponse response;
  auto* stats = response.mutable_stats()->add_modules();
  stats->set_module_id("logger");
  stats->set_routed(4);
  stats->set_successful(4);
  stats->set_acked(4);
  return response;
}

TEST(CtlRun, StatsJsonPrintsExactlyTheStatsResponse) {
  FakeConnection connection;
  connection.answers.emplace_back(statsAnswer());
  auto outcome = runWith(connection, {"stats", "logger", "--json"});
  EXPECT_EQ(outcome.code, ExitCode::Ok);
  EXPECT_EQ(outcome.err, "");
  EXPECT_EQ(outcome.out,
            R"({"modules":[{"module_id":"logger","routed":"4","successful":"4",)"
            R"("channel_full":"0","failed":"0","acked":"4","lost":"0","decode_errors":"0",)"
            R"("rejected":"0","queued":0,"in_flight":0,"max_held":0,)"
            R"("last_event_at_unix_ms":"0","blocked":0,"capacity":0,"filtered":"0",)"
            R"("lanes":[],"replayed":"0","redelivered":"0","journal_holes":"0","trimmed":"0"}]})"
            "\n");
  ASSERT_EQ(connection.calls.size(), 1u);
  EXPECT_EQ(connection.calls[0].stats().module_id(), "logger");
  EXPECT_EQ(connection.callTimeouts[0].count(), 5000);
}

TEST(CtlRun, HumanOutputByDefault) {
  FakeConnection connection;
  v1::ControlResponse response;
  response.mutable_publish()->set_published(3);
  response.mutable_publish()->set_routed(3);
  response.mutable_publish()->set_accepted(3);
  response.mutable_publish()->set_modules(1);
  connection.answers.emplace_back(response);
  auto outcome = runWith(connection, {"publish", "NewBlock", "--count", "3"});
  EXPECT_EQ(outcome.code, ExitCode::Ok);
  EXPECT_EQ(outcome.out,
            "published 3 event(s) of NewBlock: delivered to 1 module(s); accepted 3, dropped 0, "
            "failed 0, timed out 0\n");
  EXPECT_EQ(connection.calls[0].publish().count(), 3u);
  EXPECT_EQ(connection.calls[0].publish().progress_interval_ms(), 1000u)
      << "--timeout/4, at most a second";
}

TEST(CtlRun, JournalSendsTheJournalRequestAndPrintsTheAnswer) {
  FakeConnection connection;
  v1::ControlResponse response;
  response.mutable_journal()->set_enabled(true);
  response.mutable_journal()->set_directory("/var/lib/plexus");
  response.mutable_journal()->set_writing(true);
  connection.answers.emplace_back(response);
  connection.answers.emplace_back(response);
  auto text = runWith(connection, {"journal"});
  EXPECT_EQ(text.code, ExitCode::Ok);
  EXPECT_THAT(text.out, HasSubstr("directory  /var/lib/plexus\n"));
  auto json = runWith(connection, {"journal", "--json"});
  EXPECT_EQ(json.code, ExitCode::Ok);
  EXPECT_THAT(json.out, HasSubstr(R"({"enabled":true,"directory":"/var/lib/plexus",)"));
  ASSERT_EQ(connection.calls.size(), 2u);
  EXPECT_TRUE(connection.calls[0].has_journal());
  EXPECT_TRUE(connection.calls[1].has_journal());
}

TEST(CtlRun, CursorsSendsTheCursorsRequestAndPrintsTheAnswer) {
  FakeConnection connection;
  v1::ControlResponse list;
  auto* cursor = list.mutable_cursors()->add_cursors();
  cursor->set_module_id("d");
  cursor->set_cursor(5);
  list.mutable_cursors()->set_last_offset(5);
  connection.answers.emplace_back(list);
  connection.answers.emplace_back(list);
  v1::ControlResponse deleted;
  deleted.mutable_cursors()->set_deleted("d");
  connection.answers.emplace_back(deleted);
  auto text = runWith(connection, {"cursors"});
  EXPECT_EQ(text.code, ExitCode::Ok) << text.err;
  EXPECT_THAT(text.out, HasSubstr("MODULE  CURSOR"));
  EXPECT_THAT(text.out, HasSubstr("\nd            5"));
  auto json = runWith(connection, {"cursors", "--json"});
  EXPECT_EQ(json.code, ExitCode::Ok);
  EXPECT_THAT(json.out, HasSubstr(R"({"cursors":[{"module_id":"d","cursor":"5",)"));
  auto remove = runWith(connection, {"cursors", "--delete", "d"});
  EXPECT_EQ(remove.code, ExitCode::Ok);
  EXPECT_EQ(remove.out, "cursor of module d deleted\n");
  ASSERT_EQ(connection.calls.size(), 3u);
  EXPECT_TRUE(connection.calls[0].has_cursors());
  EXPECT_EQ(connection.calls[0].cursors().delete_module(), "");
  EXPECT_EQ(connection.calls[2].cursors().delete_module(), "d");
}

TEST(CtlRun, CursorsRefusedByTheNodeIsAnErrorReply) {
  FakeConnection connection;
  v1::ControlResponse refused;
  refused.mutable_error()->set_code(v1::ERROR_CODE_UNAVAILABLE);
  refused.mutable_error()->set_message("module 'd' is running or about to");
  connection.answers.emplace_back(refused);
  auto outcome = runWith(connection, {"cursors", "--delete", "d"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_EQ(outcome.out, "");
  EXPECT_THAT(outcome.err, HasSubstr("module 'd' is running"));
}

TEST(CtlRun, ARequestAnOlderNodeCannotReadSaysTheNodeIsOlder) {
  FakeConnection connection;
  v1::ControlResponse older;  // what a 1.3 node answers a body it does not know
  older.set_protocol_major(ipc::kProtocolMajor);
  older.set_protocol_minor(ipc::kProtocolMinor - 1);
  older.mutable_error()->set_code(v1::ERROR_CODE_MALFORMED);
  older.mutable_error()->set_message("not a ControlRequest");
  connection.answers.emplace_back(older);
  auto outcome = runWith(connection, {"cursors"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_EQ(outcome.err, "plexusctl: not a ControlRequest (the node speaks protocol 1." +
                             std::to_string(ipc::kProtocolMinor - 1) + ", this plexusctl " +
                             ipc::protocolVersionString() +
                             ": the node may not know this command)\n");
  v1::ControlResponse same = older;  // the same minor: no note
  same.set_protocol_minor(ipc::kProtocolMinor);
  connection.answers.emplace_back(same);
  EXPECT_EQ(runWith(connection, {"cursors"}).err, "plexusctl: not a ControlRequest\n");
  v1::ControlResponse refused = older;  // another error of an older node: no note either
  refused.mutable_error()->set_code(v1::ERROR_CODE_NOT_FOUND);
  refused.mutable_error()->set_message("no module 'x'");
  connection.answers.emplace_back(refused);
  EXPECT_EQ(runWith(connection, {"stats", "x"}).err, "plexusctl: no module 'x'\n");
}

// Issue 10, item 6: while the node publishes, each progress restarts the wait for the answer.
TEST(CtlRun, PublishProgressIsFollowedUntilTheAnswer) {
  FakeConnection connection;
  v1::ControlResponse progress;
  progress.set_correlation_id(5);
  progress.mutable_publish_progress()->set_published(100);
  connection.answers.emplace_back(progress);
  connection.incoming.push_back(progress);
  v1::ControlResponse done;
  done.set_correlation_id(5);
  done.mutable_publish()->set_published(300);
  done.mutable_publish()->set_requested(300);
  done.mutable_publish()->set_accepted(300);
  done.mutable_publish()->set_modules(1);
  connection.incoming.push_back(done);
  auto outcome = runWith(connection, {"--timeout", "40", "publish", "NewBlock", "--count", "300"});
  EXPECT_EQ(outcome.code, ExitCode::Ok) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("published 300 event(s) of NewBlock: delivered to 1"));
  EXPECT_EQ(connection.calls[0].publish().progress_interval_ms(), 10u);

  FakeConnection silent;  // progress, then nothing within --timeout
  silent.answers.emplace_back(progress);
  auto lost = runWith(silent, {"--timeout", "40", "publish", "NewBlock", "--count", "300"});
  EXPECT_EQ(lost.code, ExitCode::Unreachable);
  EXPECT_THAT(lost.err, HasSubstr("did not answer or report progress within 40 ms"));
}

// Issue 10, item 1: the answer names a block subscriber that did not take an event: exit 1.
TEST(CtlRun, APublishNotTakenByEveryBlockSubscriberExitsOne) {
  FakeConnection connection;
  v1::ControlResponse response;
  auto* answer = response.mutable_publish();
  answer->set_requested(5);
  answer->set_published(2);
  answer->set_routed(2);
  answer->set_accepted(1);
  answer->set_failed(1);
  answer->set_modules(1);
  auto* missed = answer->add_missed();
  missed->set_module_id("slow");
  missed->set_reason(v1::MISS_REASON_STOPPING);
  connection.answers.emplace_back(response);
  auto outcome = runWith(connection, {"publish", "NewBlock", "--count", "5"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_EQ(outcome.out,
            "published 2 of 5 event(s) of NewBlock: delivered to 1 module(s); accepted 1, "
            "dropped 0, failed 1, timed out 0\n"
            "event 2 was not taken by every block-policy subscriber: slow (stopping)\n");
}

// Since 1.6: an event the node published nothing of (the journal made no room in time) exits 1
// with --json too, where nothing is formatted, whatever `missed` holds.
TEST(CtlRun, AnUnpublishedEventExitsOne) {
  FakeConnection connection;
  v1::ControlResponse response;
  response.mutable_publish()->set_requested(3);
  response.mutable_publish()->set_unpublished(1);
  connection.answers.emplace_back(response);
  auto outcome = runWith(connection, {"publish", "NewBlock", "--count", "3", "--json"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_THAT(outcome.out, HasSubstr("\"unpublished\":1"));
}

TEST(CtlRun, ErrorReplyExitsOneWithTheMessage) {
  FakeConnection connection;
  v1::ControlResponse response;
  response.mutable_error()->set_code(v1::ERROR_CODE_PERMISSION_DENIED);
  response.mutable_error()->set_message("NodeShutdown is host-only");
  connection.answers.emplace_back(response);
  auto outcome = runWith(connection, {"publish", "NodeShutdown", "--json"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "plexusctl: NodeShutdown is host-only\n");
}

TEST(CtlRun, BlockSubscriberTimeoutOnPublishExitsOne) {
  FakeConnection connection;
  v1::ControlResponse response;
  response.mutable_error()->set_code(v1::ERROR_CODE_TIMEOUT);  // an answer, not silence
  response.mutable_error()->set_message("1 event(s) were not accepted in time");
  connection.answers.emplace_back(response);
  EXPECT_EQ(runWith(connection, {"publish", "NewBlock"}).code, ExitCode::ErrorReply);
}

TEST(CtlRun, UnreachableNodeExitsThree) {
  for (auto code : {v1::ERROR_CODE_UNAVAILABLE, v1::ERROR_CODE_TIMEOUT}) {
    FakeConnection connection;
    connection.answers.emplace_back(makeError(code, "plexus-node is not running"));
    auto outcome = runWith(connection, {"modules"});
    EXPECT_EQ(outcome.code, ExitCode::Unreachable);
    EXPECT_EQ(outcome.err, "plexusctl: plexus-node is not running\n");
    EXPECT_EQ(outcome.out, "");
  }
}

TEST(CtlRun, UnexpectedAnswerIsAnError) {
  FakeConnection connection;
  connection.answers.emplace_back(statsAnswer());
  auto outcome = runWith(connection, {"status"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_THAT(outcome.err, HasSubstr("unexpected answer from the node: stats instead of status"));
}

TEST(CtlRun, AnswerWithoutBodyIsAnError) {
  v1::ControlResponse bare;  // the node always sets the body, empty lists included
  bare.set_correlation_id(1);
  FakeConnection connection;
  connection.answers.emplace_back(bare);
  auto outcome = runWith(connection, {"modules"});
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_THAT(outcome.err,
              HasSubstr("unexpected answer from the node: nothing instead of modules"));
}

TEST(CtlRun, LifecycleCommandsWaitLongerUnlessTimeoutIsGiven) {
  v1::ControlResponse loaded;
  loaded.mutable_load()->mutable_module()->set_module_id("logger");
  loaded.mutable_load()->mutable_module()->set_pid(12);
  FakeConnection connection;
  connection.answers.emplace_back(loaded);
  auto outcome = runWith(connection, {"load", "logger"});
  EXPECT_EQ(outcome.out, "module logger ready (pid 12)\n");
  EXPECT_EQ(connection.callTimeouts[0].count(), 30000);

  FakeConnection explicitTimeout;
  explicitTimeout.answers.emplace_back(loaded);
  (void)runWith(explicitTimeout, {"load", "logger", "--timeout", "700"});
  EXPECT_EQ(explicitTimeout.callTimeouts[0].count(), 700);
}

TEST(CtlRun, RealClientWithoutNodeExitsThree) {
  // No socket at all: ControlClient reports UNAVAILABLE at once, nothing waits.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("plexusctl-test-no-node-" + std::to_string(::getpid()));
  ASSERT_FALSE(std::filesystem::exists(dir));
  ctl::ControlClient client(dir);
  ClientConnection connection(client);
  std::ostringstream out, err;
  const std::atomic<bool> stop{false};
  auto code = run(parsed({"--runtime-dir", dir.string(), "status"}), connection, stop, out, err);
  EXPECT_EQ(code, ExitCode::Unreachable);
  EXPECT_THAT(err.str(), HasSubstr("plexus-node is not running (no control socket at " +
                                   (dir / "control.sock").string() + ")"));
}

}  // namespace
}  // namespace plexus::ctl
