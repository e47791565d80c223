#pragma once

// JournalReadQueries: `plexusctl journal read` (issue 13): the journaled events of a range, in
// offset order, with the holes among them (JournalReadResponse). The read starts at from_offset,
// or at the first event at or after since_unix_ms (exactly one is set), and stops at `count`
// events (default 100, at most 10000: more is refused) or at to_offset (default: the journal's
// head when the request came); next_offset and `more` tell the client where to continue. When
// retention removed events the read asked for, trimmed_before says where the journal begins now.
// The journal thread serves the read; the answer goes out on the loop thread when it is done.
// A node without a journal answers Error{UNAVAILABLE}.
// Thread rule: loop thread only (asserted), like the Journal it reads.

#include <cstdint>
#include <string>
#include <vector>

#include "control/control_handler.h"
#include "journal/journal.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class JournalReadQueries final : public ControlHandler {
 public:
  static constexpr std::uint32_t kDefaultCount = 100;
  static constexpr std::uint32_t kMaxCount = 10000;

  // `journal`: nullptr when the node journals nothing; otherwise it outlives this handler.
  JournalReadQueries(ControlReplier& replier, Journal* journal)
      : m_replier(replier), m_journal(journal) {}

  std::vector<v1::ControlRequest::BodyCase> bodies() const override {
    return {v1::ControlRequest::kJournalRead};
  }
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  ControlReplier& m_replier;
  Journal* m_journal;
  ThreadChecker m_thread;
};

// The answer for `result`, a read up to `to` (exposed for tests): events and holes merged in
// offset order (a hole before the events at its first offset).
v1::JournalReadResponse journalReadResponse(const ReadResult& result, std::uint64_t to);

}  // namespace plexus::host
