#include "control/cursor_queries.h"

#include <chrono>

namespace plexus::host {

namespace {

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

v1::CursorsResponse cursorsResponse(const std::vector<Cursor>& cursors, std::uint64_t lastOffset,
                                    std::int64_t nowMs) {
  v1::CursorsResponse out;
  out.set_last_offset(lastOffset);
  for (const Cursor& cursor : cursors) {
    v1::CursorInfo* info = out.add_cursors();
    info->set_module_id(cursor.moduleId);
    info->set_cursor(cursor.cursor);
    info->set_delivered_through(cursor.deliveredThrough);
    const std::int64_t updatedMs = cursor.updatedNs / 1'000'000;
    info->set_updated_unix_ms(updatedMs);
    if (cursor.cursor < lastOffset) {
      info->set_lag_events(lastOffset - cursor.cursor);
      // A clock stepped back shows no lag in time rather than a huge one.
      if (nowMs > updatedMs) info->set_lag_ms(static_cast<std::uint64_t>(nowMs - updatedMs));
    }
  }
  return out;
}

CursorQueries::CursorQueries(ControlReplier& replier, Journal* journal, IsRunning isRunning,
                             WallNowMs wallNowMs)
    : m_replier(replier),
      m_journal(journal),
      m_isRunning(std::move(isRunning)),
      m_wallNowMs(wallNowMs ? std::move(wallNowMs) : WallNowMs(systemNowMs)) {}

void CursorQueries::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_journal == nullptr) {
    m_replier.replyError(clientId, request.correlation_id(),
                         makeError(v1::ERROR_CODE_UNAVAILABLE,
                                   "this node has no journal (it journals no event type), so no "
                                   "durable module has a cursor"));
    return;
  }
  if (!request.cursors().delete_module().empty()) {
    remove(clientId, request);
    return;
  }
  v1::ControlResponse response = responseTo(request);
  *response.mutable_cursors() =
      cursorsResponse(m_journal->cursors(), m_journal->lastOffset(), m_wallNowMs());
  m_replier.reply(clientId, std::move(response));
}

void CursorQueries::remove(const std::string& clientId, const v1::ControlRequest& request) {
  const std::string& moduleId = request.cursors().delete_module();
  if (m_isRunning(moduleId)) {
    m_replier.replyError(
        clientId, request.correlation_id(),
        makeError(v1::ERROR_CODE_UNAVAILABLE,
                  "module '" + moduleId +
                      "' is running or about to (its cursor is in use); unload it first"));
    return;
  }
  if (!m_journal->forgetCursor(moduleId)) {
    m_replier.replyError(
        clientId, request.correlation_id(),
        makeError(v1::ERROR_CODE_NOT_FOUND, "no cursor for module '" + moduleId + "'"));
    return;
  }
  v1::ControlResponse response = responseTo(request);
  response.mutable_cursors()->set_deleted(moduleId);
  response.mutable_cursors()->set_last_offset(m_journal->lastOffset());
  m_replier.reply(clientId, std::move(response));
}

}  // namespace plexus::host
