// The relayed events at the journal's tail (docs/design.md "Relayed duplicates"): only events
// with an origin offset count; the scan reads the last N offsets, in pages, in journal order;
// a store that cannot be read gives an error. Also measures the start-up scan (disabled).

#include "journal/relayed_tail.h"

#include <gtest/gtest.h>
#include <plexus/v1/events.pb.h>

#include <chrono>
#include <iostream>

#include "fakes/memory_journal.h"
#include "journal/journal.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

std::string eventBytes(const std::string& originNode, std::uint64_t originOffset) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.set_source("bridge");
  event.mutable_new_block()->set_height(9);
  if (!originNode.empty()) {
    event.mutable_origin()->set_node(originNode);
    event.mutable_origin()->set_module("chainsim");
    event.mutable_origin()->set_offset(originOffset);
  }
  return event.SerializeAsString();
}

TEST(RelayedTailTest, OnlyAnEventWithAnOriginOffsetWasRelayed) {
  RelayedOrigin origin;
  ASSERT_TRUE(relayedOriginOf(eventBytes("node-b", 42), origin));
  EXPECT_EQ(origin, (RelayedOrigin{"node-b", 42}));
  EXPECT_FALSE(relayedOriginOf(eventBytes("node-a", 0), origin)) << "a local origin";
  EXPECT_FALSE(relayedOriginOf(eventBytes("", 0), origin)) << "no origin";
  EXPECT_FALSE(relayedOriginOf("\xff\xff\xff", origin)) << "not an event";
  EXPECT_FALSE(relayedOriginOf("", origin));
}

class RelayedTailScanTest : public ::testing::Test {
 protected:
  // Offsets 1..10; relayed: 3 (b:30), 7 (c:70), 9 (b:31).
  RelayedTailScanTest() {
    JournalBatch batch;
    for (std::uint64_t offset = 1; offset <= 10; ++offset) {
      std::string body = offset == 3   ? eventBytes("b", 30)
                         : offset == 7 ? eventBytes("c", 70)
                         : offset == 9 ? eventBytes("b", 31)
                                       : eventBytes("a", 0);
      batch.events.push_back({offset, 1000, v1::EVENT_TYPE_NEW_BLOCK, body});
    }
    EXPECT_TRUE(store.append(batch).ok());
  }
  MemoryJournal store;
};

TEST_F(RelayedTailScanTest, TheLastOffsetsInJournalOrder) {
  auto tail = scanRelayedTail(store, 5);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, (std::vector<RelayedOrigin>{{"c", 70}, {"b", 31}}));
  auto all = scanRelayedTail(store, 100, 2);  // more than it holds, in pages of 2
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<RelayedOrigin>{{"b", 30}, {"c", 70}, {"b", 31}}));
}

TEST(RelayedTailEmptyTest, AnEmptyJournalHasNone) {
  MemoryJournal store;
  auto tail = scanRelayedTail(store, 65536);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->empty());
}

// A store whose reads fail (an I/O error).
class UnreadableJournal final : public JournalStore {
 public:
  Status append(const JournalBatch& batch) override { return m_inner.append(batch); }
  Result<std::vector<JournalEvent>> read(std::uint64_t, std::uint64_t, std::size_t,
                                         const std::vector<std::int32_t>&) override {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "disk I/O error");
  }
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override {
    return m_inner.holes(from, to);
  }
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override {
    return m_inner.offsetAtOrAfter(timeNs);
  }
  Status putCursor(const Cursor& cursor) override { return m_inner.putCursor(cursor); }
  Result<std::optional<Cursor>> getCursor(const std::string& id) override {
    return m_inner.getCursor(id);
  }
  Result<bool> deleteCursor(const std::string& id) override { return m_inner.deleteCursor(id); }
  Result<std::vector<Cursor>> listCursors() override { return m_inner.listCursors(); }
  Result<TrimResult> trim(const Retention& retention, std::int64_t nowNs) override {
    return m_inner.trim(retention, nowNs);
  }
  Result<JournalStats> stats() override { return m_inner.stats(); }
  std::uint64_t lastOffset() const override { return m_inner.lastOffset(); }
  std::uint64_t reservedThrough() const override { return m_inner.reservedThrough(); }
  Status closeClean(std::uint64_t through) override { return m_inner.closeClean(through); }

 private:
  MemoryJournal m_inner;
};

TEST(RelayedTailErrorTest, AStoreThatCannotBeReadIsAnError) {
  UnreadableJournal store;
  JournalBatch batch;
  batch.events.push_back({1, 1000, v1::EVENT_TYPE_NEW_BLOCK, eventBytes("b", 1)});
  ASSERT_TRUE(store.append(batch).ok());
  auto tail = scanRelayedTail(store, 10);
  ASSERT_FALSE(tail.ok());
  EXPECT_EQ(tail.error().code, v1::ERROR_CODE_UNAVAILABLE);
}

// A measurement, not a test (run it with --gtest_also_run_disabled_tests): the start-up scan of
// a full tail, kRelayedScan relayed NewBlocks (~100 bytes each) in a real SQLite journal.
TEST(RelayedTailMeasure, DISABLED_MeasureTheStartScanOfAFullTail) {
  journal_test::TempDir dir;
  {
    auto store = makeSqliteJournal(dir.file("journal.sqlite"));
    JournalBatch batch;
    for (std::uint64_t offset = 1; offset <= kRelayedScan; ++offset) {
      v1::Event event;
      event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
      event.set_source("bridge");
      event.set_published_at_unix_ns(1'700'000'000'000'000'000);
      event.mutable_new_block()->set_hash(std::string(64, 'a'));
      event.mutable_new_block()->set_height(offset);
      event.mutable_origin()->set_node("dc2");
      event.mutable_origin()->set_module("chainsim");
      event.mutable_origin()->set_offset(offset + 1000);
      batch.events.push_back({offset, 1000, v1::EVENT_TYPE_NEW_BLOCK, event.SerializeAsString()});
    }
    ASSERT_TRUE(store->append(batch).ok());
  }
  auto store = makeSqliteJournal(dir.file("journal.sqlite"));  // a fresh open, as at start
  const auto started = std::chrono::steady_clock::now();
  auto tail = scanRelayedTail(*store, kRelayedScan);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->size(), kRelayedScan);
  std::cout << "scanned " << tail->size() << " relayed events in " << us / 1000 << " ms\n";
}

}  // namespace
}  // namespace plexus::host
