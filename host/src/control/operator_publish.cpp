#include "control/operator_publish.h"

#include "delivery/event_factory.h"
#include "delivery/publish_check.h"
#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"

namespace plexus::host {

struct OperatorPublish::Publish {
  std::string clientId;
  std::uint64_t correlationId = 0;
  v1::Event event;
  std::uint32_t remaining = 0;
  bool waiting = false;  // one event waits for block subscribers
  v1::OperatorPublishResponse totals;
  std::uint32_t timedOut = 0;
};

OperatorPublish::OperatorPublish(ControlReplier& replier, EventLoop& loop, EventManager& events)
    : m_replier(replier), m_loop(loop), m_events(events) {}

OperatorPublish::~OperatorPublish() = default;

std::vector<v1::ControlRequest::BodyCase> OperatorPublish::bodies() const {
  return {v1::ControlRequest::kPublish};
}

void OperatorPublish::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto& publish = request.publish();
  if (auto status = checkPublish(publish.event(), ipc::kOperatorSource, nullptr); !status) {
    logger("control")->warn("operator publish refused: {}", status.error().message);
    m_replier.replyError(clientId, request.correlation_id(), status.error());
    return;
  }
  auto op = std::make_unique<Publish>();
  op->clientId = clientId;
  op->correlationId = request.correlation_id();
  op->event = publish.event();
  op->remaining = publish.count() == 0 ? 1 : publish.count();
  const std::uint64_t id = m_next++;
  m_publishes.emplace(id, std::move(op));
  pump(id);
}

// One event of `op` resolved, now or after waiting for block subscribers.
void OperatorPublish::resolved(Publish& op, const PublishReport& report) {
  op.waiting = false;
  op.totals.set_published(op.totals.published() + 1);
  op.totals.set_routed(op.totals.routed() + report.subscribers);
  op.totals.set_dropped(op.totals.dropped() + report.dropped);
  if (report.timedOut > 0) {
    ++op.timedOut;
    op.remaining = 0;  // stop at the first event a block subscriber did not take
  }
}

// Publishes up to a chunk of the remaining events; stops while one waits for a block
// subscriber (onPublishDone resumes) and yields to the loop between chunks.
void OperatorPublish::pump(std::uint64_t publishId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_publishes.find(publishId);
  if (it == m_publishes.end()) return;
  Publish& op = *it->second;
  for (std::uint32_t n = 0; n < kChunk && op.remaining > 0 && !op.waiting; ++n) {
    v1::Event event = op.event;
    stampEvent(event, ipc::kOperatorSource);
    --op.remaining;
    op.waiting = true;
    auto report = m_events.publish(event.type(), serializeEvent(event), {this, publishId});
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

void OperatorPublish::answer(const Publish& op) {
  if (op.timedOut > 0) {
    m_replier.replyError(
        op.clientId, op.correlationId,
        makeError(v1::ERROR_CODE_TIMEOUT,
                  std::to_string(op.timedOut) +
                      " event(s) were not accepted by a block-policy subscriber in time (" +
                      std::to_string(op.totals.published()) + " published)"));
    return;
  }
  v1::ControlResponse response;
  response.set_correlation_id(op.correlationId);
  *response.mutable_publish() = op.totals;
  m_replier.reply(op.clientId, std::move(response));
}

void OperatorPublish::onPublishDone(std::uint64_t token, const PublishReport& report) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_publishes.find(token);
  if (it == m_publishes.end()) return;
  resolved(*it->second, report);
  m_loop.post([this, token] { pump(token); });
}

}  // namespace plexus::host
