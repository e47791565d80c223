#pragma once

// The fixture of the InProcessPublisher tests: a real EventManager and a recording sink. The
// test thread is the loop (it drains, acks, expires and flushes, sleeping on the queue's fd as
// the node does); publishers run on threads of their own. A fake loop lender lets a publisher
// route on its own thread when a test says the loop sleeps.

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "delivery/in_process_publisher.h"
#include "recording_sink.h"

namespace plexus::host {

using namespace std::chrono_literals;

inline constexpr auto kBlockTimeout = 250ms;

inline v1::Event newBlock(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.set_source("whoever");  // the publisher stamps its own
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(height);
  return event;
}

// A loop that lends itself while `asleep` (never, unless a test says so), as the EventLoop
// does: the work runs on the calling thread, acting as the loop thread (the test's), and the
// loop's after hook (here: the flush) follows.
struct FakeLender final : LoopLender {
  bool runIfAsleep(const std::function<void()>& work) override {
    if (!asleep.load()) return false;
    ActAsThread acting(loopThread);
    work();
    if (afterHook) afterHook();
    lent.fetch_add(1);
    return true;
  }
  std::atomic<bool> asleep{false};
  std::atomic<int> lent{0};
  std::thread::id loopThread = std::this_thread::get_id();
  std::function<void()> afterHook;
};

class InProcessPublisherTest : public ::testing::Test {
 public:
  explicit InProcessPublisherTest(InProcessPublisher::BurstRule burst = {})
      : events(sink, options()), publisher(events, kBlockTimeout, &lender, burst) {
    lender.afterHook = [this] { events.flush(); };
  }

  ~InProcessPublisherTest() override {
    // Whatever a failed test left waiting resolves, so no publisher thread is left behind.
    for (const auto& id : loaded)
      events.detach(id);
    publisher.close();
  }

  EventManager::Options options() {
    EventManager::Options options;
    options.blockTimeout = kBlockTimeout;
    options.steadyNow = [this] { return now; };
    return options;
  }
  void load(const std::string& id, std::uint32_t capacity,
            DeliveryPolicy policy = DeliveryPolicy::Drop) {
    ModuleAttachment module;
    module.moduleId = id;
    module.capacity = capacity;
    module.policy = policy;
    events.attach(module);
    ASSERT_TRUE(events.subscribe(id, std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
    loaded.push_back(id);
  }
  // Runs `fn` on a publisher thread of its own and waits for it.
  static void onOtherThread(const std::function<void()>& fn) { std::thread(fn).join(); }
  // publish() on a publisher thread of its own: it returns once the loop resolved it.
  std::future<Result<PublishReport>>& startPublish(const v1::Event& event) {
    return waiting.emplace_back(
        std::async(std::launch::async, [this, event] { return publisher.publish(event); }));
  }
  // One loop iteration as the node runs it: sleep on the queue's fd unless items wait (at most
  // `maxSleep`), then drain, expire and flush.
  void loopOnce(std::chrono::milliseconds maxSleep = 5ms) {
    if (!publisher.prepareToSleep()) {
      pollfd fd{publisher.fd(), POLLIN, 0};
      ::poll(&fd, 1, static_cast<int>(maxSleep.count()));
      publisher.awake();
    }
    publisher.drain();
    events.expire();
    events.flush();
  }
  bool loopUntil(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      loopOnce();
    }
    return true;
  }
  static bool ready(const std::future<Result<PublishReport>>& future) {
    return future.wait_for(0s) == std::future_status::ready;
  }
  std::uint32_t blocked(const std::string& id) { return events.stats(id)->blocked(); }

  SteadyClock::time_point now = SteadyClock::time_point(std::chrono::hours(1));
  RecordingSink sink;
  FakeLender lender;
  EventManager events;
  InProcessPublisher publisher;
  std::vector<std::string> loaded;
  std::deque<std::future<Result<PublishReport>>> waiting;  // destroyed first
};

}  // namespace plexus::host
