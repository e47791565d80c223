#pragma once

// JournalQueries: `plexusctl journal`: the journal's directory, types, offsets and what became
// of the journaled events (JournalResponse). A node without a journal answers enabled = false.
// Thread rule: loop thread only (asserted), like the Journal it reads.

#include "control/control_handler.h"
#include "journal/journal.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class JournalQueries final : public ControlHandler {
 public:
  // `journal`: nullptr when the node journals nothing; otherwise it outlives this handler.
  JournalQueries(ControlReplier& replier, Journal* journal)
      : m_replier(replier), m_journal(journal) {}

  std::vector<v1::ControlRequest::BodyCase> bodies() const override {
    return {v1::ControlRequest::kJournal};
  }
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  ControlReplier& m_replier;
  Journal* m_journal;
  ThreadChecker m_thread;
};

// The answer for `status` (exposed for tests).
v1::JournalResponse journalResponse(const JournalStatus& status);

}  // namespace plexus::host
