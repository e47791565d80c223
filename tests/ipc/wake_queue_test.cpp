#include "plexus/ipc/wake_queue.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>

namespace plexus::ipc {
namespace {

bool readable(int fd, int timeoutMs) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeoutMs) == 1;
}

TEST(WakeQueueTest, FirstPushWakesAndDrainTakesEverything) {
  WakeQueue<int> queue;
  EXPECT_FALSE(readable(queue.fd(), 0));
  ASSERT_TRUE(queue.push(1));
  ASSERT_TRUE(queue.push(2));
  EXPECT_TRUE(readable(queue.fd(), 0));
  std::vector<int> out;
  queue.drain(out);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  EXPECT_FALSE(readable(queue.fd(), 0)) << "drain resets the wake-up";
}

TEST(WakeQueueTest, BoundedPushTimesOutWhenFullAndResumesAfterDrain) {
  WakeQueue<int> queue(2);
  ASSERT_TRUE(queue.push(1));
  ASSERT_TRUE(queue.push(2));
  EXPECT_FALSE(queue.push(3, std::chrono::steady_clock::now()));
  std::thread producer([&] { EXPECT_TRUE(queue.push(3)); });  // waits for room
  std::vector<int> out;
  queue.drain(out);  // makes room
  while (out.size() < 3) {
    if (!queue.prepareToSleep()) {
      ASSERT_TRUE(readable(queue.fd(), 5000));
    }
    queue.awake();
    queue.drain(out);
  }
  producer.join();
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST(WakeQueueTest, ProducersSignalOnlyAnOwnerThatDeclaredItselfAsleep) {
  WakeQueue<int> queue;
  std::vector<int> out;
  queue.awake();  // the owner is busy: pushes cost no syscall and no wake-up
  ASSERT_TRUE(queue.push(1));
  EXPECT_FALSE(readable(queue.fd(), 0));
  EXPECT_TRUE(queue.prepareToSleep()) << "items it was not told about: do not block";
  queue.drain(out);
  EXPECT_EQ(out, std::vector<int>{1});
  EXPECT_FALSE(queue.prepareToSleep()) << "empty: may block";
  ASSERT_TRUE(queue.push(2));
  ASSERT_TRUE(queue.push(3));
  EXPECT_TRUE(readable(queue.fd(), 1000)) << "a sleeping owner is woken";
  queue.awake();
  out.clear();
  queue.drain(out);
  EXPECT_EQ(out, (std::vector<int>{2, 3}));
  EXPECT_FALSE(readable(queue.fd(), 0)) << "woken once; the drain reset it";
}

TEST(WakeQueueTest, NoWakeUpIsLostAcrossManyProducers) {
  WakeQueue<int> queue;
  constexpr int kPerProducer = 20000;
  std::vector<std::thread> producers;
  producers.reserve(3);
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i)
        ASSERT_TRUE(queue.push(i));
    });
  }
  std::vector<int> out;
  std::size_t total = 0;
  while (total < std::size_t{3} * kPerProducer) {
    // The owner's cycle: declare sleep, block only if nothing waits, wake, drain.
    if (!queue.prepareToSleep()) {
      ASSERT_TRUE(readable(queue.fd(), 5000)) << "lost wake-up";
    }
    queue.awake();
    out.clear();
    queue.drain(out);
    total += out.size();
  }
  for (auto& t : producers)
    t.join();
  EXPECT_EQ(total, 3u * kPerProducer);
}

TEST(WakeQueueTest, MayHaveItemsFollowsPushAndDrain) {
  WakeQueue<int> queue;
  EXPECT_FALSE(queue.mayHaveItems());
  ASSERT_TRUE(queue.push(1));
  EXPECT_TRUE(queue.mayHaveItems());
  std::vector<int> out;
  queue.drain(out);
  EXPECT_FALSE(queue.mayHaveItems()) << "drained";
  queue.drain(out);
  EXPECT_FALSE(queue.mayHaveItems()) << "a drain that finds nothing";
  std::thread other([&] { ASSERT_TRUE(queue.push(2)); });
  other.join();  // the push happened-before what follows
  EXPECT_TRUE(queue.mayHaveItems());
  queue.close();
  EXPECT_TRUE(queue.mayHaveItems()) << "closing keeps what was pushed";
  out.clear();
  queue.drain(out);
  EXPECT_EQ(out, std::vector<int>{2});
  EXPECT_FALSE(queue.mayHaveItems()) << "closed and empty";
  EXPECT_FALSE(queue.push(3));
  EXPECT_FALSE(queue.mayHaveItems()) << "a refused push adds nothing";
}

// No false negative: once a producer announced a push that returned (a release the owner
// acquires), the owner's lock-free look sees it, unless a drain already took it.
TEST(WakeQueueTest, MayHaveItemsNeverMissesAnAnnouncedPush) {
  WakeQueue<int> queue;
  constexpr int kPerProducer = 20000;
  constexpr std::size_t kTotal = std::size_t{3} * kPerProducer;
  std::atomic<std::size_t> announced{0};
  std::vector<std::thread> producers;
  producers.reserve(3);
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        ASSERT_TRUE(queue.push(i));
        announced.fetch_add(1, std::memory_order_release);
      }
    });
  }
  std::vector<int> out;
  std::size_t drained = 0;
  std::size_t missed = 0;  // announced pushes not seen, at the first miss
  while (drained < kTotal) {
    const std::size_t seen = announced.load(std::memory_order_acquire);
    if (!queue.mayHaveItems()) {
      if (drained < seen) {
        missed = seen - drained;
        break;
      }
      std::this_thread::yield();  // the producers share the cores
      continue;
    }
    out.clear();
    queue.drain(out);
    drained += out.size();
  }
  for (auto& t : producers)
    t.join();
  ASSERT_EQ(missed, 0u) << "announced pushes not seen, with " << drained << " drained";
  EXPECT_EQ(drained, kTotal);
  EXPECT_FALSE(queue.mayHaveItems());
}

TEST(WakeQueueTest, CloseReleasesWaitingProducers) {
  WakeQueue<int> queue(1);
  ASSERT_TRUE(queue.push(1));
  std::thread producer([&] { EXPECT_FALSE(queue.push(2)); });
  queue.close();
  producer.join();
  EXPECT_FALSE(queue.push(3));
}

TEST(MailboxTest, RunsPostedTasksOnTheOwnerInOrder) {
  Mailbox mailbox;
  std::vector<int> ran;
  std::thread other([&] {
    for (int i = 0; i < 100; ++i)
      mailbox.post([&ran, i] { ran.push_back(i); });
  });
  other.join();
  if (!mailbox.prepareToSleep()) {
    ASSERT_TRUE(readable(mailbox.fd(), 1000));
  }
  mailbox.awake();
  mailbox.runPending();
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(ran[i], i);
}

}  // namespace
}  // namespace plexus::ipc
