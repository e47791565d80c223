#include "plexus/ipc/wake_queue.h"

#include <gtest/gtest.h>
#include <poll.h>

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
  while (out.size() < 3) {
    ASSERT_TRUE(readable(queue.fd(), 5000));
    queue.drain(out);
  }
  producer.join();
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
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
    for (int i = 0; i < 100; ++i) mailbox.post([&ran, i] { ran.push_back(i); });
  });
  other.join();
  ASSERT_TRUE(readable(mailbox.fd(), 1000));
  mailbox.runPending();
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[i], i);
}

}  // namespace
}  // namespace plexus::ipc
