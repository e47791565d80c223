#include "plexus/sdk/module.h"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "connection.h"
#include "io_thread.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk {

namespace {

constexpr std::chrono::milliseconds kRequestTimeout{60000};
constexpr std::chrono::microseconds kIdleAckDelay{10000};

// The token line plexus-node writes on stdin: 64 hex characters and a newline.
std::string readToken(std::chrono::milliseconds timeout) {
  std::string token;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0)
      throw ConnectError("no token on stdin within " + std::to_string(timeout.count()) + " ms");
    char c;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (token.size() > 256) throw ConnectError("the token line on stdin is too long");
    token += c;
  }
  if (token.empty()) {
    throw ConnectError("no token on stdin: a module is started by plexus-node, which writes it");
  }
  return token;
}

}  // namespace

class Module::Impl {
 public:
  explicit Impl(const ConnectOptions& options)
      : m_id(options.moduleId), m_connection(options), m_io(m_connection) {
    const auto& ack = m_connection.handshake();
    m_settings.insert(ack.settings().begin(), ack.settings().end());
  }

  ~Impl() {
    if (!m_saidGoodbye) m_connection.post(goodbye("module closed"));
  }

  const std::string& id() const { return m_id; }
  const v1::HandshakeAck& handshake() const { return m_connection.handshake(); }
  const std::map<std::string, std::string>& settings() const { return m_settings; }

  void on(v1::EventType type, Handler handler, std::string filter) {
    if (!ipc::isValidEventType(type)) {
      throw std::invalid_argument("Module::on: " + std::to_string(type) + " is not an event type");
    }
    m_handlers[static_cast<std::size_t>(type)] = std::move(handler);
    m_filters[static_cast<std::size_t>(type)] = std::move(filter);
  }

  int run() {
    m_io.park();  // this thread reads the socket now
    const int status = runLoop();
    m_io.unpark();
    return status;
  }

  void stop() { m_connection.postStop(); }

  Result<v1::PublishResponse> publish(const v1::Event& event) {
    v1::Request request;
    *request.mutable_publish()->mutable_event() = event;
    auto response = m_connection.request(std::move(request), kRequestTimeout);
    if (!response) return response.error();
    return response->publish();
  }

  Result<v1::DeliveryStats> stats() {
    v1::Request request;
    request.mutable_stats();
    auto response = m_connection.request(std::move(request), kRequestTimeout);
    if (!response) return response.error();
    return response->stats();
  }

  std::uint64_t decodeErrors() const { return m_decodeErrors; }

 private:
  static v1::Envelope goodbye(const std::string& reason) {
    v1::Envelope envelope;
    ipc::stampVersion(envelope);
    envelope.mutable_goodbye()->set_reason(reason);
    return envelope;
  }
  void sendAck(std::uint64_t throughSeq) {
    v1::Envelope ack;
    ipc::stampVersion(ack);
    ack.mutable_ack()->set_through_seq(throughSeq);
    m_connection.send(ack);
  }
  void sayGoodbye(const std::string& reason) {
    m_connection.send(goodbye(reason));
    m_saidGoodbye = true;
  }
  int runLoop();
  void reportRefused(const std::string& refused) const;
  // Returns true when the batch held NodeShutdown. Returns credit every `ackEvery` handled
  // events, inside the batch too, so the node refills while the rest is handled.
  bool dispatch(const ipc::ReceivedBatch& batch, std::uint64_t ackEvery,
                std::uint64_t& handledThrough, std::uint64_t& unacked);

  std::string m_id;
  detail::Connection m_connection;
  detail::IoThread m_io;
  std::map<std::string, std::string> m_settings;
  std::array<Handler, ipc::kEventTypeSlots> m_handlers;
  std::array<std::string, ipc::kEventTypeSlots> m_filters;  // "" = unfiltered
  std::atomic<std::uint64_t> m_decodeErrors{0};
  bool m_saidGoodbye = false;
  v1::Event m_event;  // reused for every delivery
};

bool Module::Impl::dispatch(const ipc::ReceivedBatch& batch, std::uint64_t ackEvery,
                            std::uint64_t& handledThrough, std::uint64_t& unacked) {
  bool shutdown = false;
  for (std::size_t i = 0; i < batch.bodies.size(); ++i) {
    const auto& meta = batch.metas[i];
    const auto& body = batch.bodies[i];
    if (i > 0) m_connection.serveBetweenHandlers();  // other threads' requests, heartbeats
    if (!m_event.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      ++m_decodeErrors;
      std::cerr << "plexus-sdk: module '" << m_id << "': event seq " << meta.seq()
                << " could not be decoded; skipped\n";
    } else {
      const auto type = m_event.type();
      shutdown = shutdown || type == v1::EVENT_TYPE_NODE_SHUTDOWN;
      const std::size_t slot = static_cast<std::size_t>(type);
      if (slot < m_handlers.size() && m_handlers[slot]) {
        try {
          m_handlers[slot](Delivery(m_event, meta.seq(), meta.dropped_before(), batch.lane));
        } catch (const std::exception& e) {
          std::cerr << "plexus-sdk: module '" << m_id << "': the " << ipc::displayName(type)
                    << " handler threw: " << e.what() << "\n";
        }
      }
    }
    if (batch.lane == v1::LANE_EVENT) {
      handledThrough = meta.seq();
      if (++unacked >= ackEvery) {
        sendAck(handledThrough);
        unacked = 0;
      }
    }
  }
  return shutdown;
}

// The types the node did not subscribe (a filter that does not compile), a line each.
void Module::Impl::reportRefused(const std::string& refused) const {
  std::size_t begin = 0;
  while (begin < refused.size()) {
    std::size_t end = refused.find('\n', begin);
    if (end == std::string::npos) end = refused.size();
    std::cerr << "plexus-sdk: module '" << m_id
              << "': subscription refused: " << refused.substr(begin, end - begin) << "\n";
    begin = end + 1;
  }
}

int Module::Impl::runLoop() {
  v1::Envelope subscribe;
  ipc::stampVersion(subscribe);
  auto* request = subscribe.mutable_subscribe();  // sent even with no handlers: it makes the
                                                  // module ready
  const bool filters = handshake().negotiated_minor() >= ipc::kMinorFilters;
  for (std::size_t slot = 0; slot < m_handlers.size(); ++slot) {
    if (!m_handlers[slot]) continue;
    const auto type = static_cast<v1::EventType>(slot);
    if (!m_filters[slot].empty()) {
      if (!filters) {
        std::cerr << "plexus-sdk: module '" << m_id << "': subscription to "
                  << ipc::displayName(type) << " refused: its filter needs protocol "
                  << ipc::kProtocolMajor << "." << ipc::kMinorFilters
                  << ", the connection negotiated " << ipc::kProtocolMajor << "."
                  << handshake().negotiated_minor() << "\n";
        continue;
      }
      auto* filter = request->add_filters();
      filter->set_type(type);
      filter->set_expression(m_filters[slot]);
    }
    request->add_types(type);
  }
  m_connection.send(subscribe);

  const std::uint64_t capacity = std::max<std::uint32_t>(handshake().channel_capacity(), 1);
  const std::uint64_t ackEvery = std::max<std::uint64_t>(1, capacity / 2);
  std::uint64_t handledThrough = 0, unacked = 0;
  bool subscribed = false;
  auto flushAck = [&] {
    if (unacked == 0) return;
    sendAck(handledThrough);
    unacked = 0;
  };
  using Clock = detail::Connection::Clock;
  for (;;) {
    // Idle with unacked events: their credit goes back after kIdleAckDelay unless more events
    // arrive first. At a low rate this saves an ack message per event (half the traffic); it
    // holds credit the module does not need, since each batch acks itself at half the window.
    std::optional<detail::Incoming> next =
        m_connection.next(unacked > 0 ? Clock::now() + kIdleAckDelay : Clock::time_point::max());
    if (!next) {
      flushAck();
      continue;
    }
    detail::Incoming in = std::move(*next);
    using Kind = detail::Incoming::Kind;
    switch (in.kind) {
      case Kind::Batch: {
        if (dispatch(in.batch, ackEvery, handledThrough, unacked)) {
          flushAck();
          sayGoodbye("node shutdown");
          return 0;
        }
        break;
      }
      case Kind::SubscribeAck:
        subscribed = true;
        reportRefused(in.message);
        break;
      case Kind::HostError:
        if (!subscribed) {
          std::cerr << "plexus-sdk: module '" << m_id << "': subscription refused: " << in.message
                    << "\n";
          sayGoodbye("subscription refused");
          return 1;
        }
        std::cerr << "plexus-sdk: module '" << m_id << "': plexus-node reports: " << in.message
                  << "\n";
        break;
      case Kind::HostGoodbye:
        flushAck();
        sayGoodbye("unloaded");
        return 0;
      case Kind::Stop:
        flushAck();
        sayGoodbye("stopped");
        return 0;
      case Kind::HostLost:
        std::cerr << "plexus-sdk: module '" << m_id << "': " << in.message << "\n";
        m_saidGoodbye = true;  // nobody to say it to
        return 2;
    }
  }
}

Module Module::fromEnvironment(Identity identity) {
  const char* id = std::getenv(ipc::kEnvModuleId);
  const char* endpoint = std::getenv(ipc::kEnvEndpoint);
  if (id == nullptr || endpoint == nullptr || *id == '\0' || *endpoint == '\0') {
    throw ConnectError(std::string(ipc::kEnvModuleId) + " and " + ipc::kEnvEndpoint +
                       " are not set: a module is started by plexus-node (add it to the node's "
                       "configuration or use `plexusctl load`)");
  }
  ConnectOptions options;
  options.moduleId = id;
  options.endpoint = endpoint;
  options.identity = std::move(identity);
  options.token = readToken(options.timeout);
  return connect(options);
}

Module Module::connect(const ConnectOptions& options) {
  if (auto problem = ipc::validateModuleId(options.moduleId); !problem.empty()) {
    throw ConnectError("invalid module id '" + options.moduleId + "': " + problem);
  }
  return Module(std::make_unique<Impl>(options));
}

Module::Module(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Module::Module(Module&&) noexcept = default;
Module& Module::operator=(Module&&) noexcept = default;
Module::~Module() = default;

const std::string& Module::id() const {
  return m_impl->id();
}
std::uint64_t Module::incarnation() const {
  return m_impl->handshake().incarnation();
}
std::uint32_t Module::channelCapacity() const {
  return m_impl->handshake().channel_capacity();
}
std::uint32_t Module::protocolMinor() const {
  return m_impl->handshake().negotiated_minor();
}
std::string Module::setting(const std::string& key, const std::string& fallback) const {
  auto it = m_impl->settings().find(key);
  return it != m_impl->settings().end() ? it->second : fallback;
}
const std::map<std::string, std::string>& Module::settings() const {
  return m_impl->settings();
}
void Module::on(v1::EventType type, Handler handler, std::string filter) {
  m_impl->on(type, std::move(handler), std::move(filter));
}
int Module::run() {
  return m_impl->run();
}
void Module::stop() {
  m_impl->stop();
}
Result<v1::PublishResponse> Module::publish(const v1::Event& event) {
  return m_impl->publish(event);
}
Result<v1::DeliveryStats> Module::stats() {
  return m_impl->stats();
}
std::uint64_t Module::localDecodeErrors() const {
  return m_impl->decodeErrors();
}

}  // namespace plexus::sdk
