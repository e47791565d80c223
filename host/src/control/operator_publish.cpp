#include "control/operator_publish.h"

#include <algorithm>
#include <optional>

#include "delivery/event_factory.h"
#include "delivery/publish_check.h"
#include "delivery/publish_outcome.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/publish_answer.h"
#include "runtime/logging.h"

namespace plexus::host {

struct OperatorPublish::Publish {
  std::string clientId;
  std::uint64_t correlationId = 0;
  std::uint32_t clientMinor = 0;  // the client's protocol minor: what answer it understands
  v1::Event event;
  std::uint32_t remaining = 0;
  bool waiting = false;    // one event waits for block subscribers
  bool abandoned = false;  // the client is gone: stop, answer nobody
  v1::OperatorPublishResponse totals;
  std::chrono::milliseconds progressInterval{0};  // 0: the client does not follow
  std::optional<Timers::TimerId> progressTimer;
};

OperatorPublish::OperatorPublish(ControlReplier& replier, EventLoop& loop, EventManager& events)
    : m_replier(replier), m_loop(loop), m_events(events) {}

OperatorPublish::~OperatorPublish() {
  for (auto& [id, op] : m_publishes) {
    if (op->progressTimer) m_loop.cancel(*op->progressTimer);
  }
}

std::vector<v1::ControlRequest::BodyCase> OperatorPublish::bodies() const {
  return {v1::ControlRequest::kPublish};
}

void OperatorPublish::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto& publish = request.publish();
  if (auto status =
          checkPublish(publish.event(), ipc::kOperatorSource, nullptr, m_events.nodeName());
      !status) {
    logger("control")->warn("operator publish refused: {}", status.error().message);
    m_replier.replyError(clientId, request.correlation_id(), status.error());
    return;
  }
  const std::uint32_t count = publish.count() == 0 ? 1 : publish.count();
  if (publish.progress_interval_ms() == 0 && count > kMaxUnfollowed) {
    m_replier.replyError(
        clientId, request.correlation_id(),
        makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                  "a publish of more than " + std::to_string(kMaxUnfollowed) +
                      " events needs a client that follows its progress (progress_interval_ms)"));
    return;
  }
  auto op = std::make_unique<Publish>();
  op->clientId = clientId;
  op->correlationId = request.correlation_id();
  op->clientMinor = request.protocol_minor();
  op->event = publish.event();
  op->remaining = count;
  op->totals.set_requested(count);
  if (publish.progress_interval_ms() > 0) {
    op->progressInterval =
        std::chrono::milliseconds(std::max(publish.progress_interval_ms(), kMinProgressIntervalMs));
  }
  const std::uint64_t id = m_next++;
  m_publishes.emplace(id, std::move(op));
  armProgress(id);
  pump(id);
}

// One event of `op` resolved, now or after waiting for block subscribers.
void OperatorPublish::resolved(Publish& op, const PublishReport& report) {
  op.waiting = false;
  auto& totals = op.totals;
  if (report.published) {
    totals.set_published(totals.published() + 1);
    totals.set_routed(totals.routed() + report.subscribers);
    totals.set_accepted(totals.accepted() + report.accepted);
    totals.set_dropped(totals.dropped() + report.dropped);
    totals.set_failed(totals.failed() + report.failed);
    totals.set_timed_out(totals.timed_out() + report.timedOut);
    totals.set_modules(std::max(totals.modules(), report.accepted));
  } else {
    // Neither journaled nor routed (the journal made no room in time): `missed` names the
    // durable subscribers.
    totals.set_unpublished(totals.unpublished() + 1);
  }
  if (!report.delivered()) {
    *totals.mutable_missed() = toProto(report).missed();
    op.remaining = 0;  // stop at the first event a block subscriber (or the journal) did not take
  }
}

// Publishes up to a chunk of the remaining events; stops while one waits for a block
// subscriber (onPublishDone resumes) and yields to the loop between chunks.
void OperatorPublish::pump(std::uint64_t publishId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_publishes.find(publishId);
  if (it == m_publishes.end()) return;
  Publish& op = *it->second;
  if (op.abandoned) {
    if (!op.waiting) m_publishes.erase(it);
    return;
  }
  for (std::uint32_t n = 0; n < kChunk && op.remaining > 0 && !op.waiting; ++n) {
    v1::Event event = op.event;
    stampEvent(event, ipc::kOperatorSource);
    --op.remaining;
    op.waiting = true;
    auto report =
        m_events.publish(event.type(), serializeEvent(event),
                         {.waiter = this, .token = publishId, .source = PublishSource::Operator});
    if (!report) return;  // onPublishDone continues
    resolved(op, *report);
  }
  if (op.waiting) return;
  if (op.remaining > 0) {
    m_loop.post([this, publishId] { pump(publishId); });
    return;
  }
  answer(op);
  m_publishes.erase(it);
}

void OperatorPublish::answer(Publish& op) {
  if (op.progressTimer) m_loop.cancel(*op.progressTimer);
  op.progressTimer.reset();
  const auto& totals = op.totals;
  if (totals.unpublished() > 0 && op.clientMinor < ipc::kMinorUnpublished) {
    // A client from before 1.6 knows no `unpublished`: it would count the event as published.
    m_replier.replyError(
        op.clientId, op.correlationId,
        makeError(v1::ERROR_CODE_TIMEOUT,
                  ipc::describeUnpublished("event " + std::to_string(totals.published() + 1),
                                           totals.missed())));
    return;
  }
  if (totals.missed_size() > 0 && op.clientMinor < ipc::kMinorPublishAnswer) {
    // A client from before 1.1 knows no `missed`: it must not take this answer for success.
    m_replier.replyError(
        op.clientId, op.correlationId,
        makeError(totals.timed_out() > 0 ? v1::ERROR_CODE_TIMEOUT : v1::ERROR_CODE_UNAVAILABLE,
                  "event " + std::to_string(totals.published()) +
                      " was not taken by every block-policy subscriber: " +
                      ipc::describeMissed(totals.missed())));
    return;
  }
  v1::ControlResponse response;
  response.set_correlation_id(op.correlationId);
  *response.mutable_publish() = totals;
  m_replier.reply(op.clientId, std::move(response));
}

void OperatorPublish::armProgress(std::uint64_t publishId) {
  Publish& op = *m_publishes.at(publishId);
  if (op.progressInterval.count() == 0) return;
  op.progressTimer =
      m_loop.runAfter(op.progressInterval, [this, publishId] { sendProgress(publishId); });
}

// The totals so far to a client that follows; a client that is gone ends the publish.
void OperatorPublish::sendProgress(std::uint64_t publishId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_publishes.find(publishId);
  if (it == m_publishes.end()) return;
  Publish& op = *it->second;
  op.progressTimer.reset();
  v1::ControlResponse progress;
  progress.set_correlation_id(op.correlationId);
  *progress.mutable_publish_progress() = op.totals;
  if (m_replier.send(op.clientId, std::move(progress)) == SendStatus::Unreachable) {
    logger("control")->warn("operator publish stopped after {} of {} event(s): the client is gone",
                            op.totals.published(), op.totals.requested());
    op.abandoned = true;
    op.remaining = 0;
    if (!op.waiting) m_publishes.erase(it);  // else once the waiting event resolves
    return;
  }
  armProgress(publishId);
}

void OperatorPublish::onPublishDone(std::uint64_t token, const PublishReport& report) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_publishes.find(token);
  if (it == m_publishes.end()) return;
  resolved(*it->second, report);
  m_loop.post([this, token] { pump(token); });
}

}  // namespace plexus::host
