// JournalReadQueries with a real Journal on the in-memory store (filled before the journal
// opens it): a read from an offset or a time answers the events in offset order with the holes
// among them, filtered by type (holes stay), stopped at count with where to continue
// (next_offset, more); a count above 10000, neither or both of from/since are refused; when
// retention removed what the read asked for, trimmed_before says where the journal begins (not
// when the offsets below it are holes); a node without a journal answers UNAVAILABLE.

#include "control/journal_read_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_replier.h"
#include "fakes/memory_journal.h"

namespace plexus::host {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr std::int64_t kMs = 1'000'000;  // ns
constexpr auto kNewBlock = v1::EVENT_TYPE_NEW_BLOCK;
constexpr auto kPeer = v1::EVENT_TYPE_PEER_CONNECTED;

JournalSettings settings() {
  JournalSettings out;
  out.directory = "/nonexistent/for-messages-only";
  out.types.set(static_cast<std::size_t>(kNewBlock));
  out.types.set(static_cast<std::size_t>(kPeer));
  return out;
}

// Offsets 1..8: events at time offset * 1000 ms, a crash hole at 4..5 (or at 1..2 with
// `holeFirst`); `keep` > 0 trims to that many events.
std::unique_ptr<MemoryJournal> filledStore(std::uint64_t keep = 0, bool holeFirst = false) {
  auto store = std::make_unique<MemoryJournal>();
  JournalBatch batch;
  const std::vector<v1::EventType> types = {kNewBlock, kPeer,     kNewBlock, kNewBlock,
                                            kNewBlock, kNewBlock, kNewBlock, kPeer};
  const std::uint64_t holeAt = holeFirst ? 1 : 4;
  for (std::uint64_t offset = 1; offset <= 8; ++offset) {
    if (offset == holeAt || offset == holeAt + 1) continue;
    batch.events.push_back(JournalEvent{offset, static_cast<std::int64_t>(offset) * 1000 * kMs,
                                        types[offset - 1], "body" + std::to_string(offset)});
  }
  batch.holes.push_back(Hole{holeAt, holeAt + 1, Hole::Reason::Crash});
  batch.reservedThrough = 8;
  EXPECT_TRUE(store->append(batch).ok());
  if (keep != 0) {
    EXPECT_TRUE(store->trim(Retention{keep, 0, 0}, 0).ok());
  }
  return store;
}

// Entries as text: "3" for an event, "h4-5" for a hole.
std::vector<std::string> shape(const v1::JournalReadResponse& response) {
  std::vector<std::string> out;
  for (const auto& entry : response.entries()) {
    out.push_back(entry.has_hole() ? "h" + std::to_string(entry.hole().first()) + "-" +
                                         std::to_string(entry.hole().last())
                                   : std::to_string(entry.offset()));
  }
  return out;
}
using Shape = std::vector<std::string>;

class JournalReadQueriesTest : public ::testing::Test {
 protected:
  void open(std::unique_ptr<MemoryJournal> store) {
    journal = std::make_unique<Journal>(std::move(store), settings());
    queries = std::make_unique<JournalReadQueries>(replier, journal.get());
  }

  // Sends `body` and drains the journal's read results, as the loop would, until the answer.
  v1::ControlResponse ask(const v1::JournalReadRequest& body) {
    v1::ControlRequest request;
    request.set_correlation_id(++m_correlation);
    *request.mutable_journal_read() = body;
    const std::size_t before = replier.sent.size();
    queries->handle("op", request);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (journal && replier.sent.size() == before &&
           std::chrono::steady_clock::now() < deadline) {
      auto& reads = journal->reads();
      if (!reads.prepareToSleep()) {
        pollfd item{reads.fd(), POLLIN, 0};
        ::poll(&item, 1, 100);
      }
      reads.awake();
      journal->onReads();
    }
    EXPECT_EQ(replier.sent.size(), before + 1) << "one answer per request";
    EXPECT_EQ(replier.last().correlation_id(), m_correlation);
    return replier.last();
  }
  v1::ControlResponse from(std::uint64_t offset, std::uint32_t count = 0,
                           const std::vector<v1::EventType>& types = {}) {
    v1::JournalReadRequest body;
    body.set_from_offset(offset);
    body.set_count(count);
    for (auto type : types)
      body.add_types(type);
    return ask(body);
  }
  v1::ControlResponse since(std::int64_t ms) {
    v1::JournalReadRequest body;
    body.set_since_unix_ms(ms);
    return ask(body);
  }

  fakes::FakeReplier replier;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<JournalReadQueries> queries;

 private:
  std::uint64_t m_correlation = 0;
};

TEST_F(JournalReadQueriesTest, FromAnOffsetAnswersEventsAndHolesInOffsetOrder) {
  open(filledStore());
  ASSERT_EQ(journal->lastOffset(), 8u);
  auto response = from(1);
  ASSERT_TRUE(response.has_journal_read()) << response.DebugString();
  const auto& read = response.journal_read();
  EXPECT_EQ(shape(read), (Shape{"1", "2", "3", "h4-5", "6", "7", "8"}));
  EXPECT_EQ(read.entries(1).type(), kPeer);
  EXPECT_EQ(read.entries(1).time_unix_ns(), 2000 * kMs);
  EXPECT_EQ(read.entries(1).event(), "body2");
  EXPECT_EQ(read.entries(3).hole().reason(), "crash");
  EXPECT_EQ(read.first_offset(), 1u);
  EXPECT_EQ(read.next_offset(), 9u);
  EXPECT_EQ(read.last_offset(), 8u);
  EXPECT_FALSE(read.more());
  EXPECT_EQ(read.trimmed_before(), 0u);
  EXPECT_EQ(shape(from(5).journal_read()), (Shape{"h4-5", "6", "7", "8"}))
      << "a hole the start falls in is answered whole";
}

TEST_F(JournalReadQueriesTest, TypesFilterTheEventsButNotTheHoles) {
  open(filledStore());
  EXPECT_EQ(shape(from(1, 0, {kNewBlock}).journal_read()), (Shape{"1", "3", "h4-5", "6", "7"}));
  EXPECT_EQ(shape(from(1, 0, {kPeer}).journal_read()), (Shape{"2", "h4-5", "8"}));
}

TEST_F(JournalReadQueriesTest, CountStopsTheReadAndSaysWhereToContinue) {
  open(filledStore());
  auto first = from(1, 2).journal_read();
  EXPECT_EQ(shape(first), (Shape{"1", "2"}));
  EXPECT_EQ(first.next_offset(), 3u);
  EXPECT_TRUE(first.more());
  auto second = from(first.next_offset(), 2).journal_read();
  EXPECT_EQ(shape(second), (Shape{"3", "h4-5", "6"}));
  EXPECT_EQ(second.next_offset(), 7u);
  EXPECT_TRUE(second.more());
  auto last = from(second.next_offset(), 2).journal_read();
  EXPECT_EQ(shape(last), (Shape{"7", "8"}));
  EXPECT_EQ(last.next_offset(), 9u);
  EXPECT_FALSE(last.more()) << "the last event is the head: nothing more";
  v1::JournalReadRequest bounded;
  bounded.set_from_offset(1);
  bounded.set_to_offset(3);
  auto upTo = ask(bounded).journal_read();
  EXPECT_EQ(shape(upTo), (Shape{"1", "2", "3"}));
  EXPECT_FALSE(upTo.more());
  EXPECT_EQ(upTo.last_offset(), 3u);
}

TEST_F(JournalReadQueriesTest, SinceStartsAtTheFirstEventAtOrAfterTheTime) {
  open(filledStore());
  EXPECT_EQ(shape(since(3000).journal_read()), (Shape{"3", "h4-5", "6", "7", "8"}));
  EXPECT_EQ(shape(since(2500).journal_read()), (Shape{"3", "h4-5", "6", "7", "8"}));
  auto none = since(9000).journal_read();
  EXPECT_TRUE(none.entries().empty());
  EXPECT_FALSE(none.more());
  EXPECT_EQ(none.next_offset(), 9u);
  EXPECT_EQ(none.trimmed_before(), 0u);
}

TEST_F(JournalReadQueriesTest, ACountAboveTheLimitIsRefused) {
  open(filledStore());
  auto refused = from(1, 10001);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_THAT(refused.error().message(), HasSubstr("10000"));
  EXPECT_TRUE(from(1, 10000).has_journal_read());
}

TEST_F(JournalReadQueriesTest, ExactlyOneOfFromAndSince) {
  open(filledStore());
  auto neither = ask(v1::JournalReadRequest());
  ASSERT_TRUE(neither.has_error()) << neither.DebugString();
  EXPECT_EQ(neither.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  v1::JournalReadRequest both;
  both.set_from_offset(1);
  both.set_since_unix_ms(1000);
  auto refused = ask(both);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_THAT(refused.error().message(), HasSubstr("exactly one"));
}

TEST_F(JournalReadQueriesTest, ATrimmedStartSaysWhereTheJournalBegins) {
  open(filledStore(3));  // keeps 6, 7, 8: the hole 4..5 went with them
  auto read = from(1).journal_read();
  EXPECT_EQ(read.trimmed_before(), 6u);
  EXPECT_EQ(read.first_offset(), 6u);
  EXPECT_EQ(shape(read), (Shape{"6", "7", "8"}));
  EXPECT_EQ(from(6).journal_read().trimmed_before(), 0u) << "the start is held";
  EXPECT_EQ(since(1).journal_read().trimmed_before(), 6u)
      << "trimmed events may have been after the time";
  EXPECT_EQ(since(6500).journal_read().trimmed_before(), 0u) << "found after the oldest event";
}

TEST_F(JournalReadQueriesTest, HolesBelowTheFirstEventAreNoTrim) {
  open(filledStore(0, true));  // offsets 1..2 a hole, events from 3
  auto read = from(1).journal_read();
  EXPECT_EQ(read.trimmed_before(), 0u);
  EXPECT_EQ(shape(read), (Shape{"h1-2", "3", "4", "5", "6", "7", "8"}));
  EXPECT_EQ(since(1).journal_read().trimmed_before(), 0u);
}

TEST_F(JournalReadQueriesTest, ANodeWithoutAJournalAnswersUnavailable) {
  queries = std::make_unique<JournalReadQueries>(replier, nullptr);
  auto response = from(1);
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_THAT(response.error().message(), HasSubstr("no journal"));
}

}  // namespace
}  // namespace plexus::host
