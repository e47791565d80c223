#include "control/journal_queries.h"

#include "plexus/ipc/event_types.h"

namespace plexus::host {

v1::JournalResponse journalResponse(const JournalStatus& status) {
  v1::JournalResponse out;
  out.set_enabled(true);
  out.set_directory(status.directory.string());
  for (auto type : ipc::allEventTypes()) {
    if (status.types.test(static_cast<std::size_t>(type))) out.add_types(type);
  }
  out.set_sync(status.fullSync ? "full" : "normal");
  out.set_next_offset(status.nextOffset);
  out.set_reserved_through(status.reservedThrough);
  out.set_committed_through(status.last.committedThrough);
  out.set_journaled(status.journaled);
  out.set_overflow(status.overflow);
  out.set_unjournaled(status.unjournaled);
  out.set_queued(status.queued);
  out.set_groups(status.last.groups);
  out.set_failures(status.last.failures);
  out.set_failed_offsets(status.last.failedOffsets);
  out.set_trimmed_events(status.last.trimmedEvents);
  out.set_writing(status.last.ok);
  out.set_last_error(status.last.error);
  if (status.crashHole) {
    out.set_crash_hole_first(status.crashHole->first);
    out.set_crash_hole_last(status.crashHole->last);
  }
  return out;
}

void JournalQueries::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  v1::ControlResponse response = responseTo(request);
  if (m_journal == nullptr) {
    response.mutable_journal()->set_enabled(false);
  } else {
    *response.mutable_journal() = journalResponse(m_journal->status());
  }
  m_replier.reply(clientId, std::move(response));
}

}  // namespace plexus::host
