// `plexusctl journal read`: its command line (exactly one of --from and --since, --since as RFC
// 3339 or a duration ago, --type, --count; usage errors otherwise), its JSON lines (an event
// with offset, RFC 3339 time and the event as tail prints it; a hole; trimmed_before first),
// and its paging against a scripted node: pages of at most 10000 continuing from next_offset up
// to the head of the first answer, until --count events or no more; error answers and a node
// without a journal end it with exit 1.

#include "plexus/ctl/journal_read.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>

#include "fake_connection.h"
#include "parse_helpers.h"
#include "plexus/ctl/args.h"
#include "plexus/ctl/run.h"

namespace plexus::ctl {
namespace {

using testing::FakeConnection;
using ::testing::HasSubstr;
using testing::parse;
using testing::usageError;

constexpr std::int64_t kDec4Ms = 1'796'378'400'000;  // 2026-12-04T10:00:00Z

JournalReadCommand readCommand(std::initializer_list<const char*> args) {
  return testing::command<JournalReadCommand>(args);
}

TEST(CtlJournalRead, FromSinceTypesAndCount) {
  auto from = readCommand({"journal", "read", "--from", "7"});
  EXPECT_EQ(from.fromOffset, 7u);
  EXPECT_FALSE(from.sinceUnixMs || from.sinceAgoMs);
  EXPECT_EQ(from.count, 100u);
  EXPECT_TRUE(from.types.empty());
  auto at = readCommand({"journal", "read", "--since", "2026-12-04T10:00:00Z", "--count=0"});
  EXPECT_EQ(at.sinceUnixMs, kDec4Ms);
  EXPECT_EQ(at.count, 0u);
  EXPECT_EQ(
      readCommand({"journal", "read", "--since", "2026-12-04T12:00:00.250+02:00"}).sinceUnixMs,
      kDec4Ms + 250);
  EXPECT_EQ(readCommand({"journal", "read", "--since", "10m"}).sinceAgoMs, 600'000);
  EXPECT_EQ(readCommand({"journal", "read", "--since", "2h"}).sinceAgoMs, 7'200'000);
  EXPECT_EQ(readCommand({"journal", "read", "--since", "1d"}).sinceAgoMs, 86'400'000);
  auto typed = readCommand({"journal", "read", "--from", "1", "--type", "NewBlock", "--type",
                            "new_block", "--type", "PeerConnected", "--count", "20000"});
  EXPECT_EQ(typed.types,
            (std::vector<v1::EventType>{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_CONNECTED}));
  EXPECT_EQ(typed.count, 20000u) << "plexusctl pages: any count";
}

TEST(CtlJournalRead, UsageErrors) {
  EXPECT_THAT(usageError({"journal", "read"}), HasSubstr("exactly one of --from"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "1", "--since", "1h"}),
              HasSubstr("exactly one of --from"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "0"}), HasSubstr("--from needs"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "x"}), HasSubstr("--from needs"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "1", "--count", "-1"}),
              HasSubstr("--count needs a whole number"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "1", "--count", "ten"}),
              HasSubstr("--count needs a whole number"));
  EXPECT_THAT(usageError({"journal", "read", "--from", "1", "--type", "Nope"}),
              HasSubstr("unknown event type 'Nope'"));
  for (const char* bad : {"yesterday", "10", "10y", "2026-13-04T10:00:00Z", "2026-12-04 10:00:00Z",
                          "2026-12-04T10:00:00", "2026-12-04T10:00:00.Z"}) {
    EXPECT_THAT(usageError({"journal", "read", "--since", bad}), HasSubstr("--since needs")) << bad;
  }
  EXPECT_THAT(usageError({"journal", "--from", "1"}), HasSubstr("belongs to 'journal read'"));
  EXPECT_THAT(usageError({"journal", "write"}), HasSubstr("unexpected argument 'write'"));
  EXPECT_THAT(usageError({"cursors", "--from", "1"}), HasSubstr("unknown option '--from'"));
}

TEST(CtlJournalRead, Rfc3339MsIsUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339Ms(kDec4Ms * 1'000'000 + 250'999'999), "2026-12-04T10:00:00.250Z");
  EXPECT_EQ(rfc3339Ms(0), "1970-01-01T00:00:00.000Z");
}

v1::JournalEntry eventEntry(std::uint64_t offset, std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.set_source("operator");
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(height);
  v1::JournalEntry entry;
  entry.set_offset(offset);
  entry.set_time_unix_ns(kDec4Ms * 1'000'000 + 5'000'000);
  entry.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  entry.set_event(event.SerializeAsString());
  return entry;
}

v1::JournalEntry holeEntry(std::uint64_t first, std::uint64_t last) {
  v1::JournalEntry entry;
  entry.set_offset(first);
  entry.mutable_hole()->set_first(first);
  entry.mutable_hole()->set_last(last);
  entry.mutable_hole()->set_reason("overflow");
  return entry;
}

TEST(CtlJournalRead, EntryLines) {
  auto line = journalEntryLine(eventEntry(7, 5));
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(*line,
            R"({"offset":"7","time":"2026-12-04T10:00:00.005Z","type":"NewBlock","event":{)"
            R"("type":"EVENT_TYPE_NEW_BLOCK","source":"operator","published_at_unix_ns":"0",)"
            R"("published_mono_ns":"0","new_block":{"hash":"00ab","height":"5",)"
            R"("time_unix_s":"0"}}})");
  auto hole = journalEntryLine(holeEntry(8, 9));
  ASSERT_TRUE(hole.ok());
  EXPECT_EQ(*hole, R"({"hole":{"first":"8","last":"9","reason":"overflow"}})");
  v1::JournalEntry broken = eventEntry(3, 1);
  broken.set_event("\xff\xff");
  EXPECT_FALSE(journalEntryLine(broken).ok());
}

// A page answer: `offsets` events (0 = a hole of one offset), then the paging fields.
v1::ControlResponse page(const std::vector<std::uint64_t>& offsets, std::uint64_t next, bool more,
                         std::uint64_t last, std::uint64_t trimmedBefore = 0) {
  v1::ControlResponse response;
  auto* body = response.mutable_journal_read();
  for (std::uint64_t offset : offsets)
    *body->add_entries() =
        offset % 100 == 0 ? holeEntry(offset, offset) : eventEntry(offset, offset);
  body->set_next_offset(next);
  body->set_more(more);
  body->set_last_offset(last);
  body->set_trimmed_before(trimmedBefore);
  return response;
}

struct Outcome {
  ExitCode code;
  std::vector<std::string> lines;
  std::string err;
};

Outcome runRead(FakeConnection& connection, const JournalReadCommand& command,
                std::int64_t nowMs = kDec4Ms) {
  std::ostringstream out, err;
  const std::atomic<bool> stop{false};
  auto code =
      runJournalRead(connection, command, std::chrono::milliseconds(100), stop, out, err, nowMs);
  Outcome outcome{code, {}, err.str()};
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);)
    outcome.lines.push_back(line);
  return outcome;
}

TEST(CtlJournalRead, PagesFromNextOffsetUntilCountEvents) {
  FakeConnection connection;
  connection.answers.emplace_back(page({5, 6, 100, 101}, 102, true, 500, 5));
  connection.answers.emplace_back(page({102}, 103, true, 500));
  JournalReadCommand command;
  command.fromOffset = 3;
  command.count = 4;
  command.types = {v1::EVENT_TYPE_NEW_BLOCK};
  auto outcome = runRead(connection, command);
  EXPECT_EQ(outcome.code, ExitCode::Ok) << outcome.err;
  ASSERT_EQ(connection.calls.size(), 2u) << "stops at 4 events, though the node has more";
  const auto& first = connection.calls[0].journal_read();
  EXPECT_EQ(first.from_offset(), 3u);
  EXPECT_EQ(first.count(), 4u);
  EXPECT_EQ(first.to_offset(), 0u) << "the first read goes to the head";
  ASSERT_EQ(first.types_size(), 1);
  const auto& second = connection.calls[1].journal_read();
  EXPECT_EQ(second.from_offset(), 102u);
  EXPECT_EQ(second.to_offset(), 500u) << "later pages end at the head of the first answer";
  EXPECT_EQ(second.count(), 1u) << "only what is left to print";
  EXPECT_EQ(second.types_size(), 1);
  ASSERT_EQ(outcome.lines.size(), 6u);
  EXPECT_EQ(outcome.lines[0], R"({"trimmed_before":"5"})");
  EXPECT_THAT(outcome.lines[1], HasSubstr(R"({"offset":"5",)"));
  EXPECT_EQ(outcome.lines[3], R"({"hole":{"first":"100","last":"100","reason":"overflow"}})");
  EXPECT_THAT(outcome.lines[5], HasSubstr(R"({"offset":"102",)"));
}

TEST(CtlJournalRead, CountZeroReadsInPagesOf10000UntilNoMore) {
  FakeConnection connection;
  connection.answers.emplace_back(page({1, 2}, 3, true, 9));
  connection.answers.emplace_back(page({3}, 4, true, 9));
  connection.answers.emplace_back(page({9}, 10, false, 9));
  connection.answers.emplace_back(page({10}, 11, false, 10));  // never asked
  JournalReadCommand command;
  command.sinceAgoMs = 600'000;
  command.count = 0;
  auto outcome = runRead(connection, command);
  EXPECT_EQ(outcome.code, ExitCode::Ok) << outcome.err;
  ASSERT_EQ(connection.calls.size(), 3u);
  EXPECT_EQ(connection.calls[0].journal_read().since_unix_ms(), kDec4Ms - 600'000);
  EXPECT_EQ(connection.calls[0].journal_read().from_offset(), 0u);
  for (const auto& call : connection.calls)
    EXPECT_EQ(call.journal_read().count(), 10000u);
  EXPECT_EQ(connection.calls[2].journal_read().from_offset(), 4u);
  EXPECT_EQ(outcome.lines.size(), 4u);
}

TEST(CtlJournalRead, ABigCountIsAskedInPagesOfAtMost10000) {
  FakeConnection connection;
  connection.answers.emplace_back(page({}, 1, false, 0));
  JournalReadCommand command;
  command.sinceUnixMs = kDec4Ms;
  command.count = 25000;
  auto outcome = runRead(connection, command);
  EXPECT_EQ(outcome.code, ExitCode::Ok);
  ASSERT_EQ(connection.calls.size(), 1u);
  EXPECT_EQ(connection.calls[0].journal_read().count(), 10000u);
  EXPECT_EQ(connection.calls[0].journal_read().since_unix_ms(), kDec4Ms);
  EXPECT_TRUE(outcome.lines.empty()) << "an empty journal prints nothing";
}

TEST(CtlJournalRead, AnErrorAnswerOrNoNodeEndsTheRead) {
  FakeConnection connection;
  v1::ControlResponse refused;
  refused.mutable_error()->set_code(v1::ERROR_CODE_UNAVAILABLE);
  refused.mutable_error()->set_message("this node has no journal");
  connection.answers.emplace_back(refused);
  JournalReadCommand command;
  command.fromOffset = 1;
  auto outcome = runRead(connection, command);
  EXPECT_EQ(outcome.code, ExitCode::ErrorReply);
  EXPECT_THAT(outcome.err, HasSubstr("this node has no journal"));
  FakeConnection nobody;  // no scripted answer: a timeout
  EXPECT_EQ(runRead(nobody, command).code, ExitCode::Unreachable);
}

TEST(CtlJournalRead, RunDispatchesJournalRead) {
  FakeConnection connection;
  connection.answers.emplace_back(page({1}, 2, false, 1));
  auto parsed = parse({"journal", "read", "--from", "1"});
  ASSERT_TRUE(parsed.ok());
  std::ostringstream out, err;
  const std::atomic<bool> stop{false};
  EXPECT_EQ(run(std::get<Invocation>(*parsed), connection, stop, out, err), ExitCode::Ok);
  ASSERT_EQ(connection.calls.size(), 1u);
  EXPECT_TRUE(connection.calls[0].has_journal_read());
  EXPECT_THAT(out.str(), HasSubstr(R"({"offset":"1",)"));
}

}  // namespace
}  // namespace plexus::ctl
