// JournalWriter: the bounded queue refuses when full and the caller keeps the event; what queued
// while a group was being written goes as the next group; every group posts a notice; a storage
// failure turns the group into a recorded hole, is counted, and writing recovers on its own;
// retention trims as groups go; stop() writes everything queued first; a clean stop the store
// refuses is logged and the writer still stops.

#include "journal/journal_writer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "fakes/failing_journal.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using namespace std::chrono_literals;

// What the journal thread logs: while it lives, the "journal" logger (which the writer's thread
// takes when it starts) writes to a string. Read text() only once the writer has stopped.
class JournalLogCapture {
 public:
  JournalLogCapture() {
    m_logger->set_pattern("%l|%v");
    spdlog::drop("journal");
    spdlog::register_logger(m_logger);
  }
  ~JournalLogCapture() { spdlog::drop("journal"); }
  JournalLogCapture(const JournalLogCapture&) = delete;
  JournalLogCapture& operator=(const JournalLogCapture&) = delete;
  std::string text() const { return m_output.str(); }

 private:
  std::ostringstream m_output;
  std::shared_ptr<spdlog::logger> m_logger = std::make_shared<spdlog::logger>(
      "journal", std::make_shared<spdlog::sinks::ostream_sink_mt>(m_output));
};

class JournalWriterTest : public ::testing::Test {
 protected:
  void start(JournalWriterOptions options = {}) {
    auto store = std::make_unique<FailingJournal>();
    failing = store.get();
    writer = std::make_unique<JournalWriter>(std::move(store), notices, std::move(options));
  }

  // Takes notices (as an owner's loop would: sleep on the fd, drain) until `done` holds for
  // the latest one, for at most `timeout`.
  bool waitForNotice(const std::function<bool(const CommitNotice&)>& done,
                     std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<CommitNotice> batch;
    for (;;) {
      batch.clear();
      notices.drain(batch);
      for (const CommitNotice& notice : batch) {
        last = notice;
        ++received;
      }
      if (received > 0 && done(last)) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      if (!notices.prepareToSleep()) {
        pollfd item{notices.fd(), POLLIN, 0};
        ::poll(&item, 1, static_cast<int>(left.count()));
      }
      notices.awake();
    }
  }

  JournalWriter::Notices notices;
  FailingJournal* failing = nullptr;
  std::unique_ptr<JournalWriter> writer;
  CommitNotice last;
  std::size_t received = 0;
};

TEST_F(JournalWriterTest, TheQueueIsBoundedAndWhatWaitedGoesAsOneGroup) {
  JournalWriterOptions options;
  options.queueCapacity = 4;
  start(options);
  failing->hold(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(failing->waitUntilHolding(5s));  // the thread writes [1] and is held there
  for (std::uint64_t offset = 2; offset <= 5; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  EXPECT_FALSE(writer->tryAppend(eventAt(6)));  // full: refused, the caller keeps it
  EXPECT_EQ(writer->queued(), 4u);
  failing->hold(false);
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 5; }));
  EXPECT_TRUE(last.ok);
  EXPECT_EQ(last.groups, 2u);
  EXPECT_EQ(failing->groupSizes(), (std::vector<std::size_t>{1, 4}));
  EXPECT_TRUE(writer->tryAppend(eventAt(6)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 6; }));
  writer->stop();
  auto events = failing->inner().read(1, 100, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 6u);
}

TEST_F(JournalWriterTest, AFailedGroupBecomesAHoleIsCountedAndWritingRecovers) {
  start();
  failing->setFull(true);
  for (std::uint64_t offset = 1; offset <= 3; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.failures >= 1; }));
  EXPECT_FALSE(last.ok);
  EXPECT_NE(last.error.find("full"), std::string::npos) << last.error;
  EXPECT_EQ(last.failedOffsets, 3u);
  EXPECT_EQ(last.committedThrough, 0u);
  failing->setFull(false);
  ASSERT_TRUE(writer->tryAppend(eventAt(4)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 4; }));
  EXPECT_TRUE(last.ok);
  writer->stop();
  auto events = failing->inner().read(1, 100, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front(), eventAt(4));
  auto holes = failing->inner().holes(1, 100);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{1, 3, Hole::Reason::WriteFailed}}));
}

TEST_F(JournalWriterTest, FailedHolesAreRetriedWithoutNewEvents) {
  JournalWriterOptions options;
  options.trimInterval = 10ms;
  start(options);
  failing->setFull(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.failures >= 1; }));
  failing->setFull(false);
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.ok && n.committedThrough == 1; }));
  writer->stop();
  auto holes = failing->inner().holes(1, 100);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{1, 1, Hole::Reason::WriteFailed}}));
}

TEST_F(JournalWriterTest, OverflowHolesAreWrittenInOrderWithTheEvents) {
  start();
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(writer->recordHole(Hole{2, 2, Hole::Reason::Overflow}));
  ASSERT_TRUE(writer->recordHole(Hole{3, 4, Hole::Reason::Overflow}));
  ASSERT_TRUE(writer->tryAppend(eventAt(5)));
  writer->stop();
  auto holes = failing->inner().holes(1, 100);
  ASSERT_TRUE(holes.ok());
  ASSERT_FALSE(holes->empty());
  std::uint64_t covered = 0;
  for (const Hole& hole : *holes) {
    EXPECT_EQ(hole.reason, Hole::Reason::Overflow);
    covered += hole.size();
  }
  EXPECT_EQ(covered, 3u);
  EXPECT_EQ(failing->inner().lastOffset(), 5u);
}

TEST_F(JournalWriterTest, AReservationAloneIsCommitted) {
  start();
  writer->requestReservation(5000);
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.reservedThrough >= 5000; }));
  EXPECT_EQ(last.reservedThrough, 5000u);
  EXPECT_EQ(last.committedThrough, 0u);
}

// The owner may be out of offsets while a large group is written: the reservation that waits
// with it is committed first, on its own, and its notice comes before the group's.
TEST_F(JournalWriterTest, AReservationGoesAheadOfALargeGroup) {
  start();
  failing->hold(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(failing->waitUntilHolding(5s));  // the writer is busy with offset 1
  for (std::uint64_t offset = 2; offset <= 201; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  writer->requestReservation(9000);
  failing->hold(false);
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 201; }));
  // Appends that succeeded, by events carried: offset 1, the reservation alone, the group.
  EXPECT_EQ(failing->groupSizes(), (std::vector<std::size_t>{1, 0, 200}));
  EXPECT_EQ(failing->inner().reservedThrough(), 9000u);
}

TEST_F(JournalWriterTest, RetentionTrimsAsGroupsGo) {
  JournalWriterOptions options;
  options.retention.maxEvents = 10;
  options.trimEveryGroups = 1;
  start(options);
  for (std::uint64_t offset = 1; offset <= 100; ++offset) {
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
    if (offset % 10 == 0) {
      ASSERT_TRUE(
          waitForNotice([&](const CommitNotice& n) { return n.committedThrough == offset; }));
    }
  }
  writer->stop();
  auto stats = failing->inner().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 10u);
  EXPECT_EQ(stats->firstOffset, 91u);
  EXPECT_GE(last.trimmedEvents, 80u);  // the last group's trim may follow the last notice
}

TEST_F(JournalWriterTest, StopWritesEverythingQueued) {
  start();
  for (std::uint64_t offset = 1; offset <= 5000; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  writer->stop();
  writer->stop();  // idempotent
  EXPECT_FALSE(writer->tryAppend(eventAt(5001)));
  auto events = failing->inner().read(1, 10000, 10000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 5000u);
  for (std::uint64_t offset = 1; offset <= 5000; ++offset)
    ASSERT_EQ((*events)[offset - 1].offset, offset);
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 5000; }));
}

// The disk fills after the last group: the clean stop's closeClean fails. The failure is logged,
// stopClean() still returns with the thread gone, and the store keeps its reservation (the next
// open records what is above the last event as a Crash hole, which is what it then is).
TEST_F(JournalWriterTest, ACleanStopTheStoreRefusesIsLoggedAndTheWriterStillStops) {
  const JournalLogCapture log;
  start();
  writer->requestReservation(5000);
  for (std::uint64_t offset = 1; offset <= 3; ++offset)
    ASSERT_TRUE(writer->tryAppend(eventAt(offset)));
  ASSERT_TRUE(waitForNotice(
      [](const CommitNotice& n) { return n.committedThrough == 3 && n.reservedThrough >= 5000; }));
  failing->setFull(true);
  writer->stopClean(3);
  EXPECT_FALSE(writer->tryAppend(eventAt(4))) << "stopped";
  EXPECT_NE(log.text().find(
                "warning|journal clean stop failed: journal storage: database or disk is full"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(failing->inner().reservedThrough(), 5000u) << "the clean close reached the store";
  auto events = failing->inner().read(1, 100, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u);
}

}  // namespace
}  // namespace plexus::host
