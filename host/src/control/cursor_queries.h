#pragma once

// CursorQueries: `plexusctl cursors` (issue 13): each durable module's cursor in the journal
// and how far behind the journal it is (CursorsResponse); with delete_module, forgets the
// cursor of a module that no longer runs (a removed module's, so the journal keeps nothing for
// it). A node without a journal answers Error{UNAVAILABLE}.
// Thread rule: loop thread only (asserted), like the Journal it reads and the supervisor
// `isRunning` asks.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "control/control_handler.h"
#include "journal/journal.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class CursorQueries final : public ControlHandler {
 public:
  // Whether a module runs or is about to (a process, or a restart on its way): its cursor is
  // in use and may not be deleted.
  using IsRunning = std::function<bool(const std::string& moduleId)>;
  using WallNowMs = std::function<std::int64_t()>;

  // `journal`: nullptr when the node journals nothing; otherwise it outlives this handler.
  // `wallNowMs`: milliseconds since the epoch (default: the system clock).
  CursorQueries(ControlReplier& replier, Journal* journal, IsRunning isRunning,
                WallNowMs wallNowMs = {});

  std::vector<v1::ControlRequest::BodyCase> bodies() const override {
    return {v1::ControlRequest::kCursors};
  }
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  void remove(const std::string& clientId, const v1::ControlRequest& request);

  ControlReplier& m_replier;
  Journal* m_journal;
  IsRunning m_isRunning;
  WallNowMs m_wallNowMs;
  ThreadChecker m_thread;
};

// The answer listing `cursors` against the journal's last offset at `nowMs` (exposed for tests).
v1::CursorsResponse cursorsResponse(const std::vector<Cursor>& cursors, std::uint64_t lastOffset,
                                    std::int64_t nowMs);

}  // namespace plexus::host
