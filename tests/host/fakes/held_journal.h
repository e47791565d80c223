#pragma once

// heldJournal: a Journal of NewBlock on a FailingJournal store, for the tests where a publish
// waits for room in the journal: hold the store (`store->hold(true)`), publish one event for the
// writer to hold in its append and `queue` more to fill its queue, and the next publish of a
// type a durable module subscribes to waits.

#include <cstddef>
#include <memory>
#include <utility>

#include "fakes/failing_journal.h"
#include "journal/journal.h"

namespace plexus::host {

inline std::unique_ptr<Journal> heldJournal(FailingJournal*& store, std::size_t queue) {
  auto failing = std::make_unique<FailingJournal>();
  store = failing.get();
  JournalSettings settings;
  settings.directory = "memory";
  settings.types.set(v1::EVENT_TYPE_NEW_BLOCK);
  settings.writer.queueCapacity = queue;
  return std::make_unique<Journal>(std::move(failing), settings);
}

}  // namespace plexus::host
