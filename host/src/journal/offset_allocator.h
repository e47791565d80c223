#pragma once

// OffsetAllocator: the journal's offsets - node-wide, strictly increasing, never reused, across
// restarts and crashes. The owner hands them out from a reservation that the store persists
// (reserved_through, committed with the journal's groups) ahead of what it handed out: an offset
// is only handed out once its reservation is durable, so a crash can never lead to its reuse.
// open() turns the offsets of a crashed run that were reserved but never written,
// (lastOffset, reserved_through], into a recorded hole (reason Crash) and continues after them.
// When headroom() falls below a block, wantedReservation() says what the writer should commit
// next (JournalWriter::requestReservation); its CommitNotice reports it durable (onReserved).
// Thread rule: one thread, the owner's (the event loop); open() before the writer runs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "journal/journal_store.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class OffsetAllocator {
 public:
  static constexpr std::uint64_t kDefaultBlock = 4096;

  // Recovers the counter from `store` and commits the crash hole (if any) and a first
  // reservation of two blocks in one append. A failed append is the store's error.
  static Result<OffsetAllocator> open(JournalStore& store, std::uint64_t block = kDefaultBlock);
  // Moved before use only (the thread check starts afresh).
  OffsetAllocator(OffsetAllocator&& other) noexcept
      : m_next(other.m_next),
        m_reserved(other.m_reserved),
        m_block(other.m_block),
        m_crashHole(other.m_crashHole) {}
  OffsetAllocator& operator=(OffsetAllocator&&) = delete;

  // The next offset, or nullopt when the durable reservation is used up (headroom() == 0).
  std::optional<std::uint64_t> allocate();
  // Takes back the offset allocate() just handed out (it was never used): the next allocate()
  // hands it out again. Precondition: `offset` is the last one handed out.
  void giveBack(std::uint64_t offset);
  // How many offsets can be handed out before a new reservation must be durable.
  std::uint64_t headroom() const;
  // The reservation to request now (through this offset), or 0 when headroom is ample (at
  // least a block).
  std::uint64_t wantedReservation() const { return wantedReservation(m_block); }
  // The same with another block: the owner may reserve further ahead when offsets go faster
  // than the writer's round trip (Journal).
  std::uint64_t wantedReservation(std::uint64_t block) const;
  // A commit made the reservation durable through `through` (ignored when not above).
  void onReserved(std::uint64_t through);

  std::uint64_t next() const { return m_next; }
  std::uint64_t reserved() const { return m_reserved; }
  std::uint64_t block() const { return m_block; }
  // The hole open() recorded for a crashed run, if there was one.
  const std::optional<Hole>& crashHole() const { return m_crashHole; }

 private:
  OffsetAllocator(std::uint64_t next, std::uint64_t reserved, std::uint64_t block,
                  std::optional<Hole> crashHole)
      : m_next(next), m_reserved(reserved), m_block(block), m_crashHole(crashHole) {}

  std::uint64_t m_next;      // the next offset to hand out
  std::uint64_t m_reserved;  // durable reservation: offsets <= it may be handed out
  std::uint64_t m_block;
  std::optional<Hole> m_crashHole;
  ThreadChecker m_thread;
};

// ReservationSizer: how far ahead the journal reserves - the block of wantedReservation(block)
// (Journal; docs/design.md "Journal store"). A reservation must outlast its own round trip
// through the writer (the group being written when it was asked for, then a small commit of its
// own): meanwhile the owner hands out what is left, and at zero a publish waits (a durable
// module's) or goes without an offset. A new reservation reaches two blocks ahead and is asked
// for when less than a block is left, so the block is two round trips at the hand-out rate:
//   block = clamp(2 * rate * horizon, minBlock, maxBlock)
// - rate: offsets per second, sampled every kWindow offsets asked for; it grows at once and
//   shrinks by half the difference per sample (one slow sample does not undo a burst);
// - horizon: the longest round trip seen lately (it too shrinks by halves); and while the rate
//   exceeds what the writer writes (its queue fills, so its groups are whole queues), at least
//   the time to write a full queue at the writer's measured speed (kAssumedWriterNs per event
//   until measured).
// The cost of a large block: after a node is killed, up to two blocks of offsets it never
// handed out are part of its Crash hole (a clean stop gives them back).
// Thread rule: none of its own; a value its owner (Journal) keeps on its thread.
class ReservationSizer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint64_t kWindow = 1024;  // offsets asked for per rate sample
  static constexpr std::chrono::nanoseconds kAssumedWriterNs{10'000};  // 100 000 events/s

  ReservationSizer(std::uint64_t minBlock, std::uint64_t maxBlock, std::size_t queueCapacity);

  // Whether a rate sample is due once `demand` offsets (a running total) were asked for.
  bool sampleDue(std::uint64_t demand) const { return demand >= m_nextSample; }
  // A rate sample: `demand` offsets asked for so far, at `now`. The first one only marks.
  void sample(std::uint64_t demand, Clock::time_point now);
  // A reservation became durable `took` after it was asked for.
  void roundTrip(Clock::duration took);
  // The writer wrote `events` events in `took` (large groups only: its speed when busy).
  void writerWrote(std::uint64_t events, std::chrono::nanoseconds took);

  std::uint64_t block() const { return m_block; }
  double rate() const { return m_rate; }  // offsets per second

 private:
  void resize();

  const std::uint64_t m_minBlock;
  const std::uint64_t m_maxBlock;
  const std::size_t m_queueCapacity;
  std::uint64_t m_block;
  std::uint64_t m_nextSample = 0;
  std::optional<Clock::time_point> m_sampledAt;
  std::uint64_t m_sampledDemand = 0;
  double m_rate = 0;         // offsets per second
  double m_roundTripNs = 0;  // the longest round trip lately
  double m_writerNsPerEvent = static_cast<double>(kAssumedWriterNs.count());
};

}  // namespace plexus::host
