// JournalWriter reads: served by the journal thread after the group queued before them, so a
// read right after tryAppend() sees the event; reachedThrough is `to` when fewer than maxEvents
// came back, else the last event's offset; types filter; holes (recorded, and those of a failed
// group not yet recorded) come with the range; firstOffset follows retention; a failing store
// answers ok = false with the error; reads queued before stop() are served, later ones refused.

#include <gtest/gtest.h>

#include <chrono>

#include "journal/journal_test_support.h"
#include "journal/journal_writer_probe.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using namespace std::chrono_literals;

class JournalWriterReadTest : public journal_test::WriterProbeTest {};

std::vector<std::uint64_t> offsetsOf(const ReadResult& result) {
  std::vector<std::uint64_t> out;
  for (const JournalEvent& event : result.events)
    out.push_back(event.offset);
  return out;
}

TEST_F(JournalWriterReadTest, AReadRightAfterAnAppendSeesTheEvent) {
  start();
  for (std::uint64_t offset = 1; offset <= 3; ++offset) {
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
    auto result = readNow(ReadRequest{offset, 1, offset, 100, {}});
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->ok) << result->error;
    ASSERT_EQ(result->events.size(), offset);
    EXPECT_EQ(result->events.back(), eventAt(offset));
    EXPECT_EQ(result->reachedThrough, offset);
    EXPECT_EQ(result->firstOffset, 1u);
    EXPECT_TRUE(result->holes.empty());
  }
}

TEST_F(JournalWriterReadTest, AReadQueuedBehindAHeldGroupWaitsForIt) {
  start();
  failing->hold(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(failing->waitUntilHolding(5s));  // the thread is writing [1]
  ASSERT_TRUE(writer->tryAppend(eventAt(2)));
  writer->requestRead(ReadRequest{7, 1, 10, 100, {}});
  failing->hold(false);
  auto result = resultOf(7);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok);
  EXPECT_EQ(offsetsOf(*result), (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(JournalWriterReadTest, ReachedThroughIsToUnlessTheReadIsFull) {
  start();
  for (std::uint64_t offset = 1; offset <= 5; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  auto full = readNow(ReadRequest{1, 1, 10, 3, {}});
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(offsetsOf(*full), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(full->reachedThrough, 3u);  // exactly maxEvents: the last event returned

  auto rest = readNow(ReadRequest{2, 4, 10, 3, {}});
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(offsetsOf(*rest), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(rest->reachedThrough, 10u);  // fewer: all of [4, 10] was looked at

  auto exact = readNow(ReadRequest{3, 1, 5, 5, {}});
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->events.size(), 5u);
  EXPECT_EQ(exact->reachedThrough, 5u);

  auto none = readNow(ReadRequest{4, 6, 9, 5, {}});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->ok);
  EXPECT_TRUE(none->events.empty());
  EXPECT_EQ(none->reachedThrough, 9u);
}

TEST_F(JournalWriterReadTest, TypesFilterAndReachedThroughFollowsTheFilteredEvents) {
  start();
  for (std::uint64_t offset = 1; offset <= 6; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset, offset % 2 == 0 ? 2 : 1)));
  auto evens = readNow(ReadRequest{1, 1, 6, 100, {2}});
  ASSERT_TRUE(evens.has_value());
  EXPECT_EQ(offsetsOf(*evens), (std::vector<std::uint64_t>{2, 4, 6}));
  EXPECT_EQ(evens->reachedThrough, 6u);

  auto two = readNow(ReadRequest{2, 1, 6, 2, {2}});
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(offsetsOf(*two), (std::vector<std::uint64_t>{2, 4}));
  EXPECT_EQ(two->reachedThrough, 4u);

  auto both = readNow(ReadRequest{3, 1, 6, 100, {1, 2}});
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->events.size(), 6u);
}

TEST_F(JournalWriterReadTest, HolesInTheRangeComeWithTheEvents) {
  start();
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(writer->recordHole(Hole{2, 3, Hole::Reason::Overflow}));
  ASSERT_TRUE(writer->tryAppend(eventAt(4)));
  ASSERT_TRUE(writer->recordHole(Hole{5, 5, Hole::Reason::Overflow}));
  ASSERT_TRUE(writer->tryAppend(eventAt(6)));
  auto all = readNow(ReadRequest{1, 1, 10, 100, {}});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(offsetsOf(*all), (std::vector<std::uint64_t>{1, 4, 6}));
  EXPECT_EQ(all->holes, (std::vector<Hole>{Hole{2, 3, Hole::Reason::Overflow},
                                           Hole{5, 5, Hole::Reason::Overflow}}));

  // Only the holes overlapping [from, reachedThrough]: the read stops at offset 1.
  auto first = readNow(ReadRequest{2, 1, 10, 1, {}});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->reachedThrough, 1u);
  EXPECT_TRUE(first->holes.empty());

  auto middle = readNow(ReadRequest{3, 3, 4, 100, {}});
  ASSERT_TRUE(middle.has_value());
  EXPECT_EQ(middle->holes, (std::vector<Hole>{Hole{2, 3, Hole::Reason::Overflow}}));
}

TEST_F(JournalWriterReadTest, TheOffsetsOfAFailedGroupReadAsHolesBeforeTheyAreRecorded) {
  JournalWriterOptions options;
  options.trimInterval = 1h;  // no retry at a tick: the hole stays pending during the test
  start(options);
  failing->setFull(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(writer->tryAppend(eventAt(2)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.failures >= 1; }));
  auto result = readNow(ReadRequest{1, 1, 10, 100, {}});
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok);
  EXPECT_TRUE(result->events.empty());
  EXPECT_EQ(result->holes, (std::vector<Hole>{Hole{1, 2, Hole::Reason::WriteFailed}}));
}

TEST_F(JournalWriterReadTest, FirstOffsetFollowsRetention) {
  JournalWriterOptions options;
  options.retention.maxEvents = 2;
  options.trimEveryGroups = 1;
  start(options);
  auto empty = readNow(ReadRequest{1, 1, 10, 10, {}});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->firstOffset, 0u);
  for (std::uint64_t offset = 1; offset <= 5; ++offset) {
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
    ASSERT_TRUE(waitForNotice([&](const CommitNotice& n) { return n.committedThrough == offset; }));
  }
  // The last group's trim runs before the thread takes this request.
  auto result = readNow(ReadRequest{2, 1, 10, 10, {}});
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->firstOffset, 4u);
  EXPECT_EQ(offsetsOf(*result), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(result->reachedThrough, 10u);
}

TEST_F(JournalWriterReadTest, AFailingStoreAnswersNotOkWithTheError) {
  start();
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  probe->failReads(true);
  auto failed = readNow(ReadRequest{1, 1, 10, 10, {}});
  ASSERT_TRUE(failed.has_value());
  EXPECT_FALSE(failed->ok);
  EXPECT_NE(failed->error.find("injected EIO"), std::string::npos) << failed->error;
  EXPECT_TRUE(failed->events.empty());
  EXPECT_EQ(failed->reachedThrough, 0u);  // from - 1

  probe->failReads(false);
  auto again = readNow(ReadRequest{2, 1, 10, 10, {}});
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->ok);
  EXPECT_EQ(offsetsOf(*again), (std::vector<std::uint64_t>{1}));
}

TEST_F(JournalWriterReadTest, ReadsAreServedInRequestOrderAndNotBoundedByTheQueue) {
  JournalWriterOptions options;
  options.queueCapacity = 2;
  start(options);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  for (std::uint64_t id = 1; id <= 10; ++id)
    writer->requestRead(ReadRequest{id, 1, 1, 1, {}});
  ASSERT_TRUE(resultOf(10).has_value());
  ASSERT_EQ(seenReads.size(), 10u);
  for (std::uint64_t id = 1; id <= 10; ++id) {
    EXPECT_EQ(seenReads[id - 1].id, id);
    EXPECT_EQ(offsetsOf(seenReads[id - 1]), (std::vector<std::uint64_t>{1}));
  }
}

TEST_F(JournalWriterReadTest, ReadsQueuedBeforeStopAreServedLaterOnesRefused) {
  start();
  failing->hold(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(failing->waitUntilHolding(5s));
  ASSERT_TRUE(writer->tryAppend(eventAt(2)));
  writer->requestRead(ReadRequest{1, 1, 10, 10, {}});
  failing->hold(false);
  writer->stop();
  auto served = resultOf(1, 0ms);  // already there: stop() returned
  ASSERT_TRUE(served.has_value());
  EXPECT_TRUE(served->ok);
  EXPECT_EQ(offsetsOf(*served), (std::vector<std::uint64_t>{1, 2}));

  writer->requestRead(ReadRequest{2, 5, 10, 10, {}});
  auto refused = resultOf(2, 0ms);
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(refused->error, "journal stopped");
  EXPECT_EQ(refused->reachedThrough, 4u);
}

}  // namespace
}  // namespace plexus::host
