// ThreadChecker binds to the first thread that checks it, refuses every other thread until
// detach(), and PLEXUS_ASSERT_THREAD aborts off the bound thread where thread checks are
// compiled in (PLEXUS_THREAD_CHECKS: the sanitizer and debug builds). The classes with a thread
// rule in ipc assert it too: WakeQueue's owner is one thread.

#include "plexus/ipc/thread_checker.h"

#include <gtest/gtest.h>

#include <thread>

#include "plexus/ipc/wake_queue.h"

namespace plexus {
namespace {

// Runs `f` on a new thread and returns its result.
template <class F>
auto onOtherThread(F f) {
  decltype(f()) result{};
  std::thread([&] { result = f(); }).join();
  return result;
}

TEST(ThreadCheckerTest, BindsToTheFirstThreadThatChecks) {
  ThreadChecker checker;
  EXPECT_TRUE(onOtherThread([&] { return checker.onBoundThread(); }));
  EXPECT_FALSE(checker.onBoundThread()) << "bound to the other thread, not to this one";
}

TEST(ThreadCheckerTest, TheBoundThreadPassesEveryTime) {
  ThreadChecker checker;
  EXPECT_TRUE(checker.onBoundThread());
  EXPECT_TRUE(checker.onBoundThread());
  checker.check(__FILE__, __LINE__);  // does not abort
}

TEST(ThreadCheckerTest, AnotherThreadIsRefused) {
  ThreadChecker checker;
  ASSERT_TRUE(checker.onBoundThread());
  EXPECT_FALSE(onOtherThread([&] { return checker.onBoundThread(); }));
  EXPECT_FALSE(onOtherThread([&] { return checker.onBoundThread(); }))
      << "a refused thread does not take the binding over";
  EXPECT_TRUE(checker.onBoundThread());
}

TEST(ThreadCheckerTest, DetachLetsTheNextThreadBind) {
  ThreadChecker checker;
  ASSERT_TRUE(checker.onBoundThread());
  checker.detach();
  EXPECT_TRUE(onOtherThread([&] { return checker.onBoundThread(); }));
  EXPECT_FALSE(checker.onBoundThread()) << "the thread that checked after detach() owns it now";
}

TEST(ThreadCheckerTest, AThreadActingAsTheOwnerPassesOnlyWhileItActs) {
  ThreadChecker checker;
  ASSERT_TRUE(checker.onBoundThread());
  const std::thread::id owner = std::this_thread::get_id();
  EXPECT_TRUE(onOtherThread([&] {
    bool passed = false;
    {
      ActAsThread acting(owner);
      EXPECT_EQ(actingThreadId(), owner);
      {
        ActAsThread other(std::thread::id{});  // acting as nobody: itself again
        EXPECT_FALSE(checker.onBoundThread());
      }
      passed = checker.onBoundThread();  // the outer scope is restored
    }
    return passed && !checker.onBoundThread() && actingThreadId() == std::this_thread::get_id();
  }));
}

TEST(ThreadCheckerDeathTest, CheckAbortsOffTheBoundThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadChecker checker;
  ASSERT_TRUE(checker.onBoundThread());
  EXPECT_DEATH(onOtherThread([&] {
                 checker.check("owner.cpp", 42);
                 return 0;
               }),
               "owner.cpp:42: thread rule broken");
}

#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS

TEST(ThreadCheckerDeathTest, AssertThreadAbortsOffTheBoundThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadChecker checker;
  PLEXUS_ASSERT_THREAD(checker);
  EXPECT_DEATH(onOtherThread([&] {
                 PLEXUS_ASSERT_THREAD(checker);
                 return 0;
               }),
               "thread_checker_test.cpp:[0-9]+: thread rule broken");
}

TEST(ThreadCheckerDeathTest, AWakeQueueIsDrainedByItsOwnerOnly) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ipc::WakeQueue<int> queue;
  std::vector<int> out;
  queue.drain(out);
  ASSERT_TRUE(onOtherThread([&] { return queue.push(1); })) << "producers may be any thread";
  EXPECT_DEATH(onOtherThread([&] {
                 std::vector<int> stolen;
                 queue.drain(stolen);
                 return 0;
               }),
               "thread rule broken");
}

#else

TEST(ThreadCheckerTest, AssertThreadIsCompiledOutWithoutThreadChecks) {
  ThreadChecker checker;
  PLEXUS_ASSERT_THREAD(checker);
  EXPECT_TRUE(onOtherThread([&] { return checker.onBoundThread(); }))
      << "PLEXUS_ASSERT_THREAD did not bind the checker: it is compiled out";
}

#endif

}  // namespace
}  // namespace plexus
