// Crash consistency: a child process appends heavily through the OffsetAllocator and the
// JournalWriter (SQLite, sync normal, retention trimming) and is SIGKILLed at a random point;
// the parent then reopens the journal and checks it: it opens, offsets strictly increase, no
// event is duplicated, torn or misplaced (every body is the one written for its offset), holes
// do not overlap events, everything the child was told was committed is there (as events or
// holes), and the next offset is above every offset the child ever handed out. Several rounds
// on the same file, so crash holes pile up as they would over a node's restarts.
// Seed: PLEXUS_CRASH_SEED, else the time (printed, to replay a failure).

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <random>
#include <thread>

#include "journal/journal_store.h"
#include "journal/journal_test_support.h"
#include "journal/journal_writer.h"
#include "journal/offset_allocator.h"

namespace plexus::host {
namespace {

using journal_test::bodyFor;
using journal_test::TempDir;
using namespace std::chrono_literals;

// Shared with the child (an anonymous shared mapping made before fork).
struct Progress {
  std::atomic<std::uint64_t> committedThrough{0};  // from the child's latest CommitNotice
  std::atomic<std::uint64_t> handedOut{0};         // the highest offset the child allocated
};

std::size_t sizeFor(std::uint64_t offset) {
  return 64 + offset % 300;
}
std::int32_t typeFor(std::uint64_t offset) {
  return static_cast<std::int32_t>(offset % 5 + 1);
}

// The child: appends until killed (never returns).
[[noreturn]] void appendUntilKilled(const std::filesystem::path& path, Progress& progress) {
  try {
    auto store = makeSqliteJournal(path);
    auto allocator = OffsetAllocator::open(*store, 4096);
    if (!allocator.ok()) std::_Exit(2);
    JournalWriter::Notices notices;
    JournalWriterOptions options;
    options.queueCapacity = 8192;
    options.retention.maxEvents = 40000;
    JournalWriter writer(std::move(store), notices, options);
    std::vector<CommitNotice> batch;
    auto takeNotices = [&](bool wait) {
      if (wait && !notices.prepareToSleep()) {
        pollfd item{notices.fd(), POLLIN, 0};
        ::poll(&item, 1, 10);
      }
      if (wait) notices.awake();
      batch.clear();
      notices.drain(batch);
      for (const CommitNotice& notice : batch) {
        allocator->onReserved(notice.reservedThrough);
        progress.committedThrough.store(notice.committedThrough);
      }
    };
    for (;;) {
      takeNotices(false);
      if (const std::uint64_t wanted = allocator->wantedReservation(); wanted != 0)
        writer.requestReservation(wanted);
      const std::optional<std::uint64_t> offset = allocator->allocate();
      if (!offset) {
        takeNotices(true);
        continue;
      }
      progress.handedOut.store(*offset);
      JournalEvent event{*offset, static_cast<std::int64_t>(*offset) * 1000, typeFor(*offset),
                         bodyFor(*offset, sizeFor(*offset))};
      while (!writer.tryAppend(event))
        takeNotices(true);  // a full queue: wait for the journal, as a block publisher would
    }
  } catch (...) {
    std::_Exit(3);
  }
}

void checkJournal(const std::filesystem::path& path, const Progress& progress) {
  auto store = makeSqliteJournal(path);  // throws if it does not open
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  const std::uint64_t committed = progress.committedThrough.load();
  ASSERT_GE(store->lastOffset(), committed) << "a committed group is missing";

  auto holes = store->holes(1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(holes.ok());
  for (std::size_t i = 1; i < holes->size(); ++i)
    ASSERT_GT((*holes)[i].first, (*holes)[i - 1].last) << "overlapping holes";
  auto describeHoles = [&] {
    std::string out;
    for (const Hole& hole : *holes)
      out += " [" + std::to_string(hole.first) + "," + std::to_string(hole.last) + "]";
    return "holes:" + out + ", first event " + std::to_string(stats->firstOffset) + ", last " +
           std::to_string(stats->lastOffset);
  };
  std::size_t nextHole = 0;
  auto inHole = [&](std::uint64_t offset) {
    while (nextHole < holes->size() && (*holes)[nextHole].last < offset)
      ++nextHole;
    return nextHole < holes->size() && (*holes)[nextHole].first <= offset;
  };

  // Every offset from the first kept event through `committed` is an event or in a hole.
  std::uint64_t expected = stats->firstOffset;
  std::uint64_t seen = 0;
  std::uint64_t from = 1;
  for (;;) {
    auto events = store->read(from, std::numeric_limits<std::uint64_t>::max(), 10000);
    ASSERT_TRUE(events.ok());
    if (events->empty()) break;
    for (const JournalEvent& event : *events) {
      ASSERT_GT(event.offset, seen) << "offsets not strictly increasing";
      for (; expected != 0 && expected < event.offset; ++expected)
        ASSERT_TRUE(inHole(expected))
            << "offset " << expected << " neither event nor hole; " << describeHoles();
      ASSERT_FALSE(inHole(event.offset)) << "event " << event.offset << " inside a hole";
      expected = event.offset + 1;
      ASSERT_EQ(event.body, bodyFor(event.offset, sizeFor(event.offset))) << event.offset;
      ASSERT_EQ(event.type, typeFor(event.offset));
      ASSERT_EQ(event.timeNs, static_cast<std::int64_t>(event.offset) * 1000);
      seen = event.offset;
    }
    from = seen + 1;
  }
  ASSERT_LE(seen, store->lastOffset());
  for (; expected != 0 && expected <= committed; ++expected)
    ASSERT_TRUE(inHole(expected)) << "committed offset " << expected << " is missing";

  auto allocator = OffsetAllocator::open(*store, 4096);
  ASSERT_TRUE(allocator.ok());
  const std::optional<std::uint64_t> next = allocator->allocate();
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(*next, progress.handedOut.load()) << "an offset handed out would be reused";
  EXPECT_GT(*next, store->lastOffset());
}

TEST(CrashConsistencyTest, AWriterKilledAtRandomPointsLeavesAConsistentJournal) {
  const char* fromEnv = std::getenv("PLEXUS_CRASH_SEED");
  const unsigned seed = fromEnv != nullptr
                            ? static_cast<unsigned>(std::strtoul(fromEnv, nullptr, 10))
                            : static_cast<unsigned>(std::time(nullptr));
  std::printf("crash consistency: PLEXUS_CRASH_SEED=%u\n", seed);
  std::fflush(stdout);
  std::mt19937 random(seed);
  TempDir dir;
  const auto path = dir.file("journal.db");
  void* shared =
      ::mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  auto* progress = new (shared) Progress;
  const auto testStart = std::chrono::steady_clock::now();
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::uint64_t before = progress->committedThrough.load();
    // Kill once the child has committed this many more offsets (or after a time, whichever
    // first): anywhere from the first groups to deep into trimming.
    const std::uint64_t target =
        before + std::uniform_int_distribution<std::uint64_t>(1, 60000)(random);
    const auto patience =
        std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 1200)(random));
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) appendUntilKilled(path, *progress);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (progress->committedThrough.load() < target &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(200us);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended on its own, status " << status;
    std::printf("round %d: killed at committed %llu, handed out %llu\n", round,
                static_cast<unsigned long long>(progress->committedThrough.load()),
                static_cast<unsigned long long>(progress->handedOut.load()));
    checkJournal(path, *progress);
    if (HasFatalFailure()) break;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - testStart, 10s);
  progress->~Progress();
  ::munmap(shared, sizeof(Progress));
}

}  // namespace
}  // namespace plexus::host
