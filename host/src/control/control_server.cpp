#include "control/control_server.h"

#include <unistd.h>

#include <zmq_addon.hpp>

#include "delivery/event_factory.h"
#include "delivery/publish_check.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::uint32_t kPublishChunk = 512;  // events per loop iteration
}

struct ControlServer::OperatorPublish {
  std::string clientId;
  std::uint64_t correlationId = 0;
  v1::Event event;
  std::uint32_t remaining = 0;
  bool waiting = false;  // one event waits for block subscribers
  v1::OperatorPublishResponse totals;
  std::uint32_t timedOut = 0;
};

ControlServer::ControlServer(zmq::socket_t& router, EventLoop& loop, EventManager& events,
                             ModuleDirectory& modules, NodeStatus status)
    : m_router(router),
      m_loop(loop),
      m_events(events),
      m_modules(modules),
      m_status(std::move(status)) {}

ControlServer::~ControlServer() = default;

v1::ControlResponse ControlServer::responseTo(const v1::ControlRequest& request) const {
  v1::ControlResponse response;
  response.set_protocol_major(ipc::kProtocolMajor);
  response.set_protocol_minor(ipc::kProtocolMinor);
  response.set_correlation_id(request.correlation_id());
  return response;
}

SendStatus ControlServer::send(const std::string& clientId, v1::ControlResponse response) {
  response.set_protocol_major(ipc::kProtocolMajor);
  response.set_protocol_minor(ipc::kProtocolMinor);
  std::string bytes = response.SerializeAsString();
  m_loop.touch(m_router);  // a send may consume the socket's ZMQ_FD edge
  try {
    if (!m_router.send(zmq::buffer(clientId),
                       zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return SendStatus::WouldBlock;  // a client not reading is its problem, never the loop's
    }
    (void)m_router.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    return SendStatus::Sent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendStatus::Unreachable;
    if (e.num() == EAGAIN) return SendStatus::WouldBlock;
    throw;
  }
}

void ControlServer::replyError(const std::string& clientId, std::uint64_t correlationId,
                               const Error& error) {
  v1::ControlResponse response;
  response.set_correlation_id(correlationId);
  response.mutable_error()->set_code(error.code);
  response.mutable_error()->set_message(error.message);
  response.mutable_error()->set_correlation_id(correlationId);
  reply(clientId, std::move(response));
}

void ControlServer::serveReady() {
  for (;;) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(m_router, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return;
    }
    if (frames.size() != 2) {
      if (!frames.empty()) {
        replyError(frames[0].to_string(), 0,
                   makeError(v1::ERROR_CODE_MALFORMED, "expected one ControlRequest frame"));
      }
      continue;
    }
    const std::string clientId = frames[0].to_string();
    v1::ControlRequest request;
    if (!request.ParseFromArray(frames[1].data(), static_cast<int>(frames[1].size())) ||
        request.body_case() == v1::ControlRequest::BODY_NOT_SET) {
      replyError(clientId, 0, makeError(v1::ERROR_CODE_MALFORMED, "not a ControlRequest"));
      continue;
    }
    if (request.protocol_major() != ipc::kProtocolMajor) {
      replyError(
          clientId, request.correlation_id(),
          makeError(v1::ERROR_CODE_UNSUPPORTED_VERSION,
                    "control protocol " + std::to_string(request.protocol_major()) +
                        ".x is not supported: this node speaks " + ipc::protocolVersionString()));
      continue;
    }
    handle(clientId, request);
  }
}

void ControlServer::handle(const std::string& clientId, const v1::ControlRequest& request) {
  using Body = v1::ControlRequest::BodyCase;
  v1::ControlResponse response = responseTo(request);
  auto moduleReply = [this, clientId, correlationId = request.correlation_id()](auto setter) {
    return [this, clientId, correlationId, setter](Result<v1::ModuleInfo> result) {
      if (!result) {
        replyError(clientId, correlationId, result.error());
        return;
      }
      v1::ControlResponse r;
      r.set_correlation_id(correlationId);
      setter(r, *result);
      reply(clientId, std::move(r));
    };
  };
  switch (request.body_case()) {
    case Body::kStatus: {
      auto* status = response.mutable_status();
      status->set_version(kPlexusVersion);
      status->set_protocol_version(ipc::protocolVersionString());
      status->set_uptime_ms(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - m_status.startedAt)
                                         .count()));
      status->set_pid(::getpid());
      status->set_runtime_dir(m_status.runtimeDir.string());
      auto modules = m_modules.modules();
      status->set_modules_total(static_cast<std::uint32_t>(modules.size()));
      status->set_modules_ready(m_modules.countInState(v1::MODULE_STATE_READY));
      status->set_modules_failed(m_modules.countInState(v1::MODULE_STATE_FAILED));
      status->set_events_published(m_events.eventsPublished());
      status->set_events_sent(m_events.eventsSent());
      status->set_batches_sent(m_events.batchesSent());
      break;
    }
    case Body::kModules:
      response.mutable_modules();  // the body is set even when the list is empty
      for (auto& info : m_modules.modules())
        *response.mutable_modules()->add_modules() = info;
      break;
    case Body::kStats: {
      const auto& query = request.stats();
      response.mutable_stats();  // the body is set even when the list is empty
      if (!query.module_id().empty()) {
        if (query.reset() && !m_events.resetStats(query.module_id())) {
          replyError(clientId, request.correlation_id(),
                     makeError(v1::ERROR_CODE_NOT_FOUND,
                               "no statistics for module '" + query.module_id() + "'"));
          return;
        }
        auto stats = m_events.stats(query.module_id());
        if (!stats) {
          replyError(clientId, request.correlation_id(),
                     makeError(v1::ERROR_CODE_NOT_FOUND,
                               "no statistics for module '" + query.module_id() + "'"));
          return;
        }
        *response.mutable_stats()->add_modules() = *stats;
      } else {
        if (query.reset()) m_events.resetAllStats();
        for (auto& stats : m_events.allStats())
          *response.mutable_stats()->add_modules() = stats;
      }
      if (query.reset()) {
        logger("control")->info("statistics reset ({})",
                                query.module_id().empty() ? "all modules" : query.module_id());
      }
      break;
    }
    case Body::kSubscribers: {
      auto type = request.subscribers().type();
      if (!ipc::isValidEventType(type)) {
        replyError(clientId, request.correlation_id(),
                   makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "not a valid event type"));
        return;
      }
      response.mutable_subscribers()->set_type(type);  // sets the body even with no subscriber
      for (auto& id : m_events.subscribers(type)) {
        response.mutable_subscribers()->add_module_ids(id);
      }
      break;
    }
    case Body::kPublish:
      startPublish(clientId, request);
      return;
    case Body::kLoad:
      m_modules.load(request.load().module(),
                     moduleReply([](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                       *r.mutable_load()->mutable_module() = info;
                     }));
      return;
    case Body::kUnload:
      m_modules.unload(request.unload().module_id(),
                       moduleReply([](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                         *r.mutable_unload()->mutable_module() = info;
                       }));
      return;
    case Body::kReload:
      m_modules.reload(request.reload().module_id(),
                       moduleReply([](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                         *r.mutable_reload()->mutable_module() = info;
                       }));
      return;
    default:
      if (m_extension && m_extension(clientId, request)) return;
      replyError(
          clientId, request.correlation_id(),
          makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "this node does not serve that request"));
      return;
  }
  reply(clientId, std::move(response));
}

void ControlServer::startPublish(const std::string& clientId, const v1::ControlRequest& request) {
  const auto& publish = request.publish();
  if (auto status = checkPublish(publish.event(), ipc::kOperatorSource, nullptr); !status) {
    logger("control")->warn("operator publish refused: {}", status.error().message);
    replyError(clientId, request.correlation_id(), status.error());
    return;
  }
  auto op = std::make_unique<OperatorPublish>();
  op->clientId = clientId;
  op->correlationId = request.correlation_id();
  op->event = publish.event();
  op->remaining = publish.count() == 0 ? 1 : publish.count();
  const std::uint64_t id = m_nextPublish++;
  m_publishes.emplace(id, std::move(op));
  pump(id);
}

// Publishes up to a chunk of the remaining events; stops while one waits for a block
// subscriber (onPublishDone resumes) and yields to the loop between chunks.
void ControlServer::pump(std::uint64_t publishId) {
  auto it = m_publishes.find(publishId);
  if (it == m_publishes.end()) return;
  OperatorPublish& op = *it->second;
  for (std::uint32_t n = 0; n < kPublishChunk && op.remaining > 0 && !op.waiting; ++n) {
    v1::Event event = op.event;
    stampEvent(event, ipc::kOperatorSource);
    --op.remaining;
    op.waiting = true;
    auto report = m_events.publish(event.type(), serializeEvent(event), {this, publishId});
    if (!report) return;  // onPublishDone continues
    op.waiting = false;
    op.totals.set_published(op.totals.published() + 1);
    op.totals.set_routed(op.totals.routed() + report->subscribers);
    op.totals.set_dropped(op.totals.dropped() + report->dropped);
  }
  if (op.waiting) return;
  if (op.remaining > 0) {
    m_loop.post([this, publishId] { pump(publishId); });
    return;
  }
  v1::ControlResponse response;
  response.set_correlation_id(op.correlationId);
  if (op.timedOut > 0) {
    replyError(op.clientId, op.correlationId,
               makeError(v1::ERROR_CODE_TIMEOUT,
                         std::to_string(op.timedOut) +
                             " event(s) were not accepted by a block-policy subscriber in time (" +
                             std::to_string(op.totals.published()) + " published)"));
  } else {
    *response.mutable_publish() = op.totals;
    reply(op.clientId, std::move(response));
  }
  m_publishes.erase(it);
}

void ControlServer::onPublishDone(std::uint64_t token, const PublishReport& report) {
  auto it = m_publishes.find(token);
  if (it == m_publishes.end()) return;
  OperatorPublish& op = *it->second;
  op.waiting = false;
  op.totals.set_published(op.totals.published() + 1);
  op.totals.set_routed(op.totals.routed() + report.subscribers);
  op.totals.set_dropped(op.totals.dropped() + report.dropped);
  if (report.timedOut > 0) {
    ++op.timedOut;
    op.remaining = 0;  // stop at the first event a block subscriber did not take
  }
  m_loop.post([this, token] { pump(token); });
}

}  // namespace plexus::host
