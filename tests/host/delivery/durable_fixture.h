#pragma once

// DurableTest: an EventManager with a Journal on the in-memory store, for the tests of durable
// modules (event_manager_durable_test.cpp, event_manager_durable_gap_test.cpp): attach a
// durable module, publish NewBlocks (heights = offsets), take what was sent, serve the journal
// thread's reads while acking.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "delivery/event_factory.h"
#include "delivery/event_manager.h"
#include "fakes/memory_journal.h"
#include "journal/journal.h"
#include "recording_sink.h"

namespace plexus::host {

constexpr std::uint32_t kReplayed = v1::EVENT_FLAG_REPLAYED;
constexpr std::uint32_t kRedelivered = v1::EVENT_FLAG_REDELIVERED;

// NewBlock at height `offset`, as the journal stores it at `offset`.
inline JournalEvent blockAt(std::uint64_t offset) {
  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  block.mutable_new_block()->set_height(offset);
  return {offset, static_cast<std::int64_t>(offset), v1::EVENT_TYPE_NEW_BLOCK,
          std::string(serializeEvent(block).view())};
}

// A store as a previous run left it: NewBlocks at 1..last, and `saved` as a module's cursor.
inline std::unique_ptr<MemoryJournal> storeOf(std::uint64_t last, std::optional<Cursor> saved) {
  auto store = std::make_unique<MemoryJournal>();
  JournalBatch batch;
  for (std::uint64_t offset = 1; offset <= last; ++offset)
    batch.events.push_back(blockAt(offset));
  if (saved) batch.cursors.push_back(*saved);
  batch.reservedThrough = last;
  EXPECT_TRUE(store->append(batch).ok());
  return store;
}

// A durable module's attachment (offsets on), of the drop policy, starting new.
inline ModuleAttachment durableAttachment(const std::string& id, std::uint64_t incarnation,
                                          std::uint32_t capacity) {
  ModuleAttachment module;
  module.moduleId = module.name = id;
  module.incarnation = incarnation;
  module.capacity = capacity;
  module.offsets = true;
  module.durable = true;
  return module;
}

class DurableTest : public ::testing::Test {
 protected:
  DurableTest() { open(std::make_unique<MemoryJournal>()); }
  ~DurableTest() override { close(); }

  // A node (re)started on `store`: a new Journal and EventManager.
  // `queue`: the journal thread's queue; `block`: its least reservation block (two reserved at
  // start); m_options: the EventManager's (journal set here).
  void open(std::unique_ptr<JournalStore> store, std::size_t queue = 65536,
            std::uint64_t block = JournalSettings{}.reservationBlock) {
    close();
    JournalSettings settings;
    settings.directory = "memory";
    settings.types.set(v1::EVENT_TYPE_NEW_BLOCK);
    settings.writer.queueCapacity = queue;
    settings.reservationBlock = block;
    m_journal = std::make_unique<Journal>(std::move(store), settings);
    EventManager::Options options = m_options;
    options.journal = m_journal.get();
    m_em = std::make_unique<EventManager>(m_sink, options);
  }
  void close() {
    m_em.reset();
    if (m_journal) m_journal->stop();
    m_journal.reset();
  }

  void attach(const std::string& id, std::uint64_t incarnation, std::uint32_t capacity = 10,
              DeliveryPolicy policy = DeliveryPolicy::Drop,
              ModuleAttachment::DurableStart start = ModuleAttachment::DurableStart::New) {
    ModuleAttachment module = durableAttachment(id, incarnation, capacity);
    module.policy = policy;
    module.start = start;
    module.criticalCapacity = m_criticalCapacity;
    m_em->attach(module);
    ASSERT_TRUE(m_em->subscribe(id, std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  }
  // `critical`: published with critical priority (PublishOptions::critical).
  std::optional<PublishReport> publishBlock(std::uint64_t height, PublishWaiter* waiter = nullptr,
                                            bool critical = false) {
    v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    block.mutable_new_block()->set_height(height);
    PublishOptions options;
    options.waiter = waiter;
    options.critical = critical;
    return m_em->publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(block), options);
  }
  void publishBlocks(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t height = from; height <= to; ++height)
      publishBlock(height);
  }
  // What `id` was sent on its event lane since the last take, flushed first.
  std::vector<Delivered> take(const std::string& id) {
    m_em->flush();
    std::vector<Delivered> out = m_sink.lane(id, v1::LANE_EVENT);
    m_sink.delivered[id].clear();
    return out;
  }
  // One turn of a module's loop: what `id` was sent is appended to `out` and acked; else the
  // journal thread's read answers are served, if any.
  void step(const std::string& id, std::vector<Delivered>& out) {
    std::vector<Delivered> sent = take(id);
    if (!sent.empty()) {
      EXPECT_TRUE(m_em->ack(id, sent.back().seq).ok());
      out.insert(out.end(), sent.begin(), sent.end());
    } else if (m_journal->reads().mayHaveItems()) {
      m_journal->onReads();
    } else {
      std::this_thread::yield();
    }
  }
  // Polls `done` until it holds or 10 s passed.
  static bool until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
    return true;
  }
  // Steps until `id` was sent `count` more events; false at the deadline.
  bool drain(const std::string& id, std::size_t count, std::vector<Delivered>& out) {
    const std::size_t target = out.size() + count;
    return until([&] {
      step(id, out);
      return out.size() >= target;
    });
  }
  static std::vector<std::uint64_t> offsets(const std::vector<Delivered>& events) {
    std::vector<std::uint64_t> out;
    out.reserve(events.size());
    for (const auto& event : events)
      out.push_back(event.offset);
    return out;
  }
  static std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t offset = from; offset <= to; ++offset)
      out.push_back(offset);
    return out;
  }
  static void expectInvariants(const v1::DeliveryStats& stats) {
    EXPECT_EQ(stats.routed(), stats.successful() + stats.channel_full() + stats.failed());
    EXPECT_EQ(stats.successful(),
              stats.acked() + stats.queued() + stats.in_flight() + stats.lost());
  }

  RecordingSink m_sink;
  EventManager::Options m_options;
  std::uint32_t m_criticalCapacity = 0;  // of the modules attach() attaches
  std::unique_ptr<Journal> m_journal;
  std::unique_ptr<EventManager> m_em;
};

}  // namespace plexus::host
