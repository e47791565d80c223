// The journal (issue 13, host/src/journal): appending 256-byte events through the OffsetAllocator
// and the JournalWriter into SQLite with retention trimming active, as the node will (target
// >= 200 000 events/s with sync normal, docs/design.md "Journal store"), and reading them back
// in chunks as catch-up and replay will. An iteration appends 100 000 events and stops the
// writer, so the time covers every commit, not just the queueing. The journal lives in a
// temporary directory under $TMPDIR (default /tmp): measure on the disk the node will use.

#include <benchmark/benchmark.h>
#include <poll.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "journal/offset_allocator.h"
#include "temp_dir.h"

namespace plexus::bench {
namespace {

using host::JournalEvent;
using host::JournalWriter;

constexpr std::uint64_t kEventsPerIteration = 100'000;

// Appends `count` events as an owner would: offsets from the allocator, reservations asked
// for ahead, a full queue waited out on the notices.
void appendEvents(host::OffsetAllocator& allocator, JournalWriter& writer,
                  JournalWriter::Notices& notices, std::uint64_t count, const std::string& body) {
  std::vector<host::CommitNotice> taken;
  auto takeNotices = [&](bool wait) {
    if (wait) {
      if (!notices.prepareToSleep()) {
        pollfd item{notices.fd(), POLLIN, 0};
        ::poll(&item, 1, 10);
      }
      notices.awake();
    }
    taken.clear();
    notices.drain(taken);
    for (const host::CommitNotice& notice : taken)
      allocator.onReserved(notice.reservedThrough);
  };
  for (std::uint64_t i = 0; i < count; ++i) {
    if (const std::uint64_t wanted = allocator.wantedReservation(); wanted != 0) {
      writer.requestReservation(wanted);
      takeNotices(false);
    }
    std::optional<std::uint64_t> offset = allocator.allocate();
    while (!offset) {
      takeNotices(true);
      offset = allocator.allocate();
    }
    JournalEvent event{*offset, 1'700'000'000'000'000'000 + static_cast<std::int64_t>(*offset), 3,
                       body};
    while (!writer.tryAppend(event))
      takeNotices(true);
  }
}

// range(0): 0 = sync normal, 1 = sync full. Retention keeps 50 000 events: from the middle of
// the first iteration on, the trims delete as many events as the groups add.
void BM_JournalAppend256(benchmark::State& state) {
  test::TempDir dir("plexus-journal-bench-");
  host::SqliteOptions sqlite;
  sqlite.sync =
      state.range(0) == 0 ? host::SqliteOptions::Sync::Normal : host::SqliteOptions::Sync::Full;
  const std::string body(256, 'x');
  for (auto _ : state) {
    state.PauseTiming();
    auto store = host::makeSqliteJournal(dir.file("journal.db"), sqlite);
    auto allocator = host::OffsetAllocator::open(*store, 16384);
    if (!allocator.ok()) {
      state.SkipWithError(allocator.error().message.c_str());
      return;
    }
    JournalWriter::Notices notices;
    host::JournalWriterOptions options;
    options.retention.maxEvents = 50'000;
    auto writer = std::make_unique<JournalWriter>(std::move(store), notices, options);
    state.ResumeTiming();
    appendEvents(*allocator, *writer, notices, kEventsPerIteration, body);
    writer->stop();  // every event committed
    state.PauseTiming();
    writer.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kEventsPerIteration));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kEventsPerIteration * 256));
}
BENCHMARK(BM_JournalAppend256)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Reads 256-byte events back in chunks of range(0) from a journal of 200 000.
void BM_JournalRead256(benchmark::State& state) {
  test::TempDir dir("plexus-journal-bench-");
  auto store = host::makeSqliteJournal(dir.file("journal.db"));
  const std::string body(256, 'x');
  constexpr std::uint64_t kStored = 200'000;
  for (std::uint64_t first = 1; first <= kStored; first += 10'000) {
    host::JournalBatch batch;
    for (std::uint64_t offset = first; offset < first + 10'000; ++offset)
      batch.events.push_back(JournalEvent{offset, static_cast<std::int64_t>(offset), 3, body});
    if (!store->append(batch).ok()) {
      state.SkipWithError("cannot fill the journal");
      return;
    }
  }
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::uint64_t from = 1;
  std::uint64_t read = 0;
  for (auto _ : state) {
    auto events = store->read(from, std::numeric_limits<std::uint64_t>::max(), chunk);
    if (!events.ok() || events->empty()) {
      from = 1;
      continue;
    }
    read += events->size();
    from = events->back().offset + 1;
    benchmark::DoNotOptimize(events->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(read));
}
BENCHMARK(BM_JournalRead256)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace plexus::bench
