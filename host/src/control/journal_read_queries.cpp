#include "control/journal_read_queries.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace plexus::host {

v1::JournalReadResponse journalReadResponse(const ReadResult& result, std::uint64_t to) {
  v1::JournalReadResponse out;
  std::size_t hole = 0;
  auto addHolesBefore = [&](std::uint64_t offset) {
    for (; hole < result.holes.size() && result.holes[hole].first <= offset; ++hole) {
      const Hole& next = result.holes[hole];
      v1::JournalEntry* entry = out.add_entries();
      entry->set_offset(next.first);
      v1::JournalHole* body = entry->mutable_hole();
      body->set_first(next.first);
      body->set_last(next.last);
      body->set_reason(holeReasonName(next.reason));
    }
  };
  for (const JournalEvent& event : result.events) {
    addHolesBefore(event.offset);
    v1::JournalEntry* entry = out.add_entries();
    entry->set_offset(event.offset);
    entry->set_time_unix_ns(event.timeNs);
    entry->set_type(static_cast<v1::EventType>(event.type));
    entry->set_event(event.body);
  }
  addHolesBefore(result.reachedThrough);
  out.set_first_offset(result.firstOffset);
  out.set_next_offset(std::max(result.reachedThrough, result.from - 1) + 1);
  out.set_more(result.reachedThrough < to);
  out.set_last_offset(to);
  out.set_trimmed_before(result.trimmedBefore);
  return out;
}

void JournalReadQueries::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const std::uint64_t correlationId = request.correlation_id();
  auto refuse = [&](v1::ErrorCode code, const std::string& why) {
    m_replier.replyError(clientId, correlationId, makeError(code, why));
  };
  if (m_journal == nullptr) {
    refuse(v1::ERROR_CODE_UNAVAILABLE,
           "this node has no journal (it journals no event type), so there is nothing to read");
    return;
  }
  const v1::JournalReadRequest& ask = request.journal_read();
  if ((ask.from_offset() != 0) == (ask.since_unix_ms() != 0)) {
    refuse(v1::ERROR_CODE_INVALID_ARGUMENT,
           "journal read: set exactly one of from_offset (>= 1) and since_unix_ms");
    return;
  }
  if (ask.since_unix_ms() < 0) {
    refuse(v1::ERROR_CODE_INVALID_ARGUMENT, "journal read: since_unix_ms must be positive");
    return;
  }
  if (ask.count() > kMaxCount) {
    refuse(v1::ERROR_CODE_INVALID_ARGUMENT,
           "journal read: count " + std::to_string(ask.count()) + " is above the limit of " +
               std::to_string(kMaxCount) + " events per read (continue from next_offset)");
    return;
  }
  const std::uint64_t head = m_journal->lastOffset();
  const std::uint64_t to = ask.to_offset() != 0 ? std::min(ask.to_offset(), head) : head;
  ReadRequest read;
  read.from = ask.from_offset() != 0 ? ask.from_offset() : 1;  // with since: resolved there
  // A time past year 2262 finds nothing, as the latest time nanoseconds can say.
  constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  read.sinceNs = std::min(ask.since_unix_ms(), kMaxMs) * 1'000'000;
  read.to = to;
  read.maxEvents = ask.count() != 0 ? ask.count() : kDefaultCount;
  for (int type : ask.types())
    read.types.push_back(type);
  m_journal->requestRead(std::move(read), [this, clientId, request, to](ReadResult& result) {
    PLEXUS_ASSERT_THREAD(m_thread);
    if (!result.ok) {
      m_replier.replyError(clientId, request.correlation_id(),
                           makeError(v1::ERROR_CODE_UNAVAILABLE, "journal read: " + result.error));
      return;
    }
    v1::ControlResponse response = responseTo(request);
    *response.mutable_journal_read() = journalReadResponse(result, to);
    m_replier.reply(clientId, std::move(response));
  });
}

}  // namespace plexus::host
