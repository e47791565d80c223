#pragma once

// How a publisher that can wait for block-policy subscribers takes part in a publish: it passes
// a PublishWaiter (and a token of its own) in PublishOptions, and is told on the loop thread
// when the publish resolves. SteadyClock is the clock of block deadlines and stall detection.
// Thread rule: onPublishDone runs on the loop thread.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "plexus/host/publish_report.h"

namespace plexus::host {

using SteadyClock = std::chrono::steady_clock;

// Who published an event (counted per source for /metrics): the node itself (its services and
// lifecycle events), a module, an operator (plexusctl publish), or a Publisher in the process
// (InProcessPublisher: an embedding program, plexus-bench).
enum class PublishSource : std::uint8_t { Host = 0, Module = 1, Operator = 2, InProcess = 3 };
inline constexpr std::size_t kPublishSources = 4;
using PublishCounts = std::array<std::uint64_t, kPublishSources>;

// Told, on the loop thread, when a publish that had to wait for block subscribers resolves.
class PublishWaiter {
 public:
  virtual ~PublishWaiter() = default;
  virtual void onPublishDone(std::uint64_t token, const PublishReport& report) = 0;
};

struct PublishOptions {
  PublishWaiter* waiter = nullptr;  // null: never wait (full block channel counts channel_full)
  std::uint64_t token = 0;          // handed back to the waiter
  // Critical priority whatever the type's (a maintenance round of urgency high); otherwise the
  // type's priority (EventManager::Options::criticalTypes).
  bool critical = false;
  // The event's journal offset (> 0), 0 when it is not journaled. Every subscriber that takes
  // the event gets it with this offset, also when it is admitted later from a block wait.
  std::uint64_t offset = 0;
  PublishSource source = PublishSource::Host;
};

}  // namespace plexus::host
